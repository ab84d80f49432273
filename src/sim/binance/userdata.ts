/**
 * User data delivery: legacy listenKeys (create, keep-alive, expiry) and WS API subscriptions, and
 * the fan-out of each account's executionReport / outboundAccountPosition to every subscriber
 * (reference §A.9).
 */
import type { Rng } from "../../services/index.ts";
import type { SimSocket } from "./conn.ts";
import { Err } from "./errors.ts";

const LISTEN_KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

interface ListenKeyState {
  readonly accountId: string;
  expiresAtMs: number;
  readonly sockets: Set<SimSocket>;
}

/** listenKeys and subscriptions of every account; sends events in the right envelope. */
export class UserData {
  private readonly keys = new Map<string, ListenKeyState>();
  private readonly keyOfAccount = new Map<string, string>();
  /** WS API subscriptions per account: socket and subscription id. */
  private readonly subs = new Map<string, Set<{ ws: SimSocket; id: number }>>();
  private nextSubId = 0;

  constructor(
    private readonly rng: Rng,
    private readonly now: () => number,
    /** listenKey validity after create / keep-alive (Binance: 60 min). */
    private readonly validityMs: number,
  ) {}

  /** POST /api/v3/userDataStream: the account's active key, or a new one. */
  create(accountId: string): string {
    const existing = this.keyOfAccount.get(accountId);
    if (existing !== undefined) {
      const st = this.keys.get(existing);
      if (st !== undefined) {
        st.expiresAtMs = this.now() + this.validityMs;
        return existing;
      }
    }
    let key = "";
    for (let i = 0; i < 60; i++) key += LISTEN_KEY_CHARS[this.rng.int(LISTEN_KEY_CHARS.length)];
    this.keys.set(key, { accountId, expiresAtMs: this.now() + this.validityMs, sockets: new Set() });
    this.keyOfAccount.set(accountId, key);
    return key;
  }

  /** PUT: extends the key's validity; -1125 for a key this account does not own. */
  keepAlive(accountId: string, key: string | undefined): void {
    const st = this.owned(accountId, key);
    st.expiresAtMs = this.now() + this.validityMs;
  }

  /** DELETE: closes the key and its streams. */
  close(accountId: string, key: string | undefined): void {
    this.owned(accountId, key);
    this.drop(key as string, false);
  }

  private owned(accountId: string, key: string | undefined): ListenKeyState {
    if (key === undefined || key === "") throw Err.mandatory("listenKey");
    const st = this.keys.get(key);
    if (st === undefined || st.accountId !== accountId) throw Err.invalidListenKey();
    return st;
  }

  /** True when key is an active listenKey (a /ws/<key> connection is a user stream). */
  isListenKey(key: string): boolean {
    return this.keys.has(key);
  }

  /** Registers a user stream socket on its listenKey. */
  attach(key: string, ws: SimSocket): boolean {
    const st = this.keys.get(key);
    if (st === undefined) return false;
    st.sockets.add(ws);
    return true;
  }

  /** Forgets a closed socket everywhere. */
  detach(ws: SimSocket): void {
    const key = ws.data.listenKey;
    if (key !== undefined) this.keys.get(key)?.sockets.delete(ws);
    for (const [id, accountId] of ws.data.subscriptions)
      this.subs.get(accountId)?.forEach((s) => {
        if (s.ws === ws && s.id === id) this.subs.get(accountId)?.delete(s);
      });
  }

  /** WS API userDataStream.subscribe: a new subscription id for this socket. */
  subscribe(ws: SimSocket, accountId: string): number {
    const id = this.nextSubId++;
    ws.data.subscriptions.set(id, accountId);
    let set = this.subs.get(accountId);
    if (set === undefined) {
      set = new Set();
      this.subs.set(accountId, set);
    }
    set.add({ ws, id });
    return id;
  }

  /** userDataStream.unsubscribe: ends one (or every) subscription of the socket; returns the ended ids. */
  unsubscribe(ws: SimSocket, id: number | undefined): number[] {
    const ended: number[] = [];
    for (const [sid, accountId] of [...ws.data.subscriptions]) {
      if (id !== undefined && sid !== id) continue;
      ws.data.subscriptions.delete(sid);
      const set = this.subs.get(accountId);
      set?.forEach((s) => {
        if (s.ws === ws && s.id === sid) set.delete(s);
      });
      ended.push(sid);
    }
    return ended;
  }

  /** True when someone listens to this account's events (skip formatting otherwise). */
  hasListeners(accountId: string): boolean {
    const key = this.keyOfAccount.get(accountId);
    const st = key === undefined ? undefined : this.keys.get(key);
    return (st !== undefined && st.sockets.size > 0) || (this.subs.get(accountId)?.size ?? 0) > 0;
  }

  /**
   * Sends one event (JSON text) to every listener of the account, in each one's envelope; `mangle` (a
   * corruption knob) rewrites each whole frame, envelope included, just before it goes out.
   */
  deliver(accountId: string, eventJson: string, mangle: (frame: string) => string = (f) => f): void {
    const key = this.keyOfAccount.get(accountId);
    const st = key === undefined ? undefined : this.keys.get(key);
    if (st !== undefined) {
      for (const ws of st.sockets) {
        if (ws.data.closed) continue;
        ws.send(mangle(ws.data.combined ? `{"stream":"${key}","data":${eventJson}}` : eventJson));
      }
    }
    const set = this.subs.get(accountId);
    if (set !== undefined) {
      for (const s of set) if (!s.ws.data.closed) s.ws.send(mangle(`{"subscriptionId":${s.id},"event":${eventJson}}`));
    }
  }

  /** Expires keys past their validity (listenKeyExpired to their streams); returns how many expired. */
  expireDue(): number {
    const t = this.now();
    let n = 0;
    for (const [key, st] of [...this.keys]) {
      if (st.expiresAtMs <= t) {
        this.drop(key, true);
        n++;
      }
    }
    return n;
  }

  /** Expires one key now (admin knob); false when unknown. */
  expireNow(key: string): boolean {
    if (!this.keys.has(key)) return false;
    this.drop(key, true);
    return true;
  }

  private drop(key: string, expired: boolean): void {
    const st = this.keys.get(key);
    if (st === undefined) return;
    this.keys.delete(key);
    if (this.keyOfAccount.get(st.accountId) === key) this.keyOfAccount.delete(st.accountId);
    for (const ws of st.sockets) {
      if (ws.data.closed) continue;
      if (expired) {
        const ev = `{"e":"listenKeyExpired","E":${this.now()},"listenKey":"${key}"}`;
        ws.send(ws.data.combined ? `{"stream":"${key}","data":${ev}}` : ev);
      }
      ws.close(1000, expired ? "listenKey expired" : "listenKey closed");
    }
  }
}
