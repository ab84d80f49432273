/**
 * The fee rates the strategies' edge checks and the router use, per venue and symbol, read from the
 * venue (its account's commission rates) at start and every engine.fee_refresh_s, so a fee tier
 * change or a promotion moves the quotes without a restart. A venue's `fees` in the config is an
 * override: it wins, and a difference from what the venue reports is logged once (per venue, symbol
 * and difference). Before the venue has answered, the simulator's or the venue type's defaults apply.
 * The objects handed to the strategy are live: the engine (the single writer) updates them in place
 * between events, so nothing on the hot path waits on the venue or copies a rate.
 */
import type { Logger } from "../services/index.ts";
import type { FeeRates } from "../types/index.ts";
import type { VenueAdapter } from "../venues/index.ts";
import { venueFees } from "./config.ts";
import type { Config, VenueConfig } from "./config-schema.ts";

/** Where the rates in force come from. */
export type FeeSource = "venue" | "config" | "default";

/** The live rates one instrument is quoted with (fractions of notional; negative maker = rebate). */
export interface LiveFees {
  maker: number;
  taker: number;
}

/** One instrument's rates: those in force, where they come from, and what the venue said last. */
interface FeeEntry {
  readonly live: LiveFees;
  source: FeeSource;
  venueMaker: string | null;
  venueTaker: string | null;
  /** The mismatch last logged ("" none), so the same difference is logged once. */
  loggedMismatch: string;
}

/** What /api/status shows of one venue's fees. */
export interface VenueFeesStatus {
  readonly fees: readonly {
    readonly symbol: string;
    readonly maker: number;
    readonly taker: number;
    readonly source: FeeSource;
    readonly venueMaker: string | null;
    readonly venueTaker: string | null;
  }[];
  readonly checkedAtMs: number | null;
}

/** The fee book of every configured venue and symbol. */
export class FeeBook {
  private readonly entries = new Map<string, Map<string, FeeEntry>>();
  private readonly checkedAtMs = new Map<string, number>();
  /** Venues whose last read failed (logged once per failure streak). */
  private readonly failing = new Set<string>();

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    /** Told when a venue's taker rates change (the router prices hedges with them). */
    private readonly onTakerChange: (venue: string, maxTaker: number) => void,
  ) {
    for (const vc of config.venues) {
      const start = venueFees(config, vc);
      const source: FeeSource = vc.fees !== undefined ? "config" : "default";
      const bySymbol = new Map<string, FeeEntry>();
      for (const s of vc.symbols) {
        bySymbol.set(s, {
          live: { maker: start.maker, taker: start.taker },
          source,
          venueMaker: null,
          venueTaker: null,
          loggedMismatch: "",
        });
      }
      this.entries.set(vc.name, bySymbol);
      onTakerChange(vc.name, start.taker);
    }
  }

  /** The live rates of one instrument (the object the strategy holds; updated in place). */
  live(venue: string, symbol: string): LiveFees {
    const e = this.entries.get(venue)?.get(symbol);
    if (e === undefined) throw new Error(`fees: venue ${venue} has no symbol ${symbol} in the config`);
    return e.live;
  }

  /**
   * Asks the venue for its rates and applies them (unless the config overrides them). A failure is
   * logged once per streak and keeps the rates in force: a venue that cannot say its fees must not
   * stop trading on the rates already known.
   */
  async refresh(adapter: VenueAdapter, nowMs: () => number): Promise<boolean> {
    const vc = this.config.venues.find((v) => v.name === adapter.name);
    const bySymbol = this.entries.get(adapter.name);
    if (vc === undefined || bySymbol === undefined) return false;
    let rates: FeeRates[];
    try {
      rates = await adapter.feeRates([...bySymbol.keys()]);
    } catch (e) {
      if (!this.failing.has(adapter.name)) {
        this.log.warn(`fees on ${adapter.name}: could not read the account's rates; keeping those in force`, {
          venue: adapter.name,
          error: (e as Error).message,
        });
      }
      this.failing.add(adapter.name);
      return false;
    }
    if (this.failing.delete(adapter.name))
      this.log.info(`fees on ${adapter.name}: read again`, { venue: adapter.name });
    this.checkedAtMs.set(adapter.name, nowMs());
    for (const r of rates) {
      const e = bySymbol.get(r.symbol);
      if (e !== undefined) this.apply(vc, e, r);
    }
    let maxTaker = 0;
    for (const e of bySymbol.values()) maxTaker = Math.max(maxTaker, e.live.taker);
    this.onTakerChange(adapter.name, maxTaker);
    return true;
  }

  /** What /api/status shows of a venue's fees. */
  status(venue: string): VenueFeesStatus {
    const fees = [...(this.entries.get(venue) ?? new Map<string, FeeEntry>())].map(([symbol, e]) => ({
      symbol,
      maker: e.live.maker,
      taker: e.live.taker,
      source: e.source,
      venueMaker: e.venueMaker,
      venueTaker: e.venueTaker,
    }));
    return { fees, checkedAtMs: this.checkedAtMs.get(venue) ?? null };
  }

  private apply(vc: VenueConfig, e: FeeEntry, r: FeeRates): void {
    const maker = Number(r.maker);
    const taker = Number(r.taker);
    if (!Number.isFinite(maker) || !Number.isFinite(taker) || Math.abs(maker) >= 0.1 || taker < 0 || taker >= 0.1) {
      this.log.warn(`fees on ${vc.name} ${r.symbol}: the venue reports implausible rates; ignored`, {
        venue: vc.name,
        symbol: r.symbol,
        maker: r.maker,
        taker: r.taker,
      });
      return;
    }
    e.venueMaker = r.maker;
    e.venueTaker = r.taker;
    if (vc.fees !== undefined) {
      this.noteOverride(vc, e, r, maker, taker);
      return;
    }
    const changed = e.source !== "venue" || e.live.maker !== maker || e.live.taker !== taker;
    if (changed) {
      this.log.info(`fees on ${vc.name} ${r.symbol}: maker ${r.maker} taker ${r.taker} (from the venue)`, {
        venue: vc.name,
        symbol: r.symbol,
        maker: r.maker,
        taker: r.taker,
        before: `${e.live.maker}/${e.live.taker} (${e.source})`,
      });
    }
    e.live.maker = maker;
    e.live.taker = taker;
    e.source = "venue";
  }

  /** The config overrides the venue: logged once per difference, never applied. */
  private noteOverride(vc: VenueConfig, e: FeeEntry, r: FeeRates, maker: number, taker: number): void {
    const cfg = vc.fees;
    if (cfg === undefined || (cfg.maker === maker && cfg.taker === taker)) return;
    const key = `${r.maker}/${r.taker}`;
    if (e.loggedMismatch === key) return;
    e.loggedMismatch = key;
    this.log.warn(
      `fees on ${vc.name} ${r.symbol}: the config says maker ${cfg.maker} taker ${cfg.taker}, the venue charges maker ${r.maker} taker ${r.taker}; quoting with the config's (venues[].fees overrides the venue)`,
      {
        venue: vc.name,
        symbol: r.symbol,
        configMaker: cfg.maker,
        configTaker: cfg.taker,
        venueMaker: r.maker,
        venueTaker: r.taker,
      },
    );
  }
}
