/**
 * The engine as a user runs it: `bun src/main.ts [args]` in a child process, its stdout collected as
 * it comes, and a wait for a line of it. Shared by the tests that start the real command.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");

/** A running engine process and what it has printed so far. */
export interface EngineProcess {
  readonly proc: ReturnType<typeof Bun.spawn>;
  /** Everything on stdout so far. */
  out(): string;
  /** Waits (bounded) until stdout matches, or the process ended; true when it matched. */
  until(re: RegExp, ms: number): Promise<boolean>;
  /** SIGINT, then the exit code, the ERROR/WARN lines on stderr, and all of stdout. */
  interrupt(): Promise<{ code: number; errors: string[]; out: string }>;
  /** All of stderr, once the process has closed it (after it exited). */
  stderr(): Promise<string>;
  /** SIGKILL if still running (for finally blocks). */
  kill(): void;
}

/**
 * Starts `bun src/main.ts ...args` from the project root with extra environment variables. Each
 * process journals to its own temporary file (HFT_JOURNAL_PATH) unless env names one, so tests never
 * share a journal or write into the checkout's data/ folder.
 */
export function startEngineProcess(args: readonly string[], env: Record<string, string>): EngineProcess {
  const journalDir = mkdtempSync(join(tmpdir(), "hft-engine-journal-"));
  const proc = Bun.spawn([process.execPath, "src/main.ts", ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      HFT_HTTP_PORT: "0",
      HFT_CONFIG: "",
      HFT_JOURNAL_PATH: join(journalDir, "journal.sqlite"),
      ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const decoder = new TextDecoder();
  let out = "";
  const reader = proc.stdout.getReader();
  const pump = (async () => {
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      out += decoder.decode(r.value, { stream: true });
    }
  })();
  const errText = new Response(proc.stderr).text();
  return {
    proc,
    out: () => out,
    stderr: () => errText,
    async until(re: RegExp, ms: number): Promise<boolean> {
      const end = Date.now() + ms;
      while (Date.now() < end && proc.exitCode === null) {
        if (re.test(out)) return true;
        await Bun.sleep(50);
      }
      return re.test(out);
    },
    async interrupt() {
      proc.kill("SIGINT");
      const code = await proc.exited;
      await pump;
      const errors = (await errText).split("\n").filter((l) => / (ERROR|WARN) /.test(l));
      rmSync(journalDir, { recursive: true, force: true });
      return { code, errors, out };
    },
    kill(): void {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      rmSync(journalDir, { recursive: true, force: true });
    },
  };
}
