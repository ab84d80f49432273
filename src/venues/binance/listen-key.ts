/**
 * The legacy listenKey user-data stream (§A.9), the fallback when orders go over REST (no WS API
 * session to carry userDataStream.subscribe): create a key over REST, read unwrapped events from
 * `<streamUrl>/ws/<listenKey>`, keep the key alive, and replace key and socket when the key expires
 * or the socket drops (then the adapter reconciles what it may have missed).
 */
import { Backoff } from "../../gateways/index.ts";
import type { TimerId } from "../../services/index.ts";
import type { ResolvedBinanceConfig } from "./config.ts";
import type { BinanceRest } from "./rest.ts";
import type { WsApiHooks } from "./ws-api.ts";

/** Keep-alive period of a listenKey (Binance: every ~30 min; keys expire after 60). */
const KEEPALIVE_MS = 30 * 60_000;

/** One listenKey stream. */
export class BinanceListenKeyStream {
  private ws: WebSocket | undefined;
  private listenKey = "";
  private keepalive: TimerId | undefined;
  private reconnectTimer: TimerId | undefined;
  private closing = false;
  /** Aborted by close(): a key request waiting for weight budget ends at once. */
  private lifetime = new AbortController();
  private readonly backoff: Backoff;
  readonly counters = { reconnects: 0, badFrames: 0, userEvents: 0, keyRenewals: 0 };

  constructor(
    private readonly cfg: ResolvedBinanceConfig,
    private readonly rest: BinanceRest,
    private readonly hooks: WsApiHooks,
  ) {
    this.backoff = new Backoff(cfg.rng.fork("listenkey-backoff"), cfg.backoff);
  }

  /** Creates a key and opens its stream. */
  async connect(): Promise<void> {
    this.closing = false;
    if (this.lifetime.signal.aborted) this.lifetime = new AbortController();
    await this.open();
    this.keepalive = this.cfg.clock.setRepeating(KEEPALIVE_MS, () => {
      // off the order path: the key lives 60 min, so a keep-alive may wait a weight window
      const offPath = { signal: this.lifetime.signal, what: "listenKey keep-alive" };
      this.rest
        .call("PUT", "/api/v3/userDataStream", { listenKey: this.listenKey }, { weight: 2, keyOnly: true, offPath })
        .catch(() => this.ws?.close());
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.lifetime.abort();
    if (this.keepalive !== undefined) this.cfg.clock.clearTimer(this.keepalive);
    if (this.reconnectTimer !== undefined) this.cfg.clock.clearTimer(this.reconnectTimer);
    this.keepalive = this.reconnectTimer = undefined;
    const ws = this.ws;
    this.ws = undefined;
    ws?.close();
    // No DELETE: Binance hands the same listenKey to every client of an account, so deleting it
    // would cut off another engine (or adapter) on the same account; an unused key expires by itself.
  }

  private async open(): Promise<void> {
    this.hooks.onState("connecting", "opening listenKey stream");
    const offPath = { signal: this.lifetime.signal, what: "POST /api/v3/userDataStream (listenKey)" };
    const body = (await this.rest.call(
      "POST",
      "/api/v3/userDataStream",
      {},
      { weight: 2, keyOnly: true, offPath },
    )) as Record<string, unknown>;
    const key = body["listenKey"];
    if (typeof key !== "string" || key.length === 0) throw new Error(`${this.cfg.name}: no listenKey in the answer`);
    this.listenKey = key;
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${this.cfg.streamUrl}/ws/${key}`);
      let opened = false;
      ws.onopen = () => {
        opened = true;
        this.ws = ws;
        this.hooks.onState("connected", "listenKey stream open");
        resolve();
      };
      ws.onmessage = (ev) => this.onMessage(typeof ev.data === "string" ? ev.data : String(ev.data));
      ws.onclose = (ev) => {
        if (!opened) {
          reject(new Error(`${this.cfg.name}: listenKey stream closed before open (${ev.code})`));
          return;
        }
        if (this.ws === ws) this.onClosed(`closed (${ev.code})`);
      };
    });
  }

  private onMessage(text: string): void {
    const recvNs = this.cfg.clock.monoNs();
    let m: unknown;
    try {
      m = JSON.parse(text);
    } catch {
      this.counters.badFrames++;
      this.hooks.onBadFrame();
      return;
    }
    if (typeof m !== "object" || m === null) {
      this.counters.badFrames++;
      this.hooks.onBadFrame();
      return;
    }
    const e = m as Record<string, unknown>;
    if (e["e"] === "listenKeyExpired") {
      this.counters.keyRenewals++;
      this.ws?.close(); // onclose makes a new key and reconnects
      return;
    }
    this.counters.userEvents++;
    this.hooks.onUserEvent(e, recvNs);
  }

  private onClosed(reason: string): void {
    this.ws = undefined;
    if (this.closing) {
      this.hooks.onState("disconnected", reason);
      return;
    }
    this.hooks.onState("reconnecting", reason);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing || this.reconnectTimer !== undefined) return;
    this.reconnectTimer = this.cfg.clock.setTimer(this.backoff.next(), () => {
      this.reconnectTimer = undefined;
      this.counters.reconnects++;
      this.open().then(
        () => {
          this.backoff.reset();
          this.hooks.onReady(true);
        },
        () => this.scheduleReconnect(),
      );
    });
  }
}
