/**
 * The simulators' admin HTTP surface, venue-neutral: a token-guarded `POST /admin/<function>` with a
 * JSON object body, handed to the venue's own dispatcher. Bad bodies and bad fields answer 400 with
 * the field named; the simulator never crashes on them. Each protocol's admin.ts maps names to knobs.
 */
import type { Server } from "bun";
import { bearerToken, secretDigest, secretMatchesDigest } from "../../services/index.ts";

/** Reads a typed field of an admin request body; an error names the field and what it must be. */
export function adminField<T>(
  body: Record<string, unknown>,
  name: string,
  type: "string" | "number" | "boolean" | "object",
  dflt?: T,
): T {
  const v = body[name];
  if (v === undefined) {
    if (dflt !== undefined) return dflt;
    throw new Error(`field '${name}' is required`);
  }
  if (typeof v !== type || v === null) throw new Error(`field '${name}' must be a ${type}`);
  if (type === "number" && !Number.isFinite(v)) throw new Error(`field '${name}' must be a finite number`);
  return v as T;
}

/** Refuses an admin token no Authorization header could carry (empty, or with whitespace), naming the option. */
export function checkAdminToken(token: string): void {
  if (!/^\S+$/.test(token)) throw new Error("adminToken: expected a non-empty token without whitespace");
}

/**
 * Starts the admin server on 127.0.0.1 (its own port, `Authorization: Bearer <token>`). The token is
 * checked by the engine's own bearer check (services): same header rules, constant-time compare.
 */
export function startAdminHttp(
  port: number,
  token: string,
  dispatch: (name: string, body: Record<string, unknown>) => unknown,
): Server<undefined> {
  checkAdminToken(token);
  const bad = (error: string, status = 400) => Response.json({ error }, { status });
  const expected = secretDigest(token);
  return Bun.serve({
    hostname: "127.0.0.1",
    port,
    maxRequestBodySize: 1 << 20,
    fetch: async (req) => {
      const given = bearerToken(req.headers.get("authorization"));
      if (given === undefined || !secretMatchesDigest(given, expected)) return bad("admin token required", 401);
      const m = /^\/admin\/([A-Za-z]+)$/.exec(new URL(req.url).pathname);
      if (m === null) return bad("not found: use POST /admin/<function>", 404);
      let body: Record<string, unknown> = {};
      if (req.method === "POST") {
        let text: string;
        try {
          text = await req.text();
        } catch {
          return bad("body could not be read");
        }
        if (text.length > 0) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            return bad("body must be a JSON object");
          }
          if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
            return bad("body must be a JSON object");
          body = parsed as Record<string, unknown>;
        }
      }
      try {
        return Response.json({ ok: true, result: dispatch(m[1] as string, body) ?? null });
      } catch (e) {
        return bad(e instanceof Error ? e.message : String(e));
      }
    },
  });
}
