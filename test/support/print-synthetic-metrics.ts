/**
 * Prints the Prometheus text of a registry filled by the SYNTHETIC driver, so CI can run
 * `promtool check metrics` on exactly what the engine's registry produces.
 */
import { createEngineMetrics } from "../../src/metrics/index.ts";
import { populateSynthetic } from "./synthetic-metrics.ts";

const metrics = createEngineMetrics();
populateSynthetic(metrics, Number(process.env.SEED ?? 1));
process.stdout.write(await metrics.scrape());
