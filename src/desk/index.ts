/**
 * Public face of the desk bus: several engines as one desk over NATS JetStream. The connection,
 * and the JetStream sink through which each engine's journal batches reach the desk's stream.
 */
export { connectDesk, DeskConfigError, type DeskNatsSettings, natsOptions } from "./connection.ts";
export {
  type DeskMessage,
  type DeskSinkStats,
  type DeskStreamSettings,
  DeskStreamSink,
  ensureDeskStream,
  openDeskStreamSink,
} from "./stream-sink.ts";
