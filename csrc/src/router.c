/*
 * Smart order router: splits a parent order across the venues of a consolidated book by effective
 * price after taker fees, within the limit, in whole venue lots, never over the parent quantity.
 * Greedy by effective price is optimal here because each venue's cost is the sum of its levels'
 * costs (a fractional knapsack per lot); the property test checks it against a brute-force search.
 */
#include <stdint.h>
#include <string.h>

#include "cbook_internal.h"

#define PPM 1000000
/* |effective price key| below this leaves room for the venue index in an int64. */
#define KEY_LIMIT (INT64_C(1) << 56)

/* Exact integer in [lo, hi] from a double, or 0. */
static int exact_int(double d, double lo, double hi, int64_t* out) {
  if (!(d >= lo && d <= hi)) return 0;
  const int64_t i = (int64_t)d;
  if ((double)i != d) return 0;
  *out = i;
  return 1;
}

/* One live venue in the fast path: its walk, its next usable level and its child. */
typedef struct lane {
  walker w;
  int64_t good;  /* larger = better: (effective price, sign-adjusted) * 64 + (63 - venue), distinct per lane */
  int64_t pc;    /* next level's price, common ticks */
  int64_t pv;    /* next level's price, venue ticks */
  int64_t q;     /* next level's usable qty, venue lots */
  int64_t pmult; /* venue -> common price multiplier */
  int64_t qmult; /* venue -> common qty multiplier */
  int64_t feem;  /* PPM + fee for buys, PPM - fee for sells */
  int32_t venue;
  int32_t child;
} lane;

/* Loads the lane's next usable level within the limit: 1 loaded, 0 exhausted, -1 int64 overflow. */
static inline int lane_load(lane* l, int32_t book_side, int buying, int64_t lim, int32_t urgency_permille) {
  int64_t key, q;
  while (walk_next(&l->w, &key, &q)) {
    const int64_t p = book_side == HFT_SIDE_BID ? key : -key;
    int64_t pc, g;
    if (__builtin_mul_overflow(p, l->pmult, &pc)) return -1;
    if (buying ? pc > lim : pc < lim) return 0; /* later levels are worse still */
    const int64_t usable = urgency_permille == 1000 ? q : (int64_t)((__int128)q * urgency_permille / 1000);
    if (usable == 0) continue;
    if (__builtin_mul_overflow(pc, l->feem, &g) || g >= KEY_LIMIT || g <= -KEY_LIMIT) return -1;
    /* The venue index rides in the low bits (lower venue = larger), so one int64 compare orders both. */
    l->good = (buying ? -g : g) * HFT_MAX_VENUES_LIMIT + (HFT_MAX_VENUES_LIMIT - 1 - l->venue);
    l->pc = pc;
    l->pv = p;
    l->q = usable;
    return 1;
  }
  return 0;
}

/* The children of one route, per child index; filled in walk order, written out once at the end. */
typedef struct route_children {
  int32_t venue[HFT_MAX_VENUES_LIMIT];
  int64_t qty[HFT_MAX_VENUES_LIMIT];   /* venue lots */
  int64_t limit[HFT_MAX_VENUES_LIMIT]; /* worst price taken, venue ticks */
  __int128 notional[HFT_MAX_VENUES_LIMIT];
} route_children;

/* Opens child c for the venue with nothing taken yet; returns c. */
static inline int32_t child_open(route_children* ch, int32_t c, int32_t venue) {
  HFT_ASSERT(c >= 0 && c < HFT_MAX_VENUES_LIMIT);
  ch->venue[c] = venue;
  ch->qty[c] = 0;
  ch->notional[c] = 0;
  return c;
}

/*
 * Writes the header {filled, unfilled, notional, fees} and one record per child. Doubles are written
 * once per child at the end (int128 to double conversions are not free).
 */
