/**
 * Binance request signing, server side: the simulator must verify signatures with exactly the
 * algorithm real Binance uses so that real clients (and our adapter) are tested against the truth.
 * REST signs the raw query string followed by the raw body, in the order sent; the WebSocket API
 * signs its parameters sorted by name, not percent-encoded (reference §A.5, §A.7).
 */
import { type KeyObject, verify } from "node:crypto";

/** Lowercase hex HMAC-SHA256 of payload under secret: Binance's HMAC signature. */
export function hmacSha256Hex(secret: string, payload: string): string {
  return new Bun.CryptoHasher("sha256", secret).update(payload).digest("hex");
}

/** The REST payload a client signed, and the signature it sent (undefined when absent). */
export interface RestSigned {
  readonly payload: string;
  readonly signature: string | undefined;
  /** More than one signature parameter was sent. */
  readonly duplicate: boolean;
}

/**
 * Splits the raw (still percent-encoded) query string and body into the signed payload and the
 * signature: totalParams = query + body with the `signature=` parameter removed, order kept.
 */
export function restSignedPayload(rawQuery: string, rawBody: string): RestSigned {
  let signature: string | undefined;
  let duplicate = false;
  const strip = (raw: string): string => {
    if (raw.length === 0) return raw;
    const kept: string[] = [];
    for (const part of raw.split("&")) {
      if (part.startsWith("signature=")) {
        if (signature !== undefined) duplicate = true;
        // Percent-decoding only: a base64 (Ed25519) signature may hold a literal '+'.
        signature = decodePercent(part.slice(10));
      } else {
        kept.push(part);
      }
    }
    return kept.join("&");
  };
  const q = strip(rawQuery);
  const b = strip(rawBody);
  return { payload: q + b, signature, duplicate };
}

/** The WS API payload: every parameter except `signature`, sorted by name, `k=v` joined by `&`, unencoded. */
export function wsApiSignedPayload(params: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(params);
  keys.sort();
  let out = "";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (k === "signature") continue;
    const v = params[k];
    out += `${out.length > 0 ? "&" : ""}${k}=${typeof v === "string" ? v : stringifyParam(v)}`;
  }
  return out;
}

/**
 * Compares an HMAC signature the way Binance does: hex, case-insensitive. (Not constant-time: the
 * simulator guards no real secrets, and this sits on the order-entry hot path.)
 */
export function hmacMatches(secret: string, payload: string, signature: string): boolean {
  if (signature.length !== 64) return false;
  const want = hmacSha256Hex(secret, payload);
  return signature === want || signature.toLowerCase() === want;
}

/** How a JSON parameter value appears in the signed string (numbers and booleans as JSON prints them). */
function stringifyParam(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

/** decodeURIComponent that returns the raw text instead of throwing on a malformed escape. */
export function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

/** decodeURIComponent without form-encoding's '+' → space, raw text on a malformed escape. */
function decodePercent(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Verifies a base64 Ed25519 signature of payload (Binance's Ed25519 keys; case-sensitive). */
export function ed25519Matches(publicKey: KeyObject, payload: string, signatureB64: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signatureB64)) return false;
  const sig = Buffer.from(signatureB64, "base64");
  if (sig.length !== 64) return false;
  try {
    return verify(null, Buffer.from(payload), publicKey, sig);
  } catch {
    return false;
  }
}
