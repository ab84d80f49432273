/**
 * The engine's side of the desk view and of the desk's part of status and metrics: an engine with
 * `desk.view: true` folds the whole desk stream (every engine's journal) into a DeskView and serves
 * it at /api/desk; every engine on a desk shows its own link to the desk in /api/status (`desk`) and
 * as hft_desk_* metrics. Kept apart from desk-bus.ts (the connection, sink and kill switch) so each
 * part of the desk changes in its own file.
 */
import type { DeskStatus, DeskViewAnswer } from "../command/index.ts";
import {
  type DeskKillSwitch,
  type DeskLinkState,
  type DeskStreamSink,
  DeskView,
  type DeskViewFeed,
} from "../desk/index.ts";
import type { DeskMetricsSample } from "../metrics/index.ts";

/** A desk view folded on this engine, fed from the stream. */
export interface EngineDeskView {
  readonly view: DeskView;
  readonly feed: DeskViewFeed;
  /** GET /api/desk. */
  deskView(): DeskViewAnswer;
  stop(): Promise<void>;
}

/** Starts folding the desk stream into a view (from the stream's first message). */
export function startDeskView(feedOf: (view: DeskView) => DeskViewFeed): EngineDeskView {
  const view = new DeskView();
  const feed = feedOf(view);
  return {
    view,
    feed,
    deskView: () => ({ ...view.snapshot(), feed: { ...feed.stats } }),
    stop: () => feed.stop(),
  };
}

/** The pieces of a running desk the status and metrics read. */
export interface DeskParts {
  readonly engine: string;
  readonly streamName: string;
  readonly link: DeskLinkState;
  readonly desk: { readonly sink: DeskStreamSink; readonly kill: DeskKillSwitch };
  readonly view: EngineDeskView | undefined;
}

/** The desk part of /api/status. */
export function deskStatusOf(p: DeskParts, nowMs: number): DeskStatus {
  const st = p.desk.sink.stats;
  const v = p.view;
  return {
    engine: p.engine,
    server: p.link.server,
    connected: p.link.connected,
    reconnects: p.link.reconnects,
    stream: {
      name: p.streamName,
      queue: st.queued,
      accepted: st.accepted,
      acked: st.published,
      duplicates: st.duplicates,
      retries: st.retries,
      refusedBatches: st.refusedBatches,
      lastAckAgeMs: st.lastAckMs === 0 ? null : Math.max(0, nowMs - st.lastAckMs),
    },
    killSwitch: { ...p.desk.kill.state },
    view:
      v === undefined
        ? null
        : {
            lastStreamSeq: v.feed.stats.lastStreamSeq,
            pending: v.feed.stats.pending,
            applied: v.view.stats.applied,
            duplicates: v.view.stats.duplicates,
            malformed: Object.values(v.view.stats.malformed).reduce((a, b) => a + b, 0),
          },
  };
}

/** What the hft_desk_* metrics read at a scrape. */
export function deskMetricsOf(p: DeskParts, nowMs: number): DeskMetricsSample {
  const st = p.desk.sink.stats;
  const v = p.view;
  return {
    connected: p.link.connected,
    reconnects: p.link.reconnects,
    acked: st.published,
    duplicates: st.duplicates,
    retries: st.retries,
    refusedBatches: st.refusedBatches,
    queue: st.queued,
    lastAckAgeSeconds: st.lastAckMs === 0 ? undefined : Math.max(0, nowMs - st.lastAckMs) / 1000,
    killHalted: p.desk.kill.state.halted,
    ...(v === undefined
      ? {}
      : {
          view: {
            applied: v.view.stats.applied,
            duplicates: v.view.stats.duplicates,
            pending: v.feed.stats.pending,
            malformed: v.view.stats.malformed,
          },
        }),
  };
}
