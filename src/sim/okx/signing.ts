/** OKX v5 request signing, shared by the simulator's REST auth, its WS login and the tests. */
import { createHmac, timingSafeEqual } from "node:crypto";

/** OKX signs base64(HMAC-SHA256(secret, prehash)); one helper so REST and WS login agree. */
export function okxSign(secret: string, prehash: string): string {
  return createHmac("sha256", secret).update(prehash).digest("base64");
}

/** REST prehash: timestamp + METHOD + requestPath(with ?query) + body (empty for GET). */
export function okxRestPrehash(timestamp: string, method: string, pathWithQuery: string, body: string): string {
  return `${timestamp}${method.toUpperCase()}${pathWithQuery}${body}`;
}

/** WS login prehash: unix-seconds timestamp + "GET" + "/users/self/verify". */
export function okxLoginPrehash(timestampSec: string): string {
  return `${timestampSec}GET/users/self/verify`;
}

/** Constant-time comparison of two base64 signatures, so the mock does not leak timing. */
export function signaturesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