static inline void route_write(const hft_cbook* cb, const route_children* ch, int32_t children, int64_t parent,
                               int64_t need, double* out) {
  HFT_ASSERT(need >= 0 && need <= parent);
  double* hdr = out;
  double* kids = out + HFT_ROUTE_HEADER;
  __int128 total_notional = 0;
  double total_fees = 0.0;
  for (int32_t c = 0; c < children; c++) {
    const venue_slot* vs = &cb->venues[ch->venue[c]];
    double* k = kids + (size_t)c * HFT_ROUTE_STRIDE;
    const double notional = (double)ch->notional[c];
    const double fee = notional * (double)vs->fee_ppm / (double)PPM;
    k[0] = (double)ch->venue[c];
    k[1] = (double)ch->qty[c];
    k[2] = (double)ch->limit[c];
    k[3] = notional;
    k[4] = fee;
    total_notional += ch->notional[c];
    total_fees += fee;
  }
  hdr[0] = (double)(parent - need);
  hdr[1] = (double)need;
  hdr[2] = (double)total_notional;
  hdr[3] = total_fees;
}

/* Starts a lane on every live venue with headroom and a usable level: the lane count, or -1 on overflow. */
static inline int32_t narrow_lanes_start(const hft_cbook* cb, int32_t book_side, int buying, int64_t lim,
                                         int32_t urgency_permille, double now_ns, lane* ln) {
  int32_t n = 0;
  for (int32_t v = 0; v < cb->max_venues; v++) {
    const venue_slot* vs = &cb->venues[v];
    if (!venue_live(cb, vs, now_ns) || vs->headroom < 1) continue;
    lane* l = &ln[n];
    l->w = walk_start(&vs->book->sd[book_side]);
    l->pmult = vs->price_mult;
    l->qmult = vs->qty_mult;
    l->feem = buying ? PPM + vs->fee_ppm : PPM - vs->fee_ppm;
    l->venue = v;
    l->child = -1;
    const int r = lane_load(l, book_side, buying, lim, urgency_permille);
    if (r < 0) return -1;
    if (r > 0) n++;
  }
  return n;
}

/* The best of n >= 1 lanes; *runner_up gets the second-best key (INT64_MIN when n == 1). */
static inline int32_t narrow_pick(const lane* ln, int32_t n, int64_t* runner_up) {
  int32_t b = 0;
  int64_t bk = ln[0].good, sk = INT64_MIN;
  for (int32_t i = 1; i < n; i++) {
    const int64_t k = ln[i].good;
    if (k > bk) {
      sk = bk;
      b = i;
      bk = k;
    } else if (k > sk) {
      sk = k;
    }
  }
  *runner_up = sk;
  return b;
}

/*
 * Takes the levels of lane b into child c while they beat the runner-up's key sk, starting with need_v
 * venue lots wanted; lowers *need and retires the lane (ln[b] = ln[--*n]) once it runs dry. The run
 * accumulates in locals and stores the child once (no store-to-load per level). 0, or -1 on overflow.
 */
static inline int narrow_take_run(lane* ln, int32_t b, int32_t* n, int64_t sk, int64_t need_v, int64_t* need,
                                  int32_t book_side, int buying, int64_t lim, int32_t urgency_permille,
                                  route_children* ch, int32_t c) {
  lane* l = &ln[b];
  int64_t run_qty = 0, run_limit = 0;
  __int128 run_notional = 0;
  for (;;) {
    const int64_t take_v = l->q < need_v ? l->q : need_v;
    const int64_t take_c = take_v * l->qmult;
    run_qty += take_v;
    run_limit = l->pv;
    run_notional += (__int128)l->pc * take_c;
    *need -= take_c;
    if (take_v < l->q) {
      l->q -= take_v; /* part of the level is left; need no longer fits this venue's lot */
      break;
    }
    const int r = lane_load(l, book_side, buying, lim, urgency_permille);
    if (r < 0) return -1;
    if (r == 0) {
      ln[b] = ln[--*n];
      break;
    }
    if (*need == 0) break;
    need_v = l->qmult == 1 ? *need : *need / l->qmult;
    if (need_v == 0 || l->good < sk) break; /* sk is INT64_MIN when b is the only lane */
  }
  ch->qty[c] += run_qty;
  ch->limit[c] = run_limit;
  ch->notional[c] += run_notional;
  return 0;
}

/*
 * Fast path: the same greedy as route_wide, in 64-bit integers (the 128-bit one is the fallback when
 * a product would overflow), scanning only live venues, and taking a venue's levels in a run while
 * they still beat the runner-up venue's head, so the head scan runs once per venue switch, not per
 * level. Returns the child count, or -1 (nothing written) when 64 bits do not suffice.
 */
