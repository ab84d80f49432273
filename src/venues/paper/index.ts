/** The paper venue: a real venue's market data with our orders filled locally by the fill model. */
export { PaperAdapter, type PaperOptions } from "./adapter.ts";
