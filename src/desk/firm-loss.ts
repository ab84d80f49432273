/**
 * The firm's daily loss: each engine writes its loss since UTC midnight to its own key of the limits
 * bucket (`loss.<engine>`) and watches the others'; when the sum passes the firm limit, the desk's
 * kill switch trips. A loss is not a pre-trade quantity (a price move makes it), so it is summed and
 * acted on rather than leased: a partitioned engine still sums its own current loss with the others'
 * last reports, so it halts itself when its loss alone uses up what they left.
 */
import type { KV } from "@nats-io/kv";
import type { Clock, Logger } from "../services/index.ts";
import { formatMoney, type Money, parseMoney } from "../types/index.ts";

const DAY_MS = 86_400_000;

/** One engine's report. */
interface LossReport {
  readonly day: number;
  readonly loss: Money;
}

/** What the firm loss watch needs from the engine. */
export interface FirmLossHooks {
  /** The engine's loss since UTC midnight now (≥ 0), quote units of 10^-18. */
  loss(): Money;
  /** The firm's loss passed its limit: trip the desk's kill switch (and this engine's). */
  onBreach(reason: string): void;
  /** Whether the engine's loss is known (journal restored); until then its last report stands. */
  ready?(): boolean;
}

/** The firm's loss as last summed, for /api/status and the metrics. */
export interface FirmLossStatus {
  readonly limit: Money;
  readonly firmLoss: Money;
  readonly ownLoss: Money;
  readonly engines: number;
  readonly breaches: number;
}

/** Parses `{day, loss}`; junk reads as no report. */
function parseReport(bytes: Uint8Array): LossReport | undefined {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as { day?: unknown; loss?: unknown };
    const loss = typeof v.loss === "string" ? parseMoney(v.loss) : undefined;
    if (typeof v.day !== "number" || loss === undefined || loss < 0n) return undefined;
    return { day: v.day, loss };
  } catch {
    return undefined;
  }
}

/** Sums the desk's daily losses and trips the kill switch past the firm limit. */
export class FirmLossWatch {
  private readonly reports = new Map<string, LossReport>();
  private watching: { stop(): void } | undefined;
  private timer: ReturnType<Clock["setRepeating"]> | undefined;
  private stopped = false;
  private ownLoss: Money = 0n;
  private firmLoss: Money = 0n;
  private breaches = 0;
  private writing = false;

  constructor(
    private readonly kv: KV,
    private readonly engine: string,
    private readonly limit: Money,
    private readonly everyMs: number,
    private readonly clock: Clock,
    private readonly hooks: FirmLossHooks,
    private readonly log: Logger,
  ) {}

  /** Starts watching the others' reports and writing this engine's every `everyMs`. */
  start(): void {
    void this.watchLoop();
    this.timer = this.clock.setRepeating(this.everyMs, () => this.tick());
  }

  close(): void {
    this.stopped = true;
    this.watching?.stop();
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
  }

  status(): FirmLossStatus {
    return {
      limit: this.limit,
      firmLoss: this.firmLoss,
      ownLoss: this.ownLoss,
      engines: this.reports.size,
      breaches: this.breaches,
    };
  }

  /** Sums today's reports (this engine's current loss instead of its last report) and acts on a breach. */
  private tick(): void {
    if (this.stopped || this.hooks.ready?.() === false) return;
    const day = Math.floor(this.clock.nowMs() / DAY_MS);
    this.ownLoss = this.hooks.loss();
    let sum = this.ownLoss;
    let engines = 1;
    for (const [name, r] of this.reports) {
      if (name === this.engine || r.day !== day) continue;
      sum += r.loss;
      engines++;
    }
    this.firmLoss = sum;
    if (sum > this.limit) {
      this.breaches++;
      this.hooks.onBreach(
        `firm daily loss ${formatMoney(sum)} > limit ${formatMoney(this.limit)} (${engines} engines, this one ${formatMoney(this.ownLoss)})`,
      );
    }
    if (!this.writing) void this.write(day, this.ownLoss);
  }

  private async write(day: number, loss: Money): Promise<void> {
    this.writing = true;
    try {
      await this.kv.put(`loss.${this.engine}`, JSON.stringify({ day, loss: formatMoney(loss) }));
    } catch (e) {
      if (!this.stopped)
        this.log.warn("desk firm loss: cannot report this engine's loss yet", { error: (e as Error).message });
    } finally {
      this.writing = false;
    }
  }

  private async watchLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        const it = await this.kv.watch({ key: "loss.>" });
        this.watching = it;
        if (this.stopped) it.stop();
        for await (const e of it) {
          const name = e.key.slice("loss.".length);
          const r = e.operation === "PUT" ? parseReport(e.value) : undefined;
          if (r === undefined) this.reports.delete(name);
          else this.reports.set(name, r);
        }
      } catch (e) {
        if (!this.stopped) this.log.warn("desk firm loss: watch lost; watching again", { error: (e as Error).message });
      }
      if (!this.stopped) await Bun.sleep(250);
    }
  }
}
