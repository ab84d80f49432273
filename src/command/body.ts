/**
 * Reads a JSON request body defensively: a size cap enforced while streaming (not after buffering),
 * strict UTF-8, a JSON content type, and errors that say exactly what was wrong.
 */

/** Why a body was refused; each maps to an HTTP status and a counter reason. */
export type BodyErrorReason = "too_large" | "malformed_json" | "unsupported_media_type" | "bad_encoding";

/** A refused body, with a message meant for the caller. */
export class BodyError extends Error {
  constructor(
    readonly reason: BodyErrorReason,
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = "BodyError";
  }
}

/** Default cap on control request bodies: parameter patches are a few hundred bytes. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

/** Default cap on any request's body, whatever the route: nothing the server takes comes close. */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 64 * 1024;

const decoder = new TextDecoder("utf-8", { fatal: true });

async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    throw new BodyError("too_large", 413, `request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`);
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyError("too_large", 413, `request body exceeds the limit of ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * The parsed JSON body, or undefined when the body is empty. Throws BodyError for anything else
 * that is not a small, well-formed JSON document.
 */
export async function readJsonBody(request: Request, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<unknown> {
  const bytes = await readCapped(request, maxBytes);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new BodyError("bad_encoding", 400, "request body is not valid UTF-8");
  }
  if (text.trim() === "") return undefined;
  const type = request.headers.get("content-type");
  if (type !== null && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    throw new BodyError(
      "unsupported_media_type",
      415,
      `expected Content-Type: application/json, got ${JSON.stringify(type)}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BodyError("malformed_json", 400, `request body is not valid JSON: ${(err as Error).message}`);
  }
}
