/**
 * engine.cpu pins the engine's event loop, and keeps the simulator child it starts off that CPU: a
 * loopback order write wakes the simulator, and the scheduler prefers to run a wakee on the waker's
 * core, preempting the engine in the middle of its frame handler (the bimodal tick-to-trade tail,
 * bench/RESULTS.md). Checked on the real command: the kernel's view of each process's main thread.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allowedCpus, pinThread } from "../src/book/index.ts";
import { type SimChild, spawnSimChild } from "../src/engine/index.ts";
import { startEngineProcess } from "./support/engine-process.ts";

/** The CPUs a thread may run on, as the kernel says ("0-1,3" → [0, 1, 3]). */
function threadCpus(pid: number): number[] {
  const status = readFileSync(`/proc/${pid}/task/${pid}/status`, "utf8");
  const list = /Cpus_allowed_list:\s*(\S+)/.exec(status)?.[1] ?? "";
  return list.split(",").flatMap((part) => {
    const [lo, hi] = part.split("-").map(Number);
    if (lo === undefined || Number.isNaN(lo)) return [];
    const out: number[] = [];
    for (let c = lo; c <= (hi ?? lo); c++) out.push(c);
    return out;
  });
}

function configWith(cpu: number): string {
  return `
engine:
  cpu: ${cpu}
venues:
  - name: sim
    type: sim
    symbols: [BTC-USDT]
strategy:
  type: market_making
  parameters:
    spread: 0.002
    max_position: 1.0
    min_profit: 0.0001
`;
}

const cpus = allowedCpus();
const dir = mkdtempSync(join(tmpdir(), "engine-cpu-"));

test.skipIf(cpus.length < 2)(
  "engine.cpu: the event loop runs on that CPU, the simulator child on the others",
  async () => {
    const cpu = cpus[cpus.length - 1] ?? 0;
    const file = join(dir, "pinned.yaml");
    writeFileSync(file, configWith(cpu));
    const e = startEngineProcess(["--config", file], {});
    try {
      expect(await e.until(/quoting started/, 90_000)).toBe(true);
      const child = Number(/simulator started as child process (\d+)/.exec(e.out())?.[1]);
      expect(threadCpus(e.proc.pid)).toEqual([cpu]);
      expect(threadCpus(child)).toEqual(cpus.filter((c) => c !== cpu));
      expect(e.out()).toContain(`event loop pinned to CPU ${cpu}`);
    } finally {
      e.kill();
    }
  },
  180_000,
);

test.skipIf(cpus.length < 2)(
  "a parent already pinned to engine.cpu still gets its simulator onto the other CPUs",
  async () => {
    // a child inherits the spawning thread's mask: here only the engine's CPU
    const cpu = cpus[0] ?? 0;
    let child: SimChild | undefined;
    pinThread([cpu], "test");
    try {
      child = await spawnSimChild({
        seed: "cpu-pinning",
        speed: 1,
        symbols: ["BTCUSDT"],
        venues: [
          {
            name: "bin",
            protocol: "binance",
            port: 0,
            marketDataMs: 0,
            orderEntryMs: 0,
            lagMs: 0,
            noiseBps: 0,
            fees: { maker: "0.001", taker: "0.001" },
          },
        ],
        cpu: { avoid: cpu },
      });
    } finally {
      pinThread(cpus, "test (restore)");
    }
    try {
      expect(threadCpus(child.ready.pid)).toEqual(cpus.filter((c) => c !== cpu));
    } finally {
      await child.stop();
    }
  },
  60_000,
);

test("engine.cpu naming a CPU the process may not use: start-up fails naming the key and the CPUs it may use", async () => {
  const file = join(dir, "absent.yaml");
  writeFileSync(file, configWith(1023));
  const e = startEngineProcess(["--config", file], {});
  try {
    const code = await e.proc.exited;
    const stderr = await e.stderr();
    expect(code).not.toBe(0);
    expect(`${e.out()}${stderr}`).toMatch(
      new RegExp(`engine\\.cpu: cannot pin to CPU 1023 .*may use CPU ${cpus.join(",")}`),
    );
  } finally {
    e.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
