/**
 * Order latency in a backtest or paper run: how long an order takes to reach the venue (entry) and
 * its answers to come back (response). Constant, or drawn with the run's seeded RNG from recorded
 * round trips (a file of ack latencies, e.g. those a live run measured), split between the two legs.
 */
import { readFileSync } from "node:fs";
import type { Rng } from "../services/index.ts";

/** Draws the two legs of one request, in ms. */
export interface LatencyModel {
  readonly description: string;
  entryMs(): number;
  responseMs(): number;
}

/** The same delay every time. */
export class ConstantLatency implements LatencyModel {
  readonly description: string;
  constructor(
    private readonly entry: number,
    private readonly response: number,
  ) {
    this.description = `constant ${entry} ms in, ${response} ms back`;
  }
  entryMs(): number {
    return this.entry;
  }
  responseMs(): number {
    return this.response;
  }
}

/** Round trips drawn from recorded samples; each leg is half of one draw. */
export class SampledLatency implements LatencyModel {
  readonly description: string;
  private half = 0;
  constructor(
    private readonly roundTripsMs: readonly number[],
    private readonly rng: Rng,
  ) {
    if (roundTripsMs.length === 0) throw new Error("latency samples: none given");
    this.description = `sampled from ${roundTripsMs.length} recorded round trips`;
  }
  entryMs(): number {
    this.half = (this.roundTripsMs[this.rng.int(this.roundTripsMs.length)] as number) / 2;
    return this.half;
  }
  responseMs(): number {
    return this.half;
  }
}

/**
 * Reads round-trip samples: one per line, in ns ("123456") or with a unit ("0.8ms", "250us");
 * blank lines and # comments skipped. Throws naming the file and line of a bad one.
 */
export function readLatencySamples(path: string): number[] {
  const out: number[] = [];
  const lines = readFileSync(path, "utf8").split("\n");
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms)?$/.exec(line);
    if (m === null)
      throw new Error(
        `${path}: line ${i + 1}: expected a latency like 250000, 250us or 0.25ms, got ${JSON.stringify(line)}`,
      );
    const v = Number(m[1]);
    const unit = m[2] ?? "ns";
    out.push(unit === "ms" ? v : unit === "ns" ? v / 1e6 : v / 1000);
  });
  if (out.length === 0) throw new Error(`${path}: no latency samples`);
  return out;
}
