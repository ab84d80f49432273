/**
 * An engine process on a desk, as a user runs it (`bun src/main.ts --config ...`): its own simulator
 * child venue, its own journal file, the control API on a free port with a known token, and the desk
 * block pointing at the test's nats-server. Test support for the desk tests.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
/** The control token every desk test engine takes. */
export const DESK_TOKEN = "desk-test-control-token-0123456789";

/** What the tests read of /api/status. */
export interface DeskEngineStatus {
  readonly risk: { readonly halted: boolean; readonly haltReason: string | null };
  readonly openOrders: readonly unknown[];
}

/** The config of a desk test engine named `name` (its simulator seeded from `seed`). */
export function deskEngineConfig(
  name: string,
  natsUrl: string,
  seed: string,
  extra = "",
  /** How fast the simulator runs and how tight the market maker quotes (a test that wants many fills). */
  pace: { readonly speed?: number; readonly spread?: number } = {},
): string {
  return `
engine:
  client_id_prefix: ${name.replace(/[^A-Za-z0-9]/g, "").slice(0, 8)}
  status_interval_ms: 60000
  shutdown_timeout_ms: 3000
venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT]
simulator:
  seed: ${seed}-${name}
  speed: ${pace.speed ?? 2}
  fees: { maker: 0, taker: 0.001 }
strategy:
  type: market_making
  name: mm
  parameters: { spread: ${pace.spread ?? 0.0004}, max_position: 0.02, min_profit: 0, order_size: 0.002, levels: 1 }
risk:
  max_position_base: 0.1
  max_orders_per_second: 10
desk:
  nats: { servers: ["${natsUrl}"], name: ${name} }
${extra}
`;
}

/** One engine process of a desk test. */
export class DeskEngine {
  readonly proc: ReturnType<typeof Bun.spawn>;
  private out_ = "";

  /** Writes its config into dir and starts it; the journal file (dir/<name>.sqlite) outlives it. */
  constructor(
    readonly name: string,
    readonly dir: string,
    config: string,
  ) {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, config);
    this.proc = Bun.spawn([process.execPath, "src/main.ts", "--config", path], {
      cwd: ROOT,
      env: {
        ...process.env,
        HFT_HTTP_PORT: "0",
        HFT_CONFIG: "",
        HFT_JOURNAL_PATH: join(dir, `${name}.sqlite`),
        HFT_CONTROL_TOKEN: DESK_TOKEN,
        HFT_BOOTSTRAP_RERUN: "1",
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    for (const s of [this.proc.stdout, this.proc.stderr]) void this.pump(s as ReadableStream<Uint8Array>);
  }

  private async pump(s: ReadableStream<Uint8Array>): Promise<void> {
    const d = new TextDecoder();
    for await (const chunk of s) this.out_ += d.decode(chunk, { stream: true });
  }

  /** Everything it printed (stdout and stderr). */
  out(): string {
    return this.out_;
  }

  url(): string {
    return /http server (http:\/\/[\d.]+:\d+)/.exec(this.out_)?.[1] ?? "";
  }

  /** Started and either quoting or halted (a desk it joined was killed). */
  started(): boolean {
    return this.url() !== "" && /quoting started|not quoting: trading is halted/.test(this.out_);
  }

  async status(): Promise<DeskEngineStatus> {
    return (await (await fetch(`${this.url()}/api/status`)).json()) as DeskEngineStatus;
  }

  /** POSTs a control route (kill-switch, resume) and checks it was applied. */
  async control(path: string, reason: string): Promise<void> {
    const res = await fetch(`${this.url()}${path}?wait=3000`, {
      method: "POST",
      headers: { authorization: `Bearer ${DESK_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ reason }),
    });
    if (res.status !== 200) throw new Error(`${this.name} ${path}: ${res.status} ${await res.text()}`);
  }

  /** SIGINT and the exit code (a graceful stop cancels its orders). */
  async stop(): Promise<number> {
    if (this.proc.exitCode === null) this.proc.kill("SIGINT");
    return await this.proc.exited;
  }

  /** SIGKILL if still running (finally blocks, kill -9 faults). */
  async kill(): Promise<void> {
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
    await this.proc.exited;
  }
}
