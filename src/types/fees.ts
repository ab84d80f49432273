/**
 * The fee rates an account is charged, as the venue reports them (Binance
 * `GET /api/v3/account/commission`, OKX `GET /api/v5/account/trade-fee`): exact decimal strings, so
 * the engine can compare them with the config and log a mismatch without a float in between. Fractions
 * of notional, 0.001 = 0.1 %; a negative maker rate is a rebate (whatever the venue's own sign rule).
 */

/** One instrument's fee rates for this account. */
export interface FeeRates {
  /** Unified symbol, e.g. "BTC-USDT". */
  readonly symbol: string;
  readonly maker: string;
  readonly taker: string;
}

/** Decimal places kept exactly: every venue's rates have far fewer. */
const RATE_DECIMALS = 18;
const RATE_SCALE = 10n ** BigInt(RATE_DECIMALS);
const RATE_RE = /^(-?)(\d+)(?:\.(\d{1,18}))?$/;

/** A rate string as integer 10^-18 units; throws naming the value when it is not a plain decimal. */
function rateUnits(rate: string): bigint {
  const m = RATE_RE.exec(rate);
  if (m === null) throw new Error(`fee rate ${JSON.stringify(rate)}: expected a decimal like 0.001`);
  const units = BigInt(m[2] ?? "0") * RATE_SCALE + BigInt((m[3] ?? "").padEnd(RATE_DECIMALS, "0"));
  return m[1] === "-" ? -units : units;
}

/** Integer 10^-18 units back to the shortest exact decimal ("0.001", "-0.0002", "0"). */
function formatRate(units: bigint): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const whole = abs / RATE_SCALE;
  const frac = (abs % RATE_SCALE).toString().padStart(RATE_DECIMALS, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}${frac === "" ? "" : `.${frac}`}`;
}

/** The exact sum of decimal rates (Binance charges its standard, tax and special commissions together). */
export function addFeeRates(...rates: readonly string[]): string {
  return formatRate(rates.reduce((sum, r) => sum + rateUnits(r), 0n));
}

/** A decimal rate with its sign flipped (OKX reports a charge as negative, a rebate as positive). */
export function negateFeeRate(rate: string): string {
  return formatRate(-rateUnits(rate));
}

/** The larger of two decimal rates, exactly. */
export function maxFeeRate(a: string, b: string): string {
  return rateUnits(a) >= rateUnits(b) ? formatRate(rateUnits(a)) : formatRate(rateUnits(b));
}