static int32_t route_narrow(const hft_cbook* cb, int32_t book_side, int buying, int64_t parent, int64_t lim,
                            int32_t urgency_permille, double now_ns, double* out, int32_t max_children) {
  lane ln[HFT_MAX_VENUES_LIMIT];
  route_children ch;
  int32_t n = narrow_lanes_start(cb, book_side, buying, lim, urgency_permille, now_ns, ln);
  if (n < 0) return -1;
  int32_t children = 0;
  int64_t need = parent; /* common lots still to place */
  while (need > 0 && n > 0) {
    int64_t sk; /* the runner-up's key: the levels of the best lane are taken while they beat it */
    const int32_t b = narrow_pick(ln, n, &sk);
    lane* l = &ln[b];
    const int64_t need_v = l->qmult == 1 ? need : need / l->qmult; /* whole venue lots that fit */
    if (need_v == 0 || (l->child < 0 && children >= max_children)) {
      ln[b] = ln[--n]; /* lot larger than what is left, or no room to report another child */
      continue;
    }
    int32_t c = l->child;
    if (c < 0) {
      c = child_open(&ch, children++, l->venue);
      l->child = c;
    }
    if (narrow_take_run(ln, b, &n, sk, need_v, &need, book_side, buying, lim, urgency_permille, &ch, c) < 0)
      return -1;
  }
  route_write(cb, &ch, children, parent, need, out);
  return children;
}

/* The 128-bit greedy's head of each venue, indexed by venue. */
typedef struct wide_heads {
  walker w[HFT_MAX_VENUES_LIMIT];
  int64_t price_v[HFT_MAX_VENUES_LIMIT]; /* next level's price, venue ticks */
  int64_t qty_v[HFT_MAX_VENUES_LIMIT];   /* next level's qty, venue lots */
  __int128 good[HFT_MAX_VENUES_LIMIT];   /* larger = better effective price */
  __int128 price_c[HFT_MAX_VENUES_LIMIT]; /* next level's price, common ticks */
  int has[HFT_MAX_VENUES_LIMIT];
} wide_heads;

/*
 * Loads the next usable level of venue v within the limit, or retires the venue. always_inline: it was
 * a macro expanded at both call sites, and clang would otherwise call it out of line once per level.
 */
static inline __attribute__((always_inline)) void wide_advance(const hft_cbook* cb, wide_heads* h, int32_t v,
                                                               int32_t book_side, int buying, int64_t lim,
                                                               int32_t urgency_permille) {
  const venue_slot* vs = &cb->venues[v];
  int64_t key, q;
  h->has[v] = 0;
  while (walk_next(&h->w[v], &key, &q)) {
    const int64_t p = book_side == HFT_SIDE_BID ? key : -key;
    const __int128 pc = (__int128)p * vs->price_mult;
    if (buying ? pc > lim : pc < lim) break; /* later levels are worse still */
    const int64_t usable = urgency_permille == 1000 ? q : (int64_t)((__int128)q * urgency_permille / 1000);
    if (usable == 0) continue;
    h->price_v[v] = p;
    h->price_c[v] = pc;
    h->qty_v[v] = usable;
    h->good[v] = buying ? -(pc * (PPM + vs->fee_ppm)) : pc * (PPM - vs->fee_ppm);
    h->has[v] = 1;
    break;
  }
}

/* Starts a walk on every live venue with headroom, loads its first usable level, and clears child_of. */
static inline void wide_heads_start(const hft_cbook* cb, wide_heads* h, int32_t* child_of, int32_t book_side,
                                    int buying, int64_t lim, int32_t urgency_permille, double now_ns) {
  for (int32_t v = 0; v < cb->max_venues; v++) {
    const venue_slot* vs = &cb->venues[v];
    h->has[v] = 0;
    child_of[v] = -1;
    if (!venue_live(cb, vs, now_ns) || vs->headroom < 1) continue;
    h->w[v] = walk_start(&vs->book->sd[book_side]);
    h->has[v] = 1;
  }
  for (int32_t v = 0; v < cb->max_venues; v++) {
    if (h->has[v]) wide_advance(cb, h, v, book_side, buying, lim, urgency_permille);
  }
}

/* The venue with the best head (the lowest index on a tie), or -1 when none has one. */
static inline int32_t wide_pick(const hft_cbook* cb, const wide_heads* h) {
  int32_t best = -1;
  for (int32_t v = 0; v < cb->max_venues; v++) {
    if (h->has[v] && (best < 0 || h->good[v] > h->good[best])) best = v;
  }
  return best;
}

