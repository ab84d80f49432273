/**
 * This engine's share of firm-wide limits (a desk of several engines, src/desk/): the risk gate
 * checks each order against the share locally, so firm risk costs no round trip on the hot path.
 * The desk keeps the numbers current; the gate only reads them (a version compare and a number
 * compare per order, no allocation).
 */
import type { Money } from "./money.ts";

/** What the gate reads of one symbol's firm limits; the same object for the provider's whole life. */
export interface FirmShareCell {
  /**
   * Largest worst-case directional position of the symbol (position plus every live order on the
   * order's side, plus the order) this engine may reach, base units of 10^-18; undefined: no firm
   * position limit on the symbol.
   */
  readonly positionBase: Money | undefined;
  /** The same exposure valued at the mid, quote units of 10^-18; undefined: no firm notional limit. */
  readonly notional: Money | undefined;
  /** Bumped on every change of the two amounts, so the gate converts them to lots only then. */
  readonly version: number;
  /**
   * The amounts hold until this moment of the engine clock's monoNs (the lease); past it the gate
   * lets no order add risk on the symbol (reducing orders still pass).
   */
  readonly validUntilNs: number;
  /**
   * Told when an order was refused for the share while the lease held: the worst-case exposure
   * (base, and valued at the mid) it would have reached, so the desk can raise this engine's
   * ceiling or ask for more share. Off the hot path (refusals only).
   */
  refused(base: Money, notional: Money): void;
}

/** Where the gate finds the firm limits of a symbol (the desk's lease holder implements it). */
export interface FirmShareProvider {
  /** The symbol's cell, or undefined when the desk sets no firm limit on it. */
  cellOf(symbol: string): FirmShareCell | undefined;
}

/** This engine's worst-case exposure of one symbol over all venues, as the desk reports it. */
export interface FirmExposure {
  /** max(position + live buys, live sells − position), base units of 10^-18, ≥ 0. */
  readonly base: Money;
  /** `base` valued at the symbol's mid, quote units of 10^-18 (0 without a mid). */
  readonly notional: Money;
}
