/**
 * GET /api/v5/asset/currencies: the currencies of the simulator's instruments, one row per currency and
 * chain, with the fields clients read when they load currencies with keys (ccy, name, chain, canDep,
 * canWd, minWd, wdTickSz, the withdrawal fees). Deposits and withdrawals are not simulated; the rows
 * exist so a client's currency loading meets OKX's shape. Chains and figures follow OKX's public listing
 * in spirit but are not captured from a live response (the README says so).
 */
import { OkxError } from "./errors.ts";

/** One chain of a currency: the figures that differ per chain. */
interface ChainSpec {
  readonly chain: string;
  readonly minDep: string;
  readonly minWd: string;
  readonly maxWd: string;
  /** Withdrawal precision: decimals of the amount. */
  readonly wdTickSz: string;
  readonly minFee: string;
  readonly maxFee: string;
  readonly mainNet: boolean;
  readonly confirmations: string;
}

/** Known currencies: name and chains; any other asset gets one chain named after itself. */
const KNOWN: Readonly<Record<string, { name: string; chains: readonly ChainSpec[] }>> = {
  BTC: {
    name: "Bitcoin",
    chains: [chain("BTC-Bitcoin", "0.00005", "0.0005", "500", "8", "0.0001", "0.0004", true, "1")],
  },
  ETH: {
    name: "Ethereum",
    chains: [
      chain("ETH-ERC20", "0.00001", "0.001", "1000", "8", "0.00048", "0.00096", true, "64"),
      chain("ETH-Arbitrum One", "0.00001", "0.0001", "1000", "8", "0.0001", "0.0002", false, "1"),
    ],
  },
  USDT: {
    name: "Tether",
    chains: [
      chain("USDT-ERC20", "0.00000001", "2", "10000000", "6", "1.2", "2.4", false, "64"),
      chain("USDT-TRC20", "0.00000001", "0.1", "10000000", "6", "1", "2", false, "1"),
      chain("USDT-Solana", "0.00000001", "1", "10000000", "6", "1", "2", false, "1"),
    ],
  },
  USDC: {
    name: "USD Coin",
    chains: [chain("USDC-ERC20", "0.00000001", "2", "10000000", "6", "1.2", "2.4", false, "64")],
  },
  SOL: {
    name: "Solana",
    chains: [chain("SOL-Solana", "0.0001", "0.01", "100000", "8", "0.008", "0.016", true, "1")],
  },
  BNB: {
    name: "BNB",
    chains: [chain("BNB-BSC", "0.0001", "0.001", "10000", "8", "0.0005", "0.001", true, "15")],
  },
};

function chain(
  name: string,
  minDep: string,
  minWd: string,
  maxWd: string,
  wdTickSz: string,
  minFee: string,
  maxFee: string,
  mainNet: boolean,
  confirmations: string,
): ChainSpec {
  return { chain: name, minDep, minWd, maxWd, wdTickSz, minFee, maxFee, mainNet, confirmations };
}

/** OKX: "Single currency or multiple currencies (no more than 20) separated with comma". */
export const CURRENCIES_MAX_CCY = 20;

/**
 * The rows for `ccys` (the simulator's currencies, sorted), filtered by the `ccy` parameter; more than 20
 * currencies is 51000. An unknown currency in the filter lists nothing, as OKX answers.
 */
export function currencyRows(ccys: readonly string[], q: Record<string, string>): Record<string, unknown>[] {
  let wanted: ReadonlySet<string> | undefined;
  const param = q["ccy"];
  if (param !== undefined && param !== "") {
    const list = param.split(",").map((c) => c.trim().toUpperCase());
    if (list.length > CURRENCIES_MAX_CCY || list.some((c) => c === ""))
      throw new OkxError("51000", "Parameter ccy error");
    wanted = new Set(list);
  }
  const rows: Record<string, unknown>[] = [];
  for (const ccy of [...ccys].sort()) {
    if (wanted !== undefined && !wanted.has(ccy)) continue;
    const known = KNOWN[ccy];
    const chains = known?.chains ?? [chain(`${ccy}-${ccy}`, "0.0001", "0.001", "1000000", "8", "0", "0", true, "1")];
    for (const c of chains) rows.push(row(ccy, known?.name ?? ccy, c));
  }
  return rows;
}

/** One currency-and-chain row with every field OKX lists. */
function row(ccy: string, name: string, c: ChainSpec): Record<string, unknown> {
  return {
    ccy,
    name,
    logoLink: "",
    chain: c.chain,
    ctAddr: "",
    canDep: true,
    canWd: true,
    canInternal: true,
    depEstOpenTime: "",
    wdEstOpenTime: "",
    minDep: c.minDep,
    minWd: c.minWd,
    minInternal: c.minWd,
    maxWd: c.maxWd,
    wdTickSz: c.wdTickSz,
    wdQuota: "10000000",
    usedWdQuota: "0",
    fee: c.minFee,
    minFee: c.minFee,
    maxFee: c.maxFee,
    minFeeForCtAddr: c.minFee,
    maxFeeForCtAddr: c.maxFee,
    burningFeeRate: "",
    mainNet: c.mainNet,
    needTag: false,
    minDepArrivalConfirm: c.confirmations,
    minWdUnlockConfirm: c.confirmations,
    depQuotaFixed: "",
    usedDepQuotaFixed: "",
    depQuoteDailyLayer2: "",
  };
}
