/**
 * Binance request signing (§A.5, §A.7). REST signs the query/body in the order sent; the WebSocket
 * API signs its params sorted by name without percent-encoding. Getting either wrong is -1022, so
 * both are pinned by the verified vectors of §G in signing.test.ts.
 */
/** Lowercase hex HMAC-SHA256 of payload under secret (Bun's native hasher: ~1 µs vs ~3.6 µs for node:crypto). */
export function hmacHex(secret: string, payload: string): string {
  return new Bun.CryptoHasher("sha256", secret).update(payload).digest("hex");
}

/** A REST query string in the given order, percent-encoded: the exact bytes that get signed. */
export function restQuery(params: Readonly<Record<string, string | number>>): string {
  let out = "";
  for (const k in params) {
    const v = params[k];
    if (v === undefined) continue;
    if (out.length > 0) out += "&";
    out += `${k}=${encodeURIComponent(String(v))}`;
  }
  return out;
}

/** A signed REST query: `<query>&signature=<hex>`. */
export function signRestQuery(secret: string, query: string): string {
  return `${query}&signature=${hmacHex(secret, query)}`;
}

/** The WS API payload to sign: params except signature, sorted by name, `k=v&…`, not encoded. */
export function wsApiPayload(params: Readonly<Record<string, string | number | boolean>>): string {
  const keys = Object.keys(params)
    .filter((k) => k !== "signature")
    .sort();
  let out = "";
  for (const k of keys) {
    if (out.length > 0) out += "&";
    out += `${k}=${String(params[k])}`;
  }
  return out;
}

/** Returns params plus their WS API HMAC signature. */
export function signWsApiParams<T extends Record<string, string | number | boolean>>(
  secret: string,
  params: T,
): T & { signature: string } {
  return { ...params, signature: hmacHex(secret, wsApiPayload(params)) };
}
