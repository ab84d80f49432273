/**
 * Binance request signing (§A.5, §A.7). REST signs the query/body in the order sent; the WebSocket
 * API signs its params sorted by name without percent-encoding. Getting either wrong is -1022, so
 * both are pinned by the verified vectors of §G in signing.test.ts.
 */
import { createPrivateKey, sign as cryptoSign, type KeyObject } from "node:crypto";

/** Signs a request payload: hex HMAC for HMAC keys, base64 Ed25519 for Ed25519 keys. */
export type Signer = (payload: string) => string;

/** HMAC-SHA256 signer (§A.5). */
export function hmacSigner(secret: string): Signer {
  return (payload) => hmacHex(secret, payload);
}

/** Parses a PKCS#8 PEM Ed25519 private key; throws a message naming what is wrong. */
export function ed25519Key(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`expected an Ed25519 key, got ${key.asymmetricKeyType}`);
  return key;
}

/** Ed25519 signer: base64 of the signature over the same payload (case-sensitive, §A.5). */
export function ed25519Signer(key: KeyObject): Signer {
  return (payload) => cryptoSign(null, Buffer.from(payload), key).toString("base64");
}

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

/** A signed REST query: `<query>&signature=<sig>` (URL-encoded: a base64 signature may hold '+', '/', '='). */
export function signRestQuery(sign: Signer, query: string): string {
  return `${query}&signature=${encodeURIComponent(sign(query))}`;
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

/** Returns params plus their WS API signature (HMAC hex or Ed25519 base64). */
export function signWsApiParams<T extends Record<string, string | number | boolean>>(
  sign: Signer,
  params: T,
): T & { signature: string } {
  return { ...params, signature: sign(wsApiPayload(params)) };
}
