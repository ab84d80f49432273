import { describe, expect, test } from "bun:test";
import { ENGINE_USAGE, parseEngineArgs, UsageError } from "./cli.ts";
import { chooseConfigPath, DEFAULT_CONFIG_PATH, resolveConfigPath } from "./config.ts";

/** The UsageError message parseEngineArgs throws for argv (fails the test when it does not throw one). */
function refusal(argv: readonly string[]): string {
  try {
    parseEngineArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(argv)}`);
}

describe("parseEngineArgs", () => {
  test("no arguments: nothing set, so env and config decide", () => {
    expect(parseEngineArgs([])).toEqual({ help: false });
  });

  test("--config in every spelling", () => {
    expect(parseEngineArgs(["--config", "a.yaml"])).toEqual({ help: false, config: "a.yaml" });
    expect(parseEngineArgs(["--config=b.yaml"])).toEqual({ help: false, config: "b.yaml" });
    expect(parseEngineArgs(["-c", "c.yaml"])).toEqual({ help: false, config: "c.yaml" });
  });

  test("--log json and --log=json both work; text too", () => {
    expect(parseEngineArgs(["--log", "json"])).toEqual({ help: false, log: "json" });
    expect(parseEngineArgs(["--log=json"])).toEqual({ help: false, log: "json" });
    expect(parseEngineArgs(["--log=text", "--config", "x.yaml"])).toEqual({
      help: false,
      log: "text",
      config: "x.yaml",
    });
  });

  test("--help and -h", () => {
    expect(parseEngineArgs(["--help"]).help).toBe(true);
    expect(parseEngineArgs(["-h"]).help).toBe(true);
  });

  test("an unknown flag is an error naming it, not silently ignored", () => {
    expect(refusal(["--confg", "x"])).toStartWith("--confg: unknown option");
    expect(refusal(["--config", "a.yaml", "--verbose"])).toStartWith("--verbose: unknown option");
    expect(refusal(["-x"])).toStartWith("-x: unknown option");
  });

  test("a positional argument is an error naming it", () => {
    expect(refusal(["config/default.yaml"])).toContain('unexpected argument "config/default.yaml"');
    expect(refusal(["--", "x"])).toContain('unexpected argument "x"');
  });

  test("a valued flag without its value names the flag and what it expects", () => {
    expect(refusal(["--config"])).toBe("--config: expected a file path after it");
    expect(refusal(["--config", "--log", "json"])).toBe("--config: expected a file path after it");
    expect(refusal(["--config="])).toBe("--config: expected a file path");
    expect(refusal(["--log"])).toBe('--log: expected "json" or "text" after it');
  });

  test("a bad --log value or a value on --help is refused", () => {
    expect(refusal(["--log", "xml"])).toBe('--log: expected "json" or "text", got "xml"');
    expect(refusal(["--help=yes"])).toBe("--help: takes no value");
  });

  test("the usage lists every option", () => {
    for (const flag of ["--config", "--log", "--help", "-h", "-c"]) expect(ENGINE_USAGE).toContain(flag);
  });
});

describe("the config path", () => {
  test("--config wins, then HFT_CONFIG, then the default", () => {
    expect(chooseConfigPath("a.yaml", { HFT_CONFIG: "b.yaml" }, "/w")).toBe("/w/a.yaml");
    expect(chooseConfigPath(undefined, { HFT_CONFIG: "b.yaml" }, "/w")).toBe("/w/b.yaml");
    expect(chooseConfigPath(undefined, { HFT_CONFIG: "" }, "/w")).toBe(DEFAULT_CONFIG_PATH);
  });

  test("resolveConfigPath parses strictly too", () => {
    expect(() => resolveConfigPath(["--confg", "x"], {}, "/w")).toThrow("--confg: unknown option");
    expect(resolveConfigPath(["--log", "json", "--config", "a.yaml"], {}, "/w")).toBe("/w/a.yaml");
  });
});
