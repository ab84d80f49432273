/**
 * Queue-position models for our resting orders on L2 data, after hftbacktest: an order joins the back
 * of its price level, and the lots ahead of it shrink with trades at that price and, in the
 * probabilistic model, with part of each decrease of the level (cancels spread over the queue by a
 * probability that grows towards the back). With L2 data our place in the queue is an estimate; these
 * models say which estimate, so a backtest neither assumes we are always first nor never filled.
 */

/** Where one order stands: lots estimated ahead of its unfilled remainder, trades seen since the last depth change. */
export interface QueuePos {
  front: number;
  tradedSinceDepth: number;
}

/** One way of moving an order forward in its queue. */
export interface QueueModel {
  readonly name: string;
  /** A new order at a level showing `displayedLots`: it joins behind all of them. */
  join(displayedLots: number): QueuePos;
  /** `lots` traded at the order's price. */
  trade(q: QueuePos, lots: number): void;
  /** The level's displayed lots changed from prev to next (trades already counted are not cancels). */
  depth(q: QueuePos, prevLots: number, nextLots: number): void;
}

/** Lots of the order that trades have reached (the queue ahead is used up): whole lots, >= 0. */
export function fillableLots(q: QueuePos): number {
  return q.front < 0 ? Math.floor(-q.front + 1e-9) : 0;
}

/** Counts only trades: a cancel never moves us forward, a shrinking level only caps the queue ahead. */
export class RiskAverseQueue implements QueueModel {
  readonly name = "risk_averse";
  join(displayedLots: number): QueuePos {
    return { front: displayedLots, tradedSinceDepth: 0 };
  }
  trade(q: QueuePos, lots: number): void {
    q.front -= lots;
  }
  depth(q: QueuePos, _prevLots: number, nextLots: number): void {
    q.front = Math.min(q.front, nextLots);
  }
}

/**
 * Spreads each decrease of the level (net of trades) over the queue: the share taken from ahead of us
 * is 1 - p with p = f(back) / (f(back) + f(front)), f(x) = x^power, so cancels hit the back more the
 * further back they are (hftbacktest's ProbQueueModel with PowerProbQueueFunc).
 */
export class ProbabilisticQueue implements QueueModel {
  readonly name: string;
  constructor(private readonly power: number) {
    this.name = `probabilistic(${power})`;
  }
  join(displayedLots: number): QueuePos {
    return { front: displayedLots, tradedSinceDepth: 0 };
  }
  trade(q: QueuePos, lots: number): void {
    q.front -= lots;
    q.tradedSinceDepth += lots;
  }
  depth(q: QueuePos, prevLots: number, nextLots: number): void {
    const chg = prevLots - nextLots - q.tradedSinceDepth;
    q.tradedSinceDepth = 0;
    if (chg < 0) {
      q.front = Math.min(q.front, nextLots);
      return;
    }
    const front = Math.max(q.front, 0);
    const back = Math.max(prevLots - front, 0);
    const fb = back ** this.power;
    const ff = front ** this.power;
    const p = fb + ff > 0 ? fb / (fb + ff) : 1;
    const est = q.front - (1 - p) * chg + Math.min(back - p * chg, 0);
    q.front = Math.min(est, nextLots);
  }
}

/** The model a config names. */
export function queueModel(kind: "risk_averse" | "probabilistic", power = 2): QueueModel {
  return kind === "risk_averse" ? new RiskAverseQueue() : new ProbabilisticQueue(power);
}
