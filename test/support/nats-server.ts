/**
 * A real `nats-server` (Debian's package; `.ci/run` installs it) with JetStream, on a free port on
 * 127.0.0.1 and a store in a temporary folder, for the desk tests. It can be stopped and started
 * again on the same port and store, as a server restart in the middle of a run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "./wait.ts";

/** The nats-server program, or null (the desk tests then skip, saying why). */
export const NATS_SERVER: string | null = Bun.which("nats-server");

/** Why the desk tests skipped, for their names. */
export const NO_NATS = "nats-server is not installed (apt-get install nats-server; .ci/run installs it)";

/** A running (or stopped) nats-server the test owns. */
export interface NatsServer {
  readonly port: number;
  readonly url: string;
  /** SIGKILL (no clean shutdown), as a crashed server; the store stays. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Kills it and deletes its store. */
  dispose(): Promise<void>;
}

interface Running {
  proc: ReturnType<typeof Bun.spawn>;
  log: () => string;
}

function spawnServer(port: number, storeDir: string): Running {
  const bin = NATS_SERVER;
  if (bin === null) throw new Error(NO_NATS);
  const proc = Bun.spawn([bin, "-js", "-sd", storeDir, "-a", "127.0.0.1", "-p", String(port)], {
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  const decoder = new TextDecoder();
  void (async () => {
    const reader = proc.stderr.getReader();
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      text += decoder.decode(r.value, { stream: true });
    }
  })();
  return { proc, log: () => text };
}

/** Waits for "Server is ready" and returns the port the server listens on. */
async function ready(r: Running): Promise<number> {
  await eventually(() => /Server is ready/.test(r.log()) || r.proc.exitCode !== null, 20_000);
  const m = /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(r.log());
  if (m === null || r.proc.exitCode !== null || !/Server is ready/.test(r.log()))
    throw new Error(`nats-server did not start:\n${r.log()}`);
  return Number(m[1]);
}

/** Starts a JetStream-enabled nats-server on a free port (the OS picks it). */
export async function startNatsServer(): Promise<NatsServer> {
  const storeDir = mkdtempSync(join(tmpdir(), "hft-nats-"));
  let running = spawnServer(-1, storeDir);
  const port = await ready(running);
  const stop = async (): Promise<void> => {
    running.proc.kill("SIGKILL");
    await running.proc.exited;
  };
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    kill: stop,
    async restart() {
      // the port was ours a moment ago; another process taking it in between would fail the start
      running = spawnServer(port, storeDir);
      await ready(running);
    },
    async dispose() {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
