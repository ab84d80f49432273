/**
 * Secrets from the environment, or from a file the environment names: NAME, or NAME_FILE pointing at
 * a file holding the value (Docker and Kubernetes secrets are mounted as files under /run/secrets, so
 * the value never sits in the environment or in `docker inspect`). One rule for the control token and
 * every `${NAME}` in the config file, so each source of a secret behaves the same.
 */
import { readFileSync } from "node:fs";

/** What a lookup found: the value (undefined when neither NAME nor NAME_FILE is set), or why it failed. */
export type SecretLookup =
  | { readonly ok: true; readonly value: string | undefined; readonly from: "env" | "file" | "none" }
  | { readonly ok: false; readonly message: string };

/** Reads a file's text; injectable so a test can see what was asked for. */
export type ReadText = (path: string) => string;

const readUtf8: ReadText = (path) => readFileSync(path, "utf8");

/**
 * The value of env[name], or the contents of the file named by env[`${name}_FILE`] with its trailing
 * newline removed. An empty variable counts as unset (compose files pass `NAME: ${NAME:-}`). Both set,
 * an unreadable file or an empty one is a failure whose message names the variable and the path,
 * never the value.
 */
export function secretFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  read: ReadText = readUtf8,
): SecretLookup {
  const direct = env[name];
  const fileVar = `${name}_FILE`;
  const path = env[fileVar];
  const hasDirect = direct !== undefined && direct !== "";
  const hasFile = path !== undefined && path !== "";
  if (hasDirect && hasFile) return { ok: false, message: `${name} and ${fileVar} are both set; set only one` };
  if (hasDirect) return { ok: true, value: direct, from: "env" };
  if (!hasFile) return { ok: true, value: undefined, from: "none" };
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = typeof code === "string" ? code : "read error";
    return { ok: false, message: `${fileVar}=${path}: cannot read the file (${why})` };
  }
  const value = text.replace(/[\r\n]+$/, "");
  if (value === "") return { ok: false, message: `${fileVar}=${path}: the file is empty` };
  return { ok: true, value, from: "file" };
}
