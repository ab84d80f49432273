/**
 * The simulator as the engine's child process, so the exchange's own load (agents, matching, JSON)
 * never runs on the engine's event loop and distorts its timing. The child runs `startSim` with an
 * engine account carrying the configured fees and latencies (options `bun run sim` does not take),
 * prints one `SIM_READY {json}` line like `bun run sim`, and exits on SIGINT/SIGTERM or when its
 * parent's stdin closes (so a crashed engine never leaves an orphan simulator behind).
 */
import { randomBytes } from "node:crypto";

/** What the engine asks the child to run (one JSON command-line argument). */
export interface SimChildSpec {
  readonly seed: string;
  readonly speed: number;
  readonly port: number;
  /** Venue symbols, e.g. BTCUSDT. */
  readonly symbols: readonly string[];
  readonly marketDataMs: number;
  readonly orderEntryMs: number;
  /** Fee rates of the engine's account, decimal strings ("0.001"). */
  readonly fees: { readonly maker: string; readonly taker: string };
  /** Starting balances of the engine's account (default: the simulator's). */
  readonly balances?: Readonly<Record<string, string>>;
  /** Venue rate limits (default Binance's: 50 orders / 10 s); benchmarks raise them. */
  readonly rateLimits?: { readonly ordersPer10s?: number; readonly requestWeightPerMinute?: number };
}

/** The SIM_READY line's content. */
export interface SimReady {
  readonly restUrl: string;
  readonly streamUrl: string;
  readonly wsApiUrl: string;
  readonly adminUrl: string;
  readonly adminToken: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly seed: string;
  readonly symbols: readonly string[];
  readonly pid: number;
}

/** A running child simulator. */
export interface SimChild {
  readonly ready: SimReady;
  /** Stops the child (SIGTERM, then SIGKILL after a grace period); resolves when it exited. */
  stop(graceMs?: number): Promise<number | null>;
  readonly exited: Promise<number>;
}

const THIS_FILE = import.meta.path;

/** Spawns the simulator child and waits (bounded) for its SIM_READY line. */
export async function spawnSimChild(spec: SimChildSpec, timeoutMs = 30_000): Promise<SimChild> {
  const proc = Bun.spawn([process.execPath, THIS_FILE, JSON.stringify(spec)], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
    env: process.env,
  });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  const deadline = Date.now() + timeoutMs;
  let ready: SimReady | undefined;
  while (ready === undefined) {
    const left = deadline - Date.now();
    if (left <= 0) {
      proc.kill("SIGKILL");
      throw new Error(`simulator child did not print SIM_READY within ${timeoutMs} ms`);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const chunk = await Promise.race([
      reader.read(),
      new Promise<"timeout">((r) => {
        timer = setTimeout(() => r("timeout"), left);
      }),
    ]);
    clearTimeout(timer);
    if (chunk === "timeout") continue;
    if (chunk.done) throw new Error(`simulator child exited (code ${await proc.exited}) before SIM_READY`);
    buf += decoder.decode(chunk.value, { stream: true });
    for (;;) {
      const nl = buf.indexOf("\n");
      if (nl < 0) break;
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.startsWith("SIM_READY ")) ready = JSON.parse(line.slice("SIM_READY ".length)) as SimReady;
    }
  }
  // keep draining the child's stdout so it never blocks on a full pipe
  void (async () => {
    for (;;) {
      const r = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (r.done) return;
    }
  })();
  const info = ready;
  return {
    ready: info,
    exited: proc.exited,
    async stop(graceMs = 3000): Promise<number | null> {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      const code = await proc.exited;
      clearTimeout(t);
      return code;
    },
  };
}

async function childMain(arg: string): Promise<void> {
  const { startSim } = await import("../venues/sim/index.ts");
  const spec = JSON.parse(arg) as SimChildSpec;
  const apiKey = `eng${randomBytes(32).toString("hex")}`.slice(0, 64); // 64 alphanumerics, as Binance keys are
  const apiSecret = randomBytes(32).toString("hex");
  const sim = await startSim({
    port: spec.port,
    seed: spec.seed,
    speed: spec.speed,
    symbols: [...spec.symbols],
    latency: { marketDataMs: spec.marketDataMs, orderEntryMs: spec.orderEntryMs },
    ...(spec.rateLimits !== undefined ? { rateLimits: { ...spec.rateLimits } } : {}),
    accounts: [
      {
        apiKey,
        apiSecret,
        accountId: "engine",
        fees: spec.fees,
        ...(spec.balances !== undefined ? { balances: spec.balances } : {}),
      },
    ],
  });
  const ready: SimReady = {
    restUrl: sim.restUrl,
    streamUrl: sim.streamUrl,
    wsApiUrl: sim.wsApiUrl,
    adminUrl: sim.adminUrl,
    adminToken: sim.adminToken,
    apiKey,
    apiSecret,
    seed: sim.seed,
    symbols: sim.exchange.symbols().map((s) => s.name),
    pid: process.pid,
  };
  process.stdout.write(`SIM_READY ${JSON.stringify(ready)}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void sim.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => {
    // the terminal's Ctrl-C reaches the whole process group: the engine decides when we stop
  });
  process.on("SIGTERM", stop);
  // the parent holds our stdin open; when it dies, stdin ends and we go too
  void (async () => {
    for await (const _ of Bun.stdin.stream()) {
      // nothing is ever sent; the loop only ends when the parent is gone
    }
    stop();
  })();
}

if (import.meta.main) {
  const arg = Bun.argv[2];
  if (arg === undefined) {
    process.stderr.write("usage: bun src/services/engine-sim-child.ts '<json spec>'\n");
    process.exit(2);
  }
  childMain(arg).catch((e: unknown) => {
    process.stderr.write(`sim child: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
