import { describe, expect, test } from "bun:test";
import { Rng } from "../services/index.ts";
import {
  encodeLimitValue,
  type LimitValue,
  parseLimitValue,
  planRenewal,
  type RenewalInput,
  totalShare,
} from "./limit-plan.ts";

const ONE = 10n ** 18n;
const LIMIT = 12n * ONE;
const enc = (s: string) => new TextEncoder().encode(s);
const input = (me: string, over: Partial<RenewalInput> = {}): RenewalInput => ({
  me,
  exposure: 0n,
  demand: 0n,
  configLimit: LIMIT,
  headroomPpm: 250_000n,
  silent: new Set(),
  ...over,
});

describe("a firm limit's stored value", () => {
  test("round-trips exactly and refuses junk (a ceiling above the share, a negative, not JSON)", () => {
    const v = planRenewal({ limit: LIMIT, holders: new Map() }, input("a", { exposure: ONE / 3n })).value;
    expect(parseLimitValue(enc(encodeLimitValue(v)))).toEqual(v);
    const bad = (holder: object) => parseLimitValue(enc(JSON.stringify({ limit: "12", holders: { a: holder } })));
    expect(bad({ share: "1", ceiling: "2", exposure: "0", wants: "0", seq: 1 })).toBeUndefined();
    expect(bad({ share: "-1", ceiling: "0", exposure: "0", wants: "0", seq: 1 })).toBeUndefined();
    expect(bad({ share: "1", ceiling: "1", exposure: "0", wants: "0" })).toBeUndefined();
    expect(parseLimitValue(enc("{not json"))).toBeUndefined();
  });
});

describe("planRenewal", () => {
  test("a lone engine takes the limit; its ceiling runs a headroom ahead of what it wants", () => {
    const { value } = planRenewal(
      { limit: LIMIT, holders: new Map() },
      input("a", { exposure: ONE, demand: 2n * ONE }),
    );
    expect(value.holders.get("a")).toEqual({ share: LIMIT, ceiling: 5n * ONE, exposure: ONE, wants: 0n, seq: 1 });
  });

  test("a silent engine keeps its ceiling; only the rest is reclaimed", () => {
    const read: LimitValue = {
      limit: LIMIT,
      holders: new Map([["dead", { share: 8n * ONE, ceiling: 3n * ONE, exposure: 2n * ONE, wants: 0n, seq: 9 }]]),
    };
    const r = planRenewal(read, input("b", { silent: new Set(["dead"]) }));
    expect(r.reclaimed).toBe(5n * ONE);
    expect(r.value.holders.get("dead")).toMatchObject({ share: 3n * ONE, ceiling: 3n * ONE, seq: 9 });
    expect(r.value.holders.get("b")?.share).toBe(LIMIT - 3n * ONE);
  });

  test("property: random renewals of five engines keep Σ share ≤ limit, ceilings ≤ shares, no giving below exposure", () => {
    for (let run = 0; run < 200; run++) {
      const seed = `plan-${run}`;
      const rng = new Rng(seed);
      let v: LimitValue = { limit: LIMIT, holders: new Map() };
      const names = ["a", "b", "c", "d", "e"];
      for (let step = 0; step < 200; step++) {
        const me = names[rng.int(names.length)] as string;
        const held = v.holders.get(me);
        // an engine's exposure never exceeds the ceiling it holds (its gate enforces it)
        const cap = held?.ceiling ?? 0n;
        const exposure = cap === 0n ? 0n : (cap * BigInt(rng.int(101))) / 100n;
        const demand = rng.chance(0.3) ? exposure + BigInt(rng.int(4)) * ONE : 0n;
        const silent = new Set(names.filter((n) => n !== me && rng.chance(0.1)));
        const next = planRenewal(v, input(me, { exposure, demand, silent })).value;
        const mine = next.holders.get(me);
        const context = `seed ${seed} step ${step} ${me}`;
        expect(totalShare(next) <= next.limit, context).toBe(true);
        for (const [name, h] of next.holders) {
          expect(h.ceiling <= h.share, `${context}: ${name}`).toBe(true);
          const before = v.holders.get(name);
          // nobody else's ceiling moves; a silent one's share shrinks to its ceiling at most
          if (name !== me && before !== undefined) expect(h.ceiling, context).toBe(before.ceiling);
        }
        expect((mine?.share ?? 0n) >= exposure || (held?.share ?? 0n) < exposure, context).toBe(true);
        v = next;
      }
    }
  });
});
