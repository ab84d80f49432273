/**
 * OKX clOrdId adaptation: OKX accepts only 1–32 letters/digits, while the engine's ids
 * (execution/client-id) are `<prefix>-<run>-<seq>` with '-' separators. The id is encoded reversibly
 * so any adapter (another engine's, or this engine after a restart) recovers the engine id from the
 * venue: the letters/digits, then one base-62 character per separator giving its position, then the
 * separator count (one digit). `eng1-r1-1` → `eng1r11` + `4` `6` + `2` = `eng1r11462`.
 * Ids with '_' cannot be encoded that way and fall back to dropping separators (the adapter's own
 * map still knows its ids; a foreign adapter reports the bare clOrdId).
 */
import { isValidClientId } from "../../types/index.ts";

export const OKX_MAX_CLORDID = 32;
const OKX_RE = /^[A-Za-z0-9]{1,32}$/;
const B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** Reversible form of an id made of letters/digits and at most 9 '-' (no empty parts); undefined otherwise. */
function encode(clientId: string): string | undefined {
  if (clientId.includes("_")) return undefined;
  const parts = clientId.split("-");
  if (parts.length > 10 || parts.some((p) => p.length === 0)) return undefined;
  let at = 0;
  let trailer = "";
  for (let i = 0; i < parts.length - 1; i++) {
    at += (parts[i] as string).length;
    trailer += B62[at];
  }
  return parts.join("") + trailer + String(parts.length - 1);
}

/** The OKX clOrdId for an engine client id; throws (naming the id) when it cannot fit. */
export function toOkxClOrdId(clientId: string): string {
  if (!isValidClientId(clientId)) throw new Error(`clientId ${JSON.stringify(clientId)}: not a valid client id`);
  const id = encode(clientId) ?? clientId.replace(/[-_]/g, "");
  if (!OKX_RE.test(id))
    throw new Error(`clientId ${JSON.stringify(clientId)}: longer than 32 chars as an OKX clOrdId (${id.length})`);
  return id;
}

/** The engine id an OKX clOrdId encodes, or undefined when it is not in the reversible form. */
export function fromOkxClOrdId(clOrdId: string): string | undefined {
  if (!OKX_RE.test(clOrdId)) return undefined;
  const n = clOrdId.charCodeAt(clOrdId.length - 1) - 48;
  if (n < 0 || n > 9 || clOrdId.length < n + 2) return undefined;
  const body = clOrdId.slice(0, clOrdId.length - 1 - n);
  let out = "";
  let from = 0;
  for (let i = 0; i < n; i++) {
    const at = B62.indexOf(clOrdId.charAt(body.length + i));
    if (at <= from || at >= body.length) return undefined;
    out += `${body.slice(from, at)}-`;
    from = at;
  }
  out += body.slice(from);
  return encode(out) === clOrdId ? out : undefined;
}

/** Whether an OKX clOrdId was produced by an engine using this prefix (prefix is letters/digits). */
export function isOwnOkxClOrdId(clOrdId: string, prefix: string): boolean {
  const id = fromOkxClOrdId(clOrdId);
  if (id !== undefined) return id.length > prefix.length + 1 && id.startsWith(`${prefix}-`);
  return clOrdId.length > prefix.length && clOrdId.startsWith(prefix); // lossy form of an id with '_'
}