/*
 * Takes up to need_v venue lots from the head of venue v into child c, then loads the venue's next
 * level once the head is used up. Returns the common lots taken.
 */
static inline int64_t wide_take(const hft_cbook* cb, wide_heads* h, int32_t v, int64_t need_v, route_children* ch,
                                int32_t c, int32_t book_side, int buying, int64_t lim, int32_t urgency_permille) {
  const venue_slot* vs = &cb->venues[v];
  const int64_t take_v = h->qty_v[v] < need_v ? h->qty_v[v] : need_v;
  ch->qty[c] += take_v;
  ch->limit[c] = h->price_v[v];
  ch->notional[c] += h->price_c[v] * (take_v * vs->qty_mult);
  if (take_v == h->qty_v[v]) {
    wide_advance(cb, h, v, book_side, buying, lim, urgency_permille);
  } else {
    h->qty_v[v] -= take_v; /* part of the level is left; need no longer fits this venue's lot */
  }
  return take_v * vs->qty_mult;
}

/* The reference greedy in 128-bit integers: used when the 64-bit fast path would overflow. */
static int32_t route_wide(const hft_cbook* cb, int32_t side, int64_t parent, int64_t lim, int32_t urgency_permille,
                          double now_ns, double* out, int32_t max_children) {
  /* Buying takes asks (book side ASK); selling takes bids. */
  const int32_t book_side = side == HFT_SIDE_BID ? HFT_SIDE_ASK : HFT_SIDE_BID;
  const int buying = side == HFT_SIDE_BID;
  wide_heads h;
  int32_t child_of[HFT_MAX_VENUES_LIMIT];
  route_children ch;
  wide_heads_start(cb, &h, child_of, book_side, buying, lim, urgency_permille, now_ns);
  int32_t children = 0;
  int64_t need = parent; /* common lots still to place */
  while (need > 0) {
    const int32_t best = wide_pick(cb, &h);
    if (best < 0) break;
    const venue_slot* vs = &cb->venues[best];
    const int64_t need_v = vs->qty_mult == 1 ? need : need / vs->qty_mult; /* whole venue lots that fit */
    if (need_v == 0) {
      h.has[best] = 0; /* this venue's lot is larger than what is left */
      continue;
    }
    int32_t c = child_of[best];
    if (c < 0) {
      if (children >= max_children) {
        h.has[best] = 0; /* no room to report another child */
        continue;
      }
      c = child_open(&ch, children++, best);
      child_of[best] = c;
    }
    need -= wide_take(cb, &h, best, need_v, &ch, c, book_side, buying, lim, urgency_permille);
  }
  route_write(cb, &ch, children, parent, need, out);
  return children;
}

int32_t hft_route_f64(const hft_cbook* cb, int32_t side, double qty, double limit, int32_t urgency_permille,
                      double now_ns, double* out, int32_t max_children) {
  if (!valid_cbook(cb)) return -HFT_E_NULL_HANDLE;
  if (side != HFT_SIDE_BID && side != HFT_SIDE_ASK) return -HFT_E_BAD_SIDE;
  if (out == NULL) return -HFT_E_NULL_POINTER;
  if (max_children < 0) return -HFT_E_BAD_COUNT;
  if (urgency_permille < 0 || urgency_permille > 1000) return -HFT_E_BAD_PARAMS;
  int64_t parent, lim;
  if (!exact_int(qty, -9007199254740991.0, 9007199254740991.0, &parent)) return -HFT_E_NOT_INTEGER;
  if (parent < 0) return -HFT_E_NEGATIVE_QTY;
  if (!exact_int(limit, -9007199254740991.0, 9007199254740991.0, &lim)) return -HFT_E_NOT_INTEGER;

  const int32_t book_side = side == HFT_SIDE_BID ? HFT_SIDE_ASK : HFT_SIDE_BID;
  const int32_t r =
      route_narrow(cb, book_side, side == HFT_SIDE_BID, parent, lim, urgency_permille, now_ns, out, max_children);
  if (r >= 0) return r;
  return route_wide(cb, side, parent, lim, urgency_permille, now_ns, out, max_children);
}
