/**
 * OKX v5 request signing (§D.4): REST requests and the private WebSocket login both carry a base64
 * HMAC-SHA256 of a timestamp-prefixed string, keyed by the API secret.
 */
import { createHmac } from "node:crypto";

/** base64 HMAC-SHA256, the only primitive OKX signing needs. */
export function hmacBase64(secret: string, message: string): string {
  return createHmac("sha256", secret).update(message).digest("base64");
}

/** OK-ACCESS-SIGN for a REST call: ts (ISO ms) + METHOD + requestPath (with query) + body. */
export function restSign(secret: string, isoTs: string, method: string, requestPath: string, body: string): string {
  return hmacBase64(secret, isoTs + method.toUpperCase() + requestPath + body);
}

/** The `sign` of a WS login: ts (unix seconds) + "GET" + "/users/self/verify". */
export function wsLoginSign(secret: string, unixSeconds: string): string {
  return hmacBase64(secret, `${unixSeconds}GET/users/self/verify`);
}

/** The complete login frame for the private socket. */
export function wsLoginFrame(apiKey: string, passphrase: string, secret: string, nowMs: number): string {
  const ts = Math.floor(nowMs / 1000).toString(10);
  return JSON.stringify({ op: "login", args: [{ apiKey, passphrase, timestamp: ts, sign: wsLoginSign(secret, ts) }] });
}

/** The four OK-ACCESS-* headers of a signed REST request. */
export function restHeaders(
  keys: { readonly apiKey: string; readonly secret: string; readonly passphrase: string },
  nowMs: number,
  method: string,
  requestPath: string,
  body: string,
): Record<string, string> {
  const ts = new Date(nowMs).toISOString();
  return {
    "OK-ACCESS-KEY": keys.apiKey,
    "OK-ACCESS-PASSPHRASE": keys.passphrase,
    "OK-ACCESS-TIMESTAMP": ts,
    "OK-ACCESS-SIGN": restSign(keys.secret, ts, method, requestPath, body),
    "Content-Type": "application/json",
  };
}
