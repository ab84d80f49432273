import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { secretFromEnv } from "./secrets.ts";

const dir = mkdtempSync(join(tmpdir(), "hft-secrets-"));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("secretFromEnv: NAME or the file named by NAME_FILE", () => {
  test("the variable itself, when set", () => {
    expect(secretFromEnv({ KEY: "abc" }, "KEY")).toEqual({ ok: true, value: "abc", from: "env" });
  });

  test("the file's contents, trailing newlines removed (LF and CRLF), other whitespace kept", () => {
    expect(secretFromEnv({ KEY_FILE: file("lf", "s3cret\n") }, "KEY")).toEqual({
      ok: true,
      value: "s3cret",
      from: "file",
    });
    expect(secretFromEnv({ KEY_FILE: file("crlf", "s3cret\r\n") }, "KEY")).toMatchObject({ value: "s3cret" });
    expect(secretFromEnv({ KEY_FILE: file("bare", "s3cret") }, "KEY")).toMatchObject({ value: "s3cret" });
    expect(secretFromEnv({ KEY_FILE: file("inner", "a b\nc\n") }, "KEY")).toMatchObject({ value: "a b\nc" });
  });

  test("an empty variable counts as unset, so a compose file passing an empty NAME leaves room for NAME_FILE", () => {
    expect(secretFromEnv({ KEY: "", KEY_FILE: file("c", "from-file\n") }, "KEY")).toMatchObject({
      value: "from-file",
    });
    expect(secretFromEnv({ KEY: "", KEY_FILE: "" }, "KEY")).toEqual({ ok: true, value: undefined, from: "none" });
    expect(secretFromEnv({}, "KEY")).toEqual({ ok: true, value: undefined, from: "none" });
  });

  test("both set is refused, naming both variables and not the value", () => {
    const r = secretFromEnv({ KEY: "the-value", KEY_FILE: file("both", "other") }, "KEY");
    expect(r).toEqual({ ok: false, message: "KEY and KEY_FILE are both set; set only one" });
  });

  test("a missing, unreadable or empty file is refused, naming the variable and the path, never the value", () => {
    const missing = join(dir, "missing");
    expect(secretFromEnv({ KEY_FILE: missing }, "KEY")).toEqual({
      ok: false,
      message: `KEY_FILE=${missing}: cannot read the file (ENOENT)`,
    });
    expect(secretFromEnv({ KEY_FILE: dir }, "KEY")).toEqual({
      ok: false,
      message: `KEY_FILE=${dir}: cannot read the file (EISDIR)`,
    });
    const empty = file("empty", "\n");
    expect(secretFromEnv({ KEY_FILE: empty }, "KEY")).toEqual({
      ok: false,
      message: `KEY_FILE=${empty}: the file is empty`,
    });
    // a permission error, as a non-root engine meets a secret mounted for another user
    const locked = join(dir, "locked");
    const r = secretFromEnv({ KEY_FILE: locked }, "KEY", () => {
      throw Object.assign(new Error("EACCES: permission denied, open 'top-secret'"), { code: "EACCES" });
    });
    expect(r).toEqual({ ok: false, message: `KEY_FILE=${locked}: cannot read the file (EACCES)` });
  });
});
