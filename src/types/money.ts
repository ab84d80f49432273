/**
 * Exact money amounts: a BigInt count of 10^-18 of an asset ("units"), parsed from and written as
 * decimal strings at the edges, so sums of fills never round. A domain value like ticks and lots:
 * execution does its PnL maths in it and the journal stores and adds it, both without a float.
 */

/** Decimal places of every money amount: 18, enough for any venue's fee and balance precision. */
export const MONEY_DECIMALS = 18;
const ONE = 10n ** 18n;

/** An amount of some asset in units of 10^-18 (exact; never a float). */
export type Money = bigint;

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Exact units in a decimal string such as "0.00100000", "-1.5" or "1e-7" (exponents appear when a
 * YAML number is stringified). Undefined when malformed or when it has more than 18 significant
 * decimals (which would need rounding).
 */
export function parseMoney(s: string): Money | undefined {
  const m = DECIMAL_RE.exec(s.trim());
  if (m === null) return undefined;
  const intPart = m[2] ?? "";
  const fracPart = m[3] ?? "";
  if (intPart.length === 0 && fracPart.length === 0) return undefined;
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 400) return undefined;
  // digits × 10^(exp − fracLen) × 10^18, exactly
  const digits = BigInt((intPart + fracPart).replace(/^0+(?=\d)/, "") || "0");
  const shift = MONEY_DECIMALS + exp - fracPart.length;
  let units: bigint;
  if (shift >= 0) {
    units = digits * 10n ** BigInt(shift);
  } else {
    const div = 10n ** BigInt(-shift);
    if (digits % div !== 0n) return undefined;
    units = digits / div;
  }
  return m[1] === "-" ? -units : units;
}

/** Parses a config or venue decimal (string or plain number) or throws an error naming the field. */
export function moneyOrThrow(v: string | number, what: string): Money {
  if (typeof v === "number" && !Number.isFinite(v)) throw new Error(`${what}: ${v} is not a finite number`);
  const units = parseMoney(String(v));
  if (units === undefined) throw new Error(`${what}: ${JSON.stringify(v)} is not a decimal with at most 18 places`);
  return units;
}

/** Exact decimal string of an amount, trailing zeros trimmed ("-12.5", "0"). */
export function formatMoney(x: Money): string {
  const neg = x < 0n;
  const abs = neg ? -x : x;
  const int = abs / ONE;
  const frac = (abs % ONE).toString().padStart(MONEY_DECIMALS, "0").replace(/0+$/, "");
  const s = frac.length > 0 ? `${int}.${frac}` : `${int}`;
  return neg ? `-${s}` : s;
}

/** Approximate value as a double, for display and metrics only. */
export function moneyToNumber(x: Money): number {
  const int = x / ONE;
  return Number(int) + Number(x - int * ONE) / 1e18;
}

/** x × num / den rounded half away from zero; used only where a conversion cannot be exact. */
export function mulDivRound(x: bigint, num: bigint, den: bigint): bigint {
  const p = x * num;
  const q = p / den;
  const r = p - q * den;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  const d = den < 0n ? -den : den;
  if (twice < d) return q;
  return p < 0n !== den < 0n ? q - 1n : q + 1n;
}
