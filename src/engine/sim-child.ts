/**
 * The simulator as the engine's child process, so the exchange's own load (agents, matching, JSON)
 * never runs on the engine's event loop and distorts its timing. The child runs every sim venue of
 * the config with `startMultiSim` (one core per venue on one shared fair value, each behind its
 * protocol's server) with per-venue fees, latencies, lag and noise and, on Binance-protocol venues,
 * an engine account (options `bun run sim` does not take); it prints one `SIM_READY {json}` line like
 * `bun run sim --venues` and exits on SIGINT/SIGTERM or when its parent's stdin closes (so a
 * crashed engine never leaves an orphan simulator behind).
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { cpus as onlineCpus } from "node:os";
import { allowedCpus, pinThread } from "../book/index.ts";
import type { MultiSimVenueInfo, MultiSimVenueSpec, RunningMultiSim } from "../sim/index.ts";

/** One venue the child runs. */
export interface SimChildVenue {
  readonly name: string;
  readonly protocol: "binance" | "okx";
  /** 0 = OS-assigned. */
  readonly port: number;
  readonly marketDataMs: number;
  readonly orderEntryMs: number;
  readonly lagMs: number;
  readonly noiseBps: number;
  /** Fee rates of the engine's account on this venue, decimal strings ("0.001"). */
  readonly fees: { readonly maker: string; readonly taker: string };
}

/** What the engine asks the child to run (one JSON command-line argument). */
export interface SimChildSpec {
  readonly seed: string;
  readonly speed: number;
  /** Venue symbols, e.g. BTCUSDT. */
  readonly symbols: readonly string[];
  readonly venues: readonly SimChildVenue[];
  /** Starting balances of the engine's accounts (default: the simulator's). */
  readonly balances?: Readonly<Record<string, string>>;
  /** Binance-protocol venue rate limits (default Binance's: 50 orders / 10 s); benchmarks raise them. */
  readonly rateLimits?: { readonly ordersPer10s?: number; readonly requestWeightPerMinute?: number };
  /**
   * Where the child's event loop runs: `pin` (simulator.cpu), else any CPU but `avoid` (engine.cpu),
   * so the wakeup of an order write never lands on the engine's core. Neither: wherever the OS likes.
   */
  readonly cpu?: { readonly pin?: number; readonly avoid?: number };
}

/** A venue of the child as the multi-venue simulator describes it, less what the engine does not need. */
type VenueInfo<P> = Omit<Extract<MultiSimVenueInfo, { protocol: P }>, "fees" | "lagMs" | "noiseBps">;
/** How the engine reaches one venue of the child (credentials of the engine's account there). */
export type SimReadyVenue =
  | (VenueInfo<"binance"> & {
      /**
       * The same account's second API key, of type Ed25519 (as on Binance, a key is either HMAC or
       * Ed25519): the engine's WS API logs on with it once, so requests carry no signature.
       */
      readonly ed25519ApiKey: string;
      /** Its private key (PKCS#8 PEM). `apiKey` + `apiSecret` (HMAC) reach the same account. */
      readonly ed25519PrivateKeyPem: string;
    })
  | VenueInfo<"okx">;

/** The SIM_READY line's content. */
export interface SimReady {
  readonly seed: string;
  readonly symbols: readonly string[];
  readonly pid: number;
  readonly venues: readonly SimReadyVenue[];
}

/** A running child simulator. */
export interface SimChild {
  readonly ready: SimReady;
  /** Stops the child (SIGTERM, then SIGKILL after a grace period); resolves when it exited. */
  stop(graceMs?: number): Promise<number | null>;
  readonly exited: Promise<number>;
}

const THIS_FILE = import.meta.path;
/** Core account id of the engine's account on every Binance-protocol venue of the child. */
const ENGINE_ACCOUNT = "engine";

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

/**
 * The engine's account on one Binance-protocol venue: two API keys, as Binance issues them, an HMAC
 * one (key + secret) and an Ed25519 one (key + key pair) for the WS API logon. One key cannot be both:
 * a key registered with an Ed25519 public key refuses HMAC signatures (-1022).
 */
interface EngineKeys {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly ed25519ApiKey: string;
  readonly ed25519PublicKeyPem: string;
  readonly ed25519PrivateKeyPem: string;
}

const NO_KEYS: EngineKeys = {
  apiKey: "",
  apiSecret: "",
  ed25519ApiKey: "",
  ed25519PublicKeyPem: "",
  ed25519PrivateKeyPem: "",
};

/** A fresh random API key: 64 alphanumerics, as Binance keys are, starting with `prefix`. */
function randomApiKey(prefix: string): string {
  return `${prefix}${randomBytes(32).toString("hex")}`.slice(0, 64);
}

/** Fresh engine account keys per Binance-protocol venue, never reused. */
function engineKeys(spec: SimChildSpec): Map<string, EngineKeys> {
  return new Map(
    spec.venues
      .filter((v) => v.protocol === "binance")
      .map((v) => {
        const ed = generateKeyPairSync("ed25519");
        return [
          v.name,
          {
            apiKey: randomApiKey("engHmac"),
            apiSecret: randomBytes(32).toString("hex"),
            ed25519ApiKey: randomApiKey("engEd"),
            ed25519PublicKeyPem: ed.publicKey.export({ type: "spki", format: "pem" }).toString(),
            ed25519PrivateKeyPem: ed.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
          },
        ];
      }),
  );
}

