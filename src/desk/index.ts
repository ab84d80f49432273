/**
 * Public face of the desk bus: several engines as one desk over NATS JetStream. The connection,
 * the JetStream sink through which each engine's journal batches reach the desk's stream, the
 * desk's one kill switch (a KV key every engine watches), and the desk view: the stream folded back
 * into every engine's positions, PnL and open orders.
 */
export { connectDesk, DeskConfigError, type DeskNatsSettings, natsOptions } from "./connection.ts";
export { type DeskLinkState, followDeskLink } from "./connection-state.ts";
export { type DeskMessageProblem, isProblem, parseDeskMessage } from "./desk-message.ts";
export {
  type DeskEngineView,
  type DeskFirmPosition,
  type DeskOrderRow,
  type DeskPnlRow,
  type DeskPositionRow,
  type DeskSnapshot,
  DeskView,
  type DeskViewStats,
} from "./desk-view.ts";
export { type FirmLossHooks, type FirmLossStatus, FirmLossWatch } from "./firm-loss.ts";
export { type DeskKillSettings, type DeskKillState, DeskKillSwitch, parseKillState } from "./kill-switch.ts";
export {
  DeskLimitLeases,
  type DeskLimitSettings,
  type FirmLimitKind,
  type FirmLimitSpec,
  type LeaseHooks,
  type LeaseStats,
  type LeaseStatus,
  limitKey,
  openLimitsBucket,
} from "./limit-leases.ts";
export {
  encodeLimitValue,
  type Holding,
  type LimitValue,
  parseLimitValue,
  planRenewal,
  totalShare,
} from "./limit-plan.ts";
export {
  type DeskMessage,
  type DeskSinkStats,
  type DeskStreamSettings,
  DeskStreamSink,
  ensureDeskStream,
  openDeskStreamSink,
} from "./stream-sink.ts";
export { type DeskFeedOptions, type DeskFeedStats, DeskViewFeed } from "./view-feed.ts";
