import { describe, expect, test } from "bun:test";
import { Side } from "../types/index.ts";
import {
  IllegalTransitionError,
  isLegalTransition,
  type ManagedOrder,
  ORDER_STATES,
  OrderLog,
  type OrderState,
  transition,
} from "./order-state.ts";

function order(state: OrderState): ManagedOrder {
  const log = new OrderLog();
  log.add(0, "", "", 0, "created pending_new");
  log.add(1, "", "", 0, `marker-for-${state}`);
  return {
    clientId: "hft1-run-1",
    venue: "fake",
    symbol: "BTC-USDT",
    side: Side.Buy,
    type: "limit",
    tif: "GTC",
    priceTicks: 100,
    lots: 5,
    strategy: null,
    state,
    venueOrderId: "",
    cumLots: 0,
    appliedLots: 0,
    cancelWanted: false,
    rejectReason: undefined,
    createdMs: 0,
    updatedMs: 0,
    log,
    get history() {
      return log.lines();
    },
  };
}

const EXPECTED_LEGAL: Record<OrderState, OrderState[]> = {
  pending_new: ["new", "partially_filled", "filled", "canceled", "rejected", "expired"],
  new: ["partially_filled", "filled", "pending_cancel", "canceled", "expired"],
  partially_filled: ["partially_filled", "filled", "pending_cancel", "canceled", "expired"],
  pending_cancel: ["pending_cancel", "new", "partially_filled", "filled", "canceled", "expired"],
  filled: [],
  canceled: [],
  rejected: [],
  expired: [],
};

describe("order state machine", () => {
  test("the table is exactly the documented one", () => {
    expect(ORDER_STATES.length).toBe(8);
    for (const from of ORDER_STATES) {
      for (const to of ORDER_STATES) {
        expect(`${from}->${to}:${isLegalTransition(from, to)}`).toBe(
          `${from}->${to}:${EXPECTED_LEGAL[from].includes(to)}`,
        );
      }
    }
  });

  for (const from of ORDER_STATES) {
    for (const to of ORDER_STATES) {
      if (EXPECTED_LEGAL[from].includes(to)) {
        test(`legal ${from} -> ${to} moves and is recorded`, () => {
          const o = order(from);
          expect(transition(o, to, 42, "test cause")).toBe(from);
          expect(o.state).toBe(to);
          expect(o.updatedMs).toBe(42);
          expect(o.history.at(-1)).toBe(`42 ${from} -> ${to} cum=0 (test cause)`);
        });
      } else {
        test(`illegal ${from} -> ${to} throws with the history`, () => {
          const o = order(from);
          let caught: unknown;
          try {
            transition(o, to, 42, "bad cause");
          } catch (e) {
            caught = e;
          }
          expect(caught).toBeInstanceOf(IllegalTransitionError);
          const msg = (caught as Error).message;
          expect(msg).toContain(`illegal order transition ${from} -> ${to} for hft1-run-1 (bad cause)`);
          expect(msg).toContain("0 created pending_new");
          expect(msg).toContain(`1 marker-for-${from}`);
          expect(o.state).toBe(from); // unchanged
        });
      }
    }
  }
});