/** One venue of the spec as startMultiSim takes it; Binance venues get the engine's own account. */
function simVenue(spec: SimChildSpec, v: SimChildVenue, keys: ReadonlyMap<string, EngineKeys>): MultiSimVenueSpec {
  const common = {
    name: v.name,
    port: v.port,
    lagMs: v.lagMs,
    noiseBps: v.noiseBps,
    ...(spec.balances !== undefined ? { balances: { ...spec.balances } } : {}),
  };
  const latency = { marketDataMs: v.marketDataMs, orderEntryMs: v.orderEntryMs };
  if (v.protocol === "okx") return { ...common, protocol: "okx" as const, fees: v.fees, latency };
  const k = keys.get(v.name) ?? NO_KEYS;
  return {
    ...common,
    protocol: "binance" as const,
    latency,
    ...(spec.rateLimits !== undefined ? { rateLimits: { ...spec.rateLimits } } : {}),
    accounts: [
      {
        apiKey: k.apiKey,
        apiSecret: k.apiSecret,
        accountId: ENGINE_ACCOUNT,
        fees: v.fees,
        ...(spec.balances !== undefined ? { balances: { ...spec.balances } } : {}),
      },
      // the same account's Ed25519 key (the account is opened by the key above)
      { apiKey: k.ed25519ApiKey, apiSecret: "", ed25519PublicKeyPem: k.ed25519PublicKeyPem, accountId: ENGINE_ACCOUNT },
    ],
  };
}

/** How the engine reaches one venue: its URLs and the engine account's credentials, nothing else. */
function readyVenue(v: MultiSimVenueInfo, keys: ReadonlyMap<string, EngineKeys>): SimReadyVenue {
  if (v.protocol === "okx") {
    const { name, protocol, restUrl, wsPublicUrl, wsPrivateUrl, adminUrl, adminToken } = v;
    const { apiKey, apiSecret, passphrase } = v;
    return { name, protocol, restUrl, wsPublicUrl, wsPrivateUrl, adminUrl, adminToken, apiKey, apiSecret, passphrase };
  }
  const k = keys.get(v.name) ?? NO_KEYS;
  const { name, protocol, restUrl, streamUrl, wsApiUrl, adminUrl, adminToken } = v;
  const { apiKey, apiSecret, ed25519ApiKey, ed25519PrivateKeyPem } = k;
  return {
    name,
    protocol,
    restUrl,
    streamUrl,
    wsApiUrl,
    adminUrl,
    adminToken,
    apiKey,
    apiSecret,
    ed25519ApiKey,
    ed25519PrivateKeyPem,
  };
}

/** Closes the simulator on SIGTERM or when the parent is gone (its stdin ends), so no orphan outlives the engine. */
function stopWithParent(sim: RunningMultiSim): void {
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

/**
 * Pins the child's event loop as the spec says. "Any CPU but engine.cpu" means every online CPU but
 * that one, not just those the child inherited: a parent whose event loop was already pinned (a
 * second engine in one process, a bench) hands its one-CPU mask down, and the kernel keeps the result
 * inside the process's cpuset anyway. With no other CPU to go to, the child stays (said on stderr).
 */
function placeChild(cpu: SimChildSpec["cpu"]): void {
  if (cpu?.pin !== undefined) {
    pinThread([cpu.pin], "simulator.cpu");
    return;
  }
  const avoid = cpu?.avoid;
  if (avoid === undefined) return;
  const online = Array.from({ length: onlineCpus().length }, (_, i) => i).filter((c) => c !== avoid);
  try {
    if (online.length > 0) {
      pinThread(online, "simulator (any CPU but engine.cpu)");
      return;
    }
  } catch {
    // none of them in this process's cpuset: the inherited ones, less the engine's, if any
  }
  const others = allowedCpus().filter((c) => c !== avoid);
  if (others.length > 0) pinThread(others, "simulator (any CPU but engine.cpu)");
  else process.stderr.write(`sim child: engine.cpu ${avoid} is the only CPU allowed; the simulator shares it\n`);
}

/** The child's whole life: start every venue, tell the parent where they are, then live as long as the parent. */
async function childMain(arg: string): Promise<void> {
  const { startMultiSim } = await import("../sim/index.ts");
  const spec = JSON.parse(arg) as SimChildSpec;
  placeChild(spec.cpu);
  const keys = engineKeys(spec);
  const sim = await startMultiSim({
    seed: spec.seed,
    speed: spec.speed,
    symbols: [...spec.symbols],
    venues: spec.venues.map((v) => simVenue(spec, v, keys)),
  });
  const ready: SimReady = {
    seed: sim.seed,
    symbols: sim.fairValue.symbols(),
    pid: process.pid,
    venues: sim.info().map((v) => readyVenue(v, keys)),
  };
  process.stdout.write(`SIM_READY ${JSON.stringify(ready)}\n`);
  stopWithParent(sim);
}

if (import.meta.main) {
  const arg = Bun.argv[2];
  if (arg === undefined) {
    process.stderr.write("usage: bun src/engine/sim-child.ts '<json spec>'\n");
    process.exit(2);
  }
  childMain(arg).catch((e: unknown) => {
    process.stderr.write(`sim child: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
