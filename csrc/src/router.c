/*
 * Smart order router: splits a parent order across the venues of a consolidated book by effective
 * price after taker fees, within the limit, in whole venue lots, never over the parent quantity.
 * Greedy by effective price is optimal here because each venue's cost is the sum of its levels'
 * costs (a fractional knapsack per lot); the property test checks it against a brute-force search.
 */
#include <string.h>

#include "cbook_internal.h"

#define PPM 1000000

/* Exact integer in [lo, hi] from a double, or 0. */
static int exact_int(double d, double lo, double hi, int64_t* out) {
  if (!(d >= lo && d <= hi)) return 0;
  const int64_t i = (int64_t)d;
  if ((double)i != d) return 0;
  *out = i;
  return 1;
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

  /* Buying takes asks (book side ASK); selling takes bids. */
  const int32_t book_side = side == HFT_SIDE_BID ? HFT_SIDE_ASK : HFT_SIDE_BID;
  const int buying = side == HFT_SIDE_BID;
  walker w[HFT_MAX_VENUES_LIMIT];
  int64_t price_v[HFT_MAX_VENUES_LIMIT]; /* next level's price, venue ticks */
  int64_t qty_v[HFT_MAX_VENUES_LIMIT];   /* next level's qty, venue lots */
  __int128 good[HFT_MAX_VENUES_LIMIT];   /* larger = better effective price */
  __int128 price_c[HFT_MAX_VENUES_LIMIT]; /* next level's price, common ticks */
  int has[HFT_MAX_VENUES_LIMIT];
  int32_t child_of[HFT_MAX_VENUES_LIMIT];
  int32_t child_venue[HFT_MAX_VENUES_LIMIT];
  int64_t child_qty[HFT_MAX_VENUES_LIMIT];   /* venue lots */
  int64_t child_limit[HFT_MAX_VENUES_LIMIT]; /* worst price taken, venue ticks */
  __int128 child_notional[HFT_MAX_VENUES_LIMIT];

  for (int32_t v = 0; v < cb->max_venues; v++) {
    const venue_slot* vs = &cb->venues[v];
    has[v] = 0;
    child_of[v] = -1;
    if (!venue_live(cb, vs, now_ns) || vs->headroom < 1) continue;
    w[v] = walk_start(&vs->book->sd[book_side]);
    has[v] = 1;
  }

  double* hdr = out;
  double* kids = out + HFT_ROUTE_HEADER;
  int32_t children = 0;
  int64_t need = parent; /* common lots still to place */

  /* Loads the next usable level of venue v within the limit, or retires the venue. */
#define ADVANCE(v)                                                                                          \
  do {                                                                                                      \
    const venue_slot* vs_ = &cb->venues[v];                                                                 \
    int64_t key_, q_;                                                                                       \
    has[v] = 0;                                                                                             \
    while (walk_next(&w[v], &key_, &q_)) {                                                                  \
      const int64_t p_ = book_side == HFT_SIDE_BID ? key_ : -key_;                                          \
      const __int128 pc_ = (__int128)p_ * vs_->price_mult;                                                  \
      if (buying ? pc_ > lim : pc_ < lim) break; /* later levels are worse still */                         \
      const int64_t usable_ = urgency_permille == 1000 ? q_ : (int64_t)((__int128)q_ * urgency_permille / 1000); \
      if (usable_ == 0) continue;                                                                           \
      price_v[v] = p_;                                                                                      \
      price_c[v] = pc_;                                                                                     \
      qty_v[v] = usable_;                                                                                   \
      good[v] = buying ? -(pc_ * (PPM + vs_->fee_ppm)) : pc_ * (PPM - vs_->fee_ppm);                        \
      has[v] = 1;                                                                                           \
      break;                                                                                                \
    }                                                                                                       \
  } while (0)

  for (int32_t v = 0; v < cb->max_venues; v++) {
    if (has[v]) ADVANCE(v);
  }
  while (need > 0) {
    int32_t best = -1;
    for (int32_t v = 0; v < cb->max_venues; v++) {
      if (has[v] && (best < 0 || good[v] > good[best])) best = v;
    }
    if (best < 0) break;
    const venue_slot* vs = &cb->venues[best];
    const int64_t need_v = vs->qty_mult == 1 ? need : need / vs->qty_mult; /* whole venue lots that fit */
    if (need_v == 0) {
      has[best] = 0; /* this venue's lot is larger than what is left */
      continue;
    }
    int32_t c = child_of[best];
    if (c < 0) {
      if (children >= max_children) {
        has[best] = 0; /* no room to report another child */
        continue;
      }
      c = children++;
      child_of[best] = c;
      child_venue[c] = best;
      child_qty[c] = 0;
      child_notional[c] = 0;
    }
    const int64_t take_v = qty_v[best] < need_v ? qty_v[best] : need_v;
    child_qty[c] += take_v;
    child_limit[c] = price_v[best];
    child_notional[c] += price_c[best] * (take_v * vs->qty_mult);
    need -= take_v * vs->qty_mult;
    if (take_v == qty_v[best]) {
      ADVANCE(best);
    } else {
      qty_v[best] -= take_v; /* part of the level is left; need no longer fits this venue's lot */
    }
  }
#undef ADVANCE
  /* Doubles are written once per child at the end (int128 to double conversions are not free). */
  __int128 total_notional = 0;
  double total_fees = 0.0;
  for (int32_t c = 0; c < children; c++) {
    const venue_slot* vs = &cb->venues[child_venue[c]];
    double* k = kids + (size_t)c * HFT_ROUTE_STRIDE;
    const double notional = (double)child_notional[c];
    const double fee = notional * (double)vs->fee_ppm / (double)PPM;
    k[0] = (double)child_venue[c];
    k[1] = (double)child_qty[c];
    k[2] = (double)child_limit[c];
    k[3] = notional;
    k[4] = fee;
    total_notional += child_notional[c];
    total_fees += fee;
  }
  hdr[0] = (double)(parent - need);
  hdr[1] = (double)need;
  hdr[2] = (double)total_notional;
  hdr[3] = total_fees;
  return children;
}
