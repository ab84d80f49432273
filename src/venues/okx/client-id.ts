/**
 * OKX clOrdId adaptation: OKX accepts only 1–32 letters/digits, while the engine's ids
 * (gateways/client-id) are `<prefix>-<run>-<seq>` up to 36 chars with '-' and '_'. We drop the
 * separators; the adapter keeps the mapping back to the engine id for its own orders.
 */
import { isValidClientId } from "../../gateways/index.ts";

export const OKX_MAX_CLORDID = 32;
const OKX_RE = /^[A-Za-z0-9]{1,32}$/;

/** The OKX clOrdId for an engine client id; throws (naming the id) when it cannot fit. */
export function toOkxClOrdId(clientId: string): string {
  if (!isValidClientId(clientId)) throw new Error(`clientId ${JSON.stringify(clientId)}: not a valid client id`);
  const id = clientId.replace(/[-_]/g, "");
  if (!OKX_RE.test(id))
    throw new Error(`clientId ${JSON.stringify(clientId)}: longer than 32 chars without separators`);
  return id;
}

/** Whether an OKX clOrdId was produced by an engine using this prefix (prefix is letters/digits). */
export function isOwnOkxClOrdId(clOrdId: string, prefix: string): boolean {
  return clOrdId.length > prefix.length && clOrdId.startsWith(prefix);
}
