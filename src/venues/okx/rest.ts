/**
 * OKX's REST endpoint: OK-ACCESS-* signed requests with a deadline on the adapter's Clock, and the
 * answer sorted into a result, a typed refusal, or an unknown outcome that must be queried, not resent.
 */
import { VenueRejectError } from "../../types/index.ts";
import { OKX_UNKNOWN_OUTCOME_CODES, okxRejectReason } from "./errors.ts";
import { isObj, type Obj, type OkxSession, str, UnknownOutcome } from "./session.ts";
import { restHeaders } from "./signing.ts";

/** The REST client of one OKX adapter: instruments at connect, queries, and order entry's fallback. */
export class OkxRest {
  constructor(private readonly s: OkxSession) {}

  /** One request; code 0 (and the per-item codes 1/2, judged by the caller) resolve with the body. */
  async call(
    method: "GET" | "POST",
    path: string,
    body: Obj | readonly Obj[] | undefined,
    signed = true,
  ): Promise<Obj> {
    const cfg = this.s.cfg;
    const name = this.s.name;
    const bodyStr = body === undefined ? "" : JSON.stringify(body);
    const headers: Record<string, string> = signed
      ? restHeaders(cfg, cfg.clock.nowMs(), method, path, bodyStr)
      : { "Content-Type": "application/json" };
    if (cfg.demo) headers["x-simulated-trading"] = "1";
    const ctl = new AbortController();
    const timer = cfg.clock.setTimer(cfg.requestMs, () => ctl.abort());
    let res: Response;
    try {
      res = await fetch(cfg.restUrl + path, {
        method,
        headers,
        signal: ctl.signal,
        ...(method === "POST" ? { body: bodyStr } : {}),
      });
    } catch (e) {
      throw new UnknownOutcome(`okx ${name}: ${method} ${path}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      cfg.clock.clearTimer(timer);
    }
    if (res.status >= 500) throw new UnknownOutcome(`okx ${name}: ${method} ${path}: HTTP ${res.status}`);
    let parsed: unknown;
    try {
      parsed = await res.json();
    } catch {
      throw new UnknownOutcome(`okx ${name}: ${method} ${path}: body is not JSON (HTTP ${res.status})`);
    }
    if (!isObj(parsed)) throw new Error(`okx ${name}: ${path}: body is not an object`);
    const code = str(parsed, "code");
    if (code !== "0" && !(code === "1" || code === "2")) {
      if (OKX_UNKNOWN_OUTCOME_CODES.has(code)) throw new UnknownOutcome(`okx ${name}: ${path}: code ${code}`);
      throw new VenueRejectError(
        okxRejectReason(code, str(parsed, "msg"), res.status),
        code,
        `okx ${name}: ${str(parsed, "msg")} (code ${code})`,
      );
    }
    return parsed;
  }
}
