/*
 * L2 price-level order book: per side, a price-indexed ladder over a window at the touch plus a
 * sorted array for the levels deeper than the window.
 * Why this layout and what it costs: see the header comment of include/hftcore.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__SSE2__)
#include <emmintrin.h>
#define HFT_SSE2 1
#else
#define HFT_SSE2 0
#endif

#include "book_internal.h"

void hft_assert_fail(const char* expr, const char* file, int line) {
  fprintf(stderr, "hftcore assertion failed: %s at %s:%d\n", expr, file, line);
  fflush(stderr);
  abort();
}

/* Keeps the summary record in step with the levels; called after every successful change. */
static void refresh_summary(hft_book* b) {
  double* s = b->summary;
  int64_t bk = 0, bq = 0, ak = 0, aq = 0;
  const int has_bid = side_best(&b->sd[HFT_SIDE_BID], &bk, &bq);
  const int has_ask = side_best(&b->sd[HFT_SIDE_ASK], &ak, &aq);
  s[HFT_SUM_BID_PRICE] = has_bid ? (double)bk : -1.0;
  s[HFT_SUM_BID_QTY] = has_bid ? (double)bq : 0.0;
  s[HFT_SUM_ASK_PRICE] = has_ask ? (double)-ak : -1.0;
  s[HFT_SUM_ASK_QTY] = has_ask ? (double)aq : 0.0;
  s[HFT_SUM_UPDATES] = (double)(int64_t)b->updates; /* < 2^63: the signed conversion is shorter */
  s[HFT_SUM_BID_LEVELS] = (double)side_count(&b->sd[HFT_SIDE_BID]);
  s[HFT_SUM_ASK_LEVELS] = (double)side_count(&b->sd[HFT_SIDE_ASK]);
  s[HFT_SUM_CROSSED] = (has_bid && has_ask && bk >= -ak) ? 1.0 : 0.0;
}

const char* hft_status_name(hft_status status) {
  static const char* const names[HFT_STATUS_COUNT] = {
      "HFT_OK",
      "HFT_E_NULL_HANDLE",
      "HFT_E_NULL_POINTER",
      "HFT_E_BAD_PARAMS",
      "HFT_E_NO_MEMORY",
      "HFT_E_BAD_SIDE",
      "HFT_E_NOT_INTEGER",
      "HFT_E_PRICE_OUT_OF_RANGE",
      "HFT_E_NEGATIVE_QTY",
      "HFT_E_QTY_TOO_LARGE",
      "HFT_E_BOOK_FULL",
      "HFT_E_BATCH_TOO_LARGE",
      "HFT_E_BAD_COUNT",
      "HFT_E_DUPLICATE_LEVEL",
      "HFT_E_EMPTY_SIDE",
      "HFT_E_OVERFLOW",
      "HFT_E_CORRUPT",
  };
  if (status < 0 || status >= HFT_STATUS_COUNT) return "HFT_E_UNKNOWN";
  return names[status];
}

int32_t hft_layout(int32_t* out, int32_t cap) {
  const int32_t table[] = {
      (int32_t)sizeof(hft_book_params),
      (int32_t)offsetof(hft_book_params, min_price),
      (int32_t)offsetof(hft_book_params, max_price),
      (int32_t)offsetof(hft_book_params, max_levels),
      (int32_t)offsetof(hft_book_params, max_batch),
      (int32_t)sizeof(hft_level_update),
      (int32_t)offsetof(hft_level_update, price),
      (int32_t)offsetof(hft_level_update, qty),
      (int32_t)offsetof(hft_level_update, side),
      (int32_t)offsetof(hft_level_update, reserved),
      HFT_F64_STRIDE,
      HFT_F64_SIDE,
      HFT_F64_PRICE,
      HFT_F64_QTY,
      HFT_SUM_LEN,
      HFT_SUM_BID_PRICE,
      HFT_SUM_BID_QTY,
      HFT_SUM_ASK_PRICE,
      HFT_SUM_ASK_QTY,
      HFT_SUM_UPDATES,
      HFT_SUM_BID_LEVELS,
      HFT_SUM_ASK_LEVELS,
      HFT_SUM_CROSSED,
      HFT_STATUS_COUNT,
      HFT_SIDE_BID,
      HFT_SIDE_ASK,
      HFT_MAX_LEVELS_LIMIT,
      HFT_MAX_BATCH_LIMIT,
      (int32_t)sizeof(hft_cbook_params),
      (int32_t)offsetof(hft_cbook_params, max_venues),
      (int32_t)offsetof(hft_cbook_params, reserved),
      HFT_CB_STRIDE,
      HFT_ROUTE_HEADER,
      HFT_ROUTE_STRIDE,
      HFT_MAX_VENUES_LIMIT,
      (int32_t)sizeof(hft_depth_params),
      (int32_t)offsetof(hft_depth_params, price_unit),
      (int32_t)offsetof(hft_depth_params, qty_unit),
      (int32_t)offsetof(hft_depth_params, max_ticks),
      (int32_t)offsetof(hft_depth_params, max_lots),
      (int32_t)offsetof(hft_depth_params, venue),
      (int32_t)offsetof(hft_depth_params, price_decimals),
      (int32_t)offsetof(hft_depth_params, qty_decimals),
      (int32_t)offsetof(hft_depth_params, max_frame),
      (int32_t)offsetof(hft_depth_params, max_levels),
      (int32_t)offsetof(hft_depth_params, reserved),
      (int32_t)offsetof(hft_depth_params, key),
      HFT_DEPTH_KEY_MAX,
      HFT_DEPTH_MAX_FRAME_LIMIT,
      HFT_VENUE_BINANCE,
      HFT_VENUE_OKX,
      HFT_DEPTH_LIVE,
      HFT_DEPTH_UNSYNCED,
      HFT_DEPTH_REHEARSE,
      HFT_DEPTH_STATUS_COUNT,
      HFT_LEVEL_NOT_ARRAY,
      HFT_LEVEL_MALFORMED,
      HFT_LEVEL_OUT_OF_RANGE,
      HFT_LEVEL_STAGING_FULL,
      HFT_DR_LEN,
      HFT_DR_FIRST,
      HFT_DR_LAST,
      HFT_DR_EVENT_TIME,
      HFT_DR_BIDS,
      HFT_DR_ASKS,
      HFT_DR_SNAPSHOT,
      HFT_DR_LEVEL_ERROR,
      HFT_DR_BOOK_STATUS,
      HFT_DR_SEQ_RESET,
  };
  const int32_t n = (int32_t)(sizeof(table) / sizeof(table[0]));
  if (out != NULL) {
    for (int32_t i = 0; i < n && i < cap; i++) out[i] = table[i];
  }
  return n;
}

/* ---- lifecycle ---- */

/* Largest value the fast batch pass takes for a price or a qty: its integer test (x + 2^52 - 2^52 ==
 * x) is exact below 2^52; larger legal values (up to 2^53-1) take the exact path. */
#define FAST_MAX 4503599627370495.0

/* The bounds batch_plain checks each lane against, once per book rather than once per batch. */
static void set_fast_bounds(hft_book* b) {
  const double pmin = (double)b->params.min_price;
  const double pmax = (double)b->params.max_price < FAST_MAX ? (double)b->params.max_price : FAST_MAX;
  const double lo[6] = {0.0, pmin, 0.0, 0.0, pmin, 0.0};
  const double hi[6] = {1.0, pmax, FAST_MAX, 1.0, pmax, FAST_MAX};
  memcpy(b->fast_lo, lo, sizeof lo);
  memcpy(b->fast_hi, hi, sizeof hi);
}

hft_status hft_book_create(const hft_book_params* params, hft_book** out) {
  if (params == NULL || out == NULL) return HFT_E_NULL_POINTER;
  const hft_book_params p = *params;
  if (p.min_price < 0 || p.max_price > HFT_MAX_PRICE || p.min_price > p.max_price) return HFT_E_BAD_PARAMS;
  if (p.max_levels < 1 || p.max_levels > HFT_MAX_LEVELS_LIMIT) return HFT_E_BAD_PARAMS;
  if (p.max_batch < 1 || p.max_batch > HFT_MAX_BATCH_LIMIT) return HFT_E_BAD_PARAMS;

  /* Ladder width: 4 ticks per level, a power of two in [256, 65536]. */
  int64_t slots = 256;
  while (slots < 4 * (int64_t)p.max_levels && slots < 65536) slots <<= 1;

  /* One block: header, 2 ladders, 4 level arrays (out + spare per side), staging, undo, f64 staging, ints. */
  const size_t ladder_bytes = (size_t)slots * sizeof(int64_t);
  const size_t levels_bytes = (size_t)p.max_levels * sizeof(level);
  const size_t staging_bytes = (size_t)p.max_batch * sizeof(hft_level_update);
  const size_t undo_bytes = (size_t)p.max_batch * sizeof(undo_entry);
  const size_t stage_f64_bytes = (size_t)p.max_batch * HFT_F64_STRIDE * sizeof(double);
  const size_t ints_bytes = (size_t)p.max_batch * HFT_F64_STRIDE * sizeof(int64_t);
  const size_t total = sizeof(hft_book) + 2 * ladder_bytes + 4 * levels_bytes + staging_bytes + undo_bytes +
                       stage_f64_bytes + ints_bytes;
  unsigned char* mem = (unsigned char*)calloc(1, total);
  if (mem == NULL) return HFT_E_NO_MEMORY;

  hft_book* b = (hft_book*)mem;
  unsigned char* cursor = mem + sizeof(hft_book);
  b->magic = BOOK_MAGIC;
  b->params = p;
  b->slots = (int32_t)slots;
  b->head = (int32_t)(slots / 4);
  for (int s = 0; s < 2; s++) {
    side_book* sb = &b->sd[s];
    sb->qty = (int64_t*)cursor;
    cursor += ladder_bytes;
    sb->out = (level*)cursor;
    cursor += levels_bytes;
    sb->base = 0;
    sb->sign = s == HFT_SIDE_BID ? 1 : -1;
    sb->best = -1;
    sb->lad_count = 0;
    sb->out_count = 0;
    b->spare[s] = (level*)cursor;
    cursor += levels_bytes;
  }
  b->staging = (hft_level_update*)cursor;
  cursor += staging_bytes;
  b->undo = (undo_entry*)cursor;
  cursor += undo_bytes;
  b->stage_f64 = (double*)cursor;
  cursor += stage_f64_bytes;
  b->ints = (int64_t*)cursor;
  b->updates = 0;
  set_fast_bounds(b);
  refresh_summary(b);
  *out = b;
  return HFT_OK;
}

hft_status hft_book_destroy(hft_book* book) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  book->magic = 0; /* a stale handle passed again is caught while the memory is not reused */
  free(book);
  return HFT_OK;
}

/* Empties a side (the ladder is zeroed only where levels were). */
static void clear_side(hft_book* b, side_book* sb) {
  if (sb->lad_count > 0) memset(sb->qty, 0, (size_t)(sb->best + 1) * sizeof(int64_t));
  (void)b;
  sb->best = -1;
  sb->lad_count = 0;
  sb->out_count = 0;
}

hft_status hft_book_clear(hft_book* book) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  clear_side(book, &book->sd[0]);
  clear_side(book, &book->sd[1]);
  book->updates++;
  refresh_summary(book);
  return HFT_OK;
}

/* ---- level maintenance ---- */

/* Index of the last level with key <= k, or -1. Most updates land within a few levels of the touch
 * (the tail), so: a short linear scan from the tail, then galloping (1, 2, 4, ... levels away), then a
 * branch-free bisection of the last gallop step; O(log d) for a level d away from the touch. */
static inline int32_t last_le(const level* a, int32_t n, int64_t k) {
  if (n < LINEAR_PROBE) {
    int32_t i = n - 1;
    while (i >= 0 && a[i].key > k) i--;
    return i;
  }
  /* keys are sorted, so the number of the last LINEAR_PROBE keys above k is the distance from the
   * tail: counted without branches, which beats a mispredicted loop exit */
  const level* t = a + n - LINEAR_PROBE;
  int32_t above = 0;
  for (int32_t j = 0; j < LINEAR_PROBE; j++) above += t[j].key > k;
  if (above < LINEAR_PROBE) return n - 1 - above;
  const int32_t stop = n - LINEAR_PROBE;
  if (stop == 0) return -1;
  /* a[stop].key > k: gallop towards the head for a level with key <= k */
  int32_t hi = stop; /* a[hi].key > k */
  int32_t step = LINEAR_PROBE;
  int32_t lo;         /* -1 or a[lo].key <= k */
  for (;;) {
    lo = hi - step;
    if (lo < 0) {
      lo = -1;
      break;
    }
    if (a[lo].key <= k) break;
    hi = lo;
    step <<= 1;
  }
  /* answer in [lo, hi - 1]: bisect without data-dependent branches */
  int32_t len = hi - lo; /* candidates lo+1 .. hi, answer = last with key <= k, or lo */
  int32_t base = lo + 1;
  while (len > 1) {
    const int32_t half = len >> 1;
    base = a[base + half - 1].key <= k ? base + half : base;
    len -= half;
  }
  /* base is the first index in [lo+1, hi] whose key > k, or hi */
  return a[base].key <= k ? base : base - 1;
}

/* Sets qty at key in the sorted `out` array (0 deletes). */
static inline hft_status set_out(hft_book* b, side_book* sb, int64_t key, int64_t qty, int64_t* old) {
  level* a = sb->out;
  const int32_t n = sb->out_count;
  const int32_t i = last_le(a, n, key);
  if (i >= 0 && a[i].key == key) {
    *old = a[i].qty;
    if (qty > 0) {
      a[i].qty = qty;
    } else {
      memmove(&a[i], &a[i + 1], (size_t)(n - i - 1) * sizeof(level));
      sb->out_count = n - 1;
    }
    return HFT_OK;
  }
  *old = 0;
  if (qty == 0) return HFT_OK;
  if (side_count(sb) >= b->params.max_levels) return HFT_E_BOOK_FULL;
  memmove(&a[i + 2], &a[i + 1], (size_t)(n - i - 1) * sizeof(level));
  a[i + 1].key = key;
  a[i + 1].qty = qty;
  sb->out_count = n + 1;
  return HFT_OK;
}

/* Moves the window up so that `key` lands `head` slots below its top; ladder levels that fall
 * below the new base go to the tail of `out` (they are above everything already there). */
static void shift_up(hft_book* b, side_book* sb, int64_t key) {
  const int32_t slots = b->slots;
  const int64_t new_base = key - (slots - b->head - 1);
  const int64_t shift64 = new_base - sb->base;
  HFT_ASSERT(shift64 > 0);
  const int32_t shift = shift64 < slots ? (int32_t)shift64 : slots;
  if (sb->lad_count > 0) {
    for (int32_t i = 0; i < shift && i <= sb->best; i++) {
      if (sb->qty[i] != 0) {
        sb->out[sb->out_count].key = sb->base + i;
        sb->out[sb->out_count].qty = sb->qty[i];
        sb->out_count++;
        sb->lad_count--;
      }
    }
    if (shift < slots) {
      memmove(sb->qty, sb->qty + shift, (size_t)(slots - shift) * sizeof(int64_t));
      memset(sb->qty + (slots - shift), 0, (size_t)shift * sizeof(int64_t));
    } else {
      memset(sb->qty, 0, (size_t)slots * sizeof(int64_t));
    }
    sb->best = sb->best >= shift ? sb->best - shift : -1;
  }
  sb->base = new_base;
  HFT_ASSERT(sb->lad_count >= 0 && (sb->lad_count == 0) == (sb->best < 0));
}

/* Moves the window down so that the best level sits `head` slots below its top again, pulling the
 * tail of `out` into the ladder. Called after a batch when the best has drifted low in (or out of)
 * the window, so falling prices keep hitting the ladder. */
static __attribute__((noinline)) void shift_down(hft_book* b, side_book* sb) {
  const int32_t slots = b->slots;
  int64_t bk, bq;
  if (!side_best(sb, &bk, &bq)) return;
  const int64_t new_base = bk - (slots - b->head - 1);
  const int64_t shift64 = sb->base - new_base;
  if (shift64 <= 0) return;
  if (sb->lad_count > 0) {
    HFT_ASSERT(shift64 < slots); /* the best is in the ladder and lands inside the window */
    const int32_t shift = (int32_t)shift64;
    memmove(sb->qty + shift, sb->qty, (size_t)(slots - shift) * sizeof(int64_t));
    memset(sb->qty, 0, (size_t)shift * sizeof(int64_t));
  }
  sb->base = new_base;
  while (sb->out_count > 0 && sb->out[sb->out_count - 1].key >= new_base) {
    const level* l = &sb->out[sb->out_count - 1];
    sb->qty[l->key - new_base] = l->qty;
    sb->out_count--;
    sb->lad_count++;
  }
  sb->best = (int32_t)(bk - new_base);
  HFT_ASSERT(sb->qty[sb->best] == bq);
}

/* Finds the new best ladder slot after the best one was emptied (near the touch levels are dense). */
static inline void rescan_best(side_book* sb) {
  if (sb->lad_count == 0) { /* sparse books: do not scan an empty window */
    sb->best = -1;
    return;
  }
  int32_t j = sb->best - 1;
  while (j >= 0 && sb->qty[j] == 0) j--;
  sb->best = j;
}

/* set_level for everything but a key inside the window: empty sides, window moves, deep levels. */
static __attribute__((noinline)) hft_status set_level_slow(hft_book* b, int32_t s, int64_t key, int64_t qty,
                                                            int64_t* old) {
  side_book* sb = &b->sd[s];
  if (side_count(sb) == 0) {
    if (qty == 0) {
      *old = 0;
      return HFT_OK;
    }
    sb->base = key - (b->slots - b->head - 1); /* empty side: place the window freely */
  }
  int64_t off = key - sb->base;
  if (off >= b->slots) {
    *old = 0;
    if (qty == 0) return HFT_OK; /* nothing lives above the window */
    if (side_count(sb) >= b->params.max_levels) return HFT_E_BOOK_FULL;
    shift_up(b, sb, key);
    off = key - sb->base;
  }
  if (off < 0) return set_out(b, sb, key, qty, old);
  const int32_t i = (int32_t)off;
  const int64_t o = sb->qty[i];
  *old = o;
  if (qty > 0) {
    if (o == 0) {
      if (side_count(sb) >= b->params.max_levels) return HFT_E_BOOK_FULL;
      sb->lad_count++;
      if (i > sb->best) sb->best = i;
    }
    sb->qty[i] = qty;
  } else if (o != 0) {
    sb->qty[i] = 0;
    sb->lad_count--;
    if (i == sb->best) rescan_best(sb);
  }
  return HFT_OK;
}

/* Sets the qty at key (0 deletes). *old gets the previous qty (0 if absent). Fails only when a new
 * level would not fit. The common case, a key inside the window, is a few instructions inline. */
static inline hft_status set_level(hft_book* b, int32_t s, int64_t key, int64_t qty, int64_t* old) {
  side_book* sb = &b->sd[s];
  const uint64_t off = (uint64_t)(key - sb->base); /* keys are within +-2^53: no overflow */
  if (off >= (uint64_t)b->slots) return set_level_slow(b, s, key, qty, old);
  const int32_t i = (int32_t)off;
  const int64_t o = sb->qty[i];
  *old = o;
  if (qty > 0) {
    if (o == 0) {
      if (side_count(sb) >= b->params.max_levels) return HFT_E_BOOK_FULL;
      sb->lad_count++;
      if (i > sb->best) sb->best = i;
    }
    sb->qty[i] = qty;
  } else if (o != 0) {
    sb->qty[i] = 0;
    sb->lad_count--;
    if (i == sb->best) rescan_best(sb);
  }
  return HFT_OK;
}

/* After a batch: re-place a window whose best level drifted into its lowest quarter (or out). */
static inline __attribute__((always_inline)) void maybe_shift_down(hft_book* b) {
  for (int s = 0; s < 2; s++) {
    side_book* sb = &b->sd[s];
    /* slots is a positive power of two: a shift, not a signed division, per side and batch */
    if (sb->best < (int32_t)((uint32_t)b->slots >> 2) && side_count(sb) > 0) shift_down(b, sb);
  }
}

/* Checks one int64 update in the documented order; HFT_OK when acceptable. */
static inline hft_status check_update(const hft_book* b, int32_t side, int64_t price, int64_t qty) {
  if (side != HFT_SIDE_BID && side != HFT_SIDE_ASK) return HFT_E_BAD_SIDE;
  if (price < b->params.min_price || price > b->params.max_price) return HFT_E_PRICE_OUT_OF_RANGE;
  if (qty < 0) return HFT_E_NEGATIVE_QTY;
  if (qty > HFT_MAX_QTY) return HFT_E_QTY_TOO_LARGE;
  return HFT_OK;
}

/* An exact integer of magnitude < 2^53 as int64, or 0 (NaN and infinities fail the range test). */
static inline int f64_to_i64(double v, int64_t* out) {
  if (!(v >= -9007199254740991.0 && v <= 9007199254740991.0)) return 0;
  const int64_t i = (int64_t)v;
  if ((double)i != v) return 0;
  *out = i;
  return 1;
}

/* Converts and checks one f64 record in the documented order (side, price, range, qty). */
static inline hft_status convert_record(const hft_book* b, const double* r, hft_level_update* u) {
  const double sd = r[HFT_F64_SIDE];
  if (sd == 0.0) {
    u->side = HFT_SIDE_BID;
  } else if (sd == 1.0) {
    u->side = HFT_SIDE_ASK;
  } else {
    return HFT_E_BAD_SIDE;
  }
  if (!f64_to_i64(r[HFT_F64_PRICE], &u->price)) return HFT_E_NOT_INTEGER;
  if (u->price < b->params.min_price || u->price > b->params.max_price) return HFT_E_PRICE_OUT_OF_RANGE;
  if (!f64_to_i64(r[HFT_F64_QTY], &u->qty)) return HFT_E_NOT_INTEGER;
  if (u->qty < 0) return HFT_E_NEGATIVE_QTY;
  u->reserved = 0;
  return HFT_OK; /* |qty| < 2^53 already, so HFT_E_QTY_TOO_LARGE cannot happen here */
}

/* Applies already-checked updates; rolls back and fails if a side overflows. */
static hft_status apply_checked(hft_book* b, const hft_level_update* ups, int32_t count, int32_t inserts_bid,
                                int32_t inserts_ask) {
  const int32_t max = b->params.max_levels;
  const int may_overflow =
      side_count(&b->sd[0]) + inserts_bid > max || side_count(&b->sd[1]) + inserts_ask > max;
  if (!may_overflow) {
    for (int32_t i = 0; i < count; i++) {
      int64_t old;
      const hft_status st = set_level(b, ups[i].side, to_key(ups[i].side, ups[i].price), ups[i].qty, &old);
      HFT_ASSERT(st == HFT_OK);
      (void)st;
    }
  } else {
    for (int32_t i = 0; i < count; i++) {
      const int32_t s = ups[i].side;
      const int64_t key = to_key(s, ups[i].price);
      int64_t old;
      const hft_status st = set_level(b, s, key, ups[i].qty, &old);
      if (st != HFT_OK) {
        for (int32_t j = i - 1; j >= 0; j--) {
          int64_t ignored;
          const hft_status back = set_level(b, b->undo[j].side, b->undo[j].key, b->undo[j].qty, &ignored);
          HFT_ASSERT(back == HFT_OK);
          (void)back;
        }
        maybe_shift_down(b);
        return st;
      }
      b->undo[i].key = key;
      b->undo[i].qty = old;
      b->undo[i].side = s;
    }
  }
  maybe_shift_down(b);
  b->updates++;
  refresh_summary(b);
  return HFT_OK;
}

hft_status hft_book_apply_batch(hft_book* book, const hft_level_update* updates, int32_t count) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  if (count < 0) return HFT_E_BAD_COUNT;
  if (count > book->params.max_batch) return HFT_E_BATCH_TOO_LARGE;
  if (updates == NULL && count > 0) return HFT_E_NULL_POINTER;
  int32_t inserts[2] = {0, 0};
  for (int32_t i = 0; i < count; i++) {
    const hft_status st = check_update(book, updates[i].side, updates[i].price, updates[i].qty);
    if (st != HFT_OK) return st;
    inserts[updates[i].side] += updates[i].qty > 0;
  }
  return apply_checked(book, updates, count, inserts[0], inserts[1]);
}

/* The exact, two-pass batch: convert_record in documented order, then apply_checked (which rolls
 * back on HFT_E_BOOK_FULL). The reference semantics, taken only when the fast pass bails out. */
static __attribute__((noinline)) hft_status apply_batch_f64_exact(hft_book* book, const double* records,
                                                                  int32_t count) {
  int32_t inserts[2] = {0, 0};
  hft_level_update* ups = book->staging;
  for (int32_t i = 0; i < count; i++) {
    const hft_status st = convert_record(book, records + (size_t)i * HFT_F64_STRIDE, &ups[i]);
    if (st != HFT_OK) return st;
    inserts[ups[i].side] += ups[i].qty > 0;
  }
  return apply_checked(book, ups, count, inserts[0], inserts[1]);
}

/* Undoes the first n updates of a failed fast pass, newest first, so the book is as it was. Those
 * records passed batch_plain, so their side and price are re-read from them; only the old qty was
 * logged. */
static __attribute__((noinline)) void undo_fast(hft_book* b, const double* records, int32_t n) {
  for (int32_t j = n - 1; j >= 0; j--) {
    const double* r = records + (size_t)j * HFT_F64_STRIDE;
    const int32_t s = (int32_t)r[HFT_F64_SIDE];
    const int64_t price = (int64_t)r[HFT_F64_PRICE];
    int64_t ignored;
    const hft_status back = set_level(b, s, to_key(s, price), b->undo[j].qty, &ignored);
    HFT_ASSERT(back == HFT_OK);
    (void)back;
  }
  maybe_shift_down(b);
}

#if HFT_SSE2
/* Folds one pair of doubles into the batch's tests: diff collects the bits of (x + 2^52 - 2^52) - x
 * (zero for every integer x in [0, 2^52); NaN, infinities and fractions leave bits), mx and mn keep
 * the pair's running maximum and minimum per lane, and out gets the pair as int64s: for such an x the
 * bits of x + 2^52 less those of 2^52 are x itself, so the apply loop reads integers (one load each)
 * instead of converting doubles (cvttsd2si) again. 9 instructions per 2 doubles, no branch. */
#define FOLD_PAIR(x, mx, mn, out)                                                   \
  do {                                                                              \
    const __m128d x_ = (x);                                                         \
    const __m128d t_ = _mm_add_pd(x_, two52);                                       \
    diff = _mm_or_pd(diff, _mm_sub_pd(_mm_sub_pd(t_, two52), x_));                  \
    mx = _mm_max_pd(mx, x_);                                                        \
    mn = _mm_min_pd(mn, x_);                                                        \
    out = _mm_sub_epi64(_mm_castpd_si128(t_), _mm_castpd_si128(two52));             \
  } while (0)
#endif

/*
 * Whether every record of a batch is one the fast pass applies as it is: side 0 or 1 (or -0.0, a bid),
 * price an integer in [min_price, max_price] and below 2^52, qty an integer in [0, 2^52). Checked for
 * the whole batch before anything is applied, with SSE2 two doubles at a time and one branch per
 * batch: a batch that fails (any odd record, or values the fast tests do not cover) goes whole to the
 * exact path, so nothing is applied twice or undone for a bad record. The records are written to
 * `ints` as {side, price, qty} int64s as they are read (meaningful only when the answer is yes).
 */
static inline __attribute__((always_inline)) int batch_plain(const hft_book* b, const double* records, int32_t count,
                                                             int64_t* ints) {
#if HFT_SSE2
  /* Two records are three pairs: (side0, price0), (qty0, side1), (price1, qty1), each pair position
   * with its lanes' bounds. */
  const __m128d two52 = _mm_set1_pd(4503599627370496.0);
  const __m128d lo0 = _mm_loadu_pd(b->fast_lo), lo1 = _mm_loadu_pd(b->fast_lo + 2), lo2 = _mm_loadu_pd(b->fast_lo + 4);
  const __m128d hi0 = _mm_loadu_pd(b->fast_hi), hi1 = _mm_loadu_pd(b->fast_hi + 2), hi2 = _mm_loadu_pd(b->fast_hi + 4);
  __m128d diff = _mm_setzero_pd();
  __m128d mx0 = lo0, mx1 = lo1, mx2 = lo2; /* a bound is a neutral start for the running max/min */
  __m128d mn0 = hi0, mn1 = hi1, mn2 = hi2;
  const double* r = records;
  const double* const pairs_end = records + (size_t)(count & ~1) * HFT_F64_STRIDE;
  __m128i o0, o1, o2;
  int64_t* w = ints;
  for (; r < pairs_end; r += 2 * HFT_F64_STRIDE, w += 2 * HFT_F64_STRIDE) {
    FOLD_PAIR(_mm_loadu_pd(r), mx0, mn0, o0);
    FOLD_PAIR(_mm_loadu_pd(r + 2), mx1, mn1, o1);
    FOLD_PAIR(_mm_loadu_pd(r + 4), mx2, mn2, o2);
    _mm_storeu_si128((__m128i*)w, o0);
    _mm_storeu_si128((__m128i*)(w + 2), o1);
    _mm_storeu_si128((__m128i*)(w + 4), o2);
  }
  if (count & 1) {
    FOLD_PAIR(_mm_loadu_pd(r), mx0, mn0, o0);
    FOLD_PAIR(_mm_load_sd(r + 2), mx1, mn1, o1); /* qty in the low lane, 0.0 in the (side) high lane */
    _mm_storeu_si128((__m128i*)w, o0);
    _mm_storel_epi64((__m128i*)(w + 2), o1);
  }
  /* all lanes: max <= hi, min >= lo (false for NaN, which diff has caught anyway), diff all zero */
  __m128d ok = _mm_and_pd(_mm_and_pd(_mm_cmple_pd(mx0, hi0), _mm_cmple_pd(mx1, hi1)), _mm_cmple_pd(mx2, hi2));
  ok = _mm_and_pd(ok, _mm_and_pd(_mm_and_pd(_mm_cmpge_pd(mn0, lo0), _mm_cmpge_pd(mn1, lo1)), _mm_cmpge_pd(mn2, lo2)));
  const __m128i zero = _mm_cmpeq_epi32(_mm_castpd_si128(diff), _mm_setzero_si128());
  return _mm_movemask_pd(ok) == 3 && _mm_movemask_epi8(zero) == 0xFFFF;
#else
  const double pmin = b->fast_lo[1];
  const double pmax = b->fast_hi[1];
  int good = 1;
  for (int32_t i = 0; i < count; i++) {
    const double* r = records + (size_t)i * HFT_F64_STRIDE;
    const double sd = r[HFT_F64_SIDE];
    const double pd = r[HFT_F64_PRICE];
    const double qd = r[HFT_F64_QTY];
    /* the range tests first, so the casts below only see values that fit */
    const int in_range = ((sd == 0.0) | (sd == 1.0)) & (pd >= pmin) & (pd <= pmax) & (qd >= 0.0) & (qd <= FAST_MAX);
    if (!in_range) return 0;
    int64_t* const w = ints + (size_t)i * HFT_F64_STRIDE;
    w[HFT_F64_SIDE] = (int64_t)sd;
    w[HFT_F64_PRICE] = (int64_t)pd;
    w[HFT_F64_QTY] = (int64_t)qd;
    good &= ((double)w[HFT_F64_PRICE] == pd) & ((double)w[HFT_F64_QTY] == qd);
  }
  return good;
#endif
}

/* The book's limits, read once per batch: the level stores inside would otherwise make the compiler
 * read them again for every record (an int32 store may alias them). */
typedef struct batch_limits {
  uint64_t slots;
  int32_t max_levels;
} batch_limits;

static inline batch_limits limits_of(const hft_book* book) {
  const batch_limits lim = {(uint64_t)book->slots, book->params.max_levels};
  return lim;
}

/*
 * Applies one record of a batch known to be good (integers, a side of 0 or 1, a price in range) when a
 * side could fill (the checked passes; see free_pass for the others), its old qty going to *u.
 * Returns 0 when the record would overflow its side (nothing changed then).
 */
static inline __attribute__((always_inline)) int apply_one(hft_book* book, const batch_limits* lim, int64_t s,
                                                           int64_t p, int64_t q, undo_entry* u) {
  side_book* sb = &book->sd[s];
  const int64_t key = p * sb->sign;
  const uint64_t off = (uint64_t)(key - sb->base);
  if (__builtin_expect(off < lim->slots, 1)) {
    /* Slots above `best` are empty, and the `best` slot is not, which is what lets the tests below
     * skip the old qty. */
    int64_t* const cell = sb->qty + off;
    const int64_t o = *cell;
    const int32_t at = (int32_t)off;
    const int32_t delta = (q != 0) - (o != 0);
    u->qty = o;
    *cell = q;
    sb->lad_count += delta;
    if (__builtin_expect(side_count(sb) > lim->max_levels, 0)) { /* only an insert */
      *cell = o;
      sb->lad_count -= delta;
      return 0;
    }
    const int32_t best = sb->best;
    sb->best = ((q != 0) & (at > best)) ? at : best;
    if (__builtin_expect((q == 0) & (at == best), 0)) rescan_best(sb);
    return 1;
  }
  int64_t old;
  if (set_level_slow(book, (int32_t)s, key, q, &old) != HFT_OK) return 0;
  u->qty = old;
  return 1;
}

/*
 * Applies a batch batch_plain accepted, record by record, when a side could fill. Returns the records
 * applied: all of them, unless a side would overflow, when the caller undoes the pass and hands the
 * batch to the exact two-pass path, so statuses and the rollback guarantee are those of
 * apply_batch_f64_exact.
 */
static inline __attribute__((always_inline)) int32_t checked_pass(hft_book* book, const int64_t* records,
                                                                  int32_t count) {
  const batch_limits lim = limits_of(book);
  undo_entry* u = book->undo;
  const int64_t* const end = records + (size_t)count * HFT_F64_STRIDE;
  for (const int64_t* r = records; r < end; r += HFT_F64_STRIDE, u++) {
    if (!apply_one(book, &lim, r[HFT_F64_SIDE], r[HFT_F64_PRICE], r[HFT_F64_QTY], u)) break;
  }
  return (int32_t)(u - book->undo);
}

/*
 * The unchecked passes (no side can fill: no capacity test, no undo log) keep each side's ladder count
 * and a bound on its best slot in registers and settle the best slot once per batch, with no branch
 * on the data. apply_one's `(q == 0) & (at == best)` test compiles to branches on the qty, which a
 * stream of mixed inserts, changes and deletes mispredicts: the C book's time per level followed the
 * share of deletes (4.2 ns at 10 %, 6.3 at 30 %, 7.3 at 50 % on a native loop; bench/RESULTS.md), not
 * its instruction count. Settling `best` once is right because every slot above the old best was
 * empty and the batch fills only the slots it inserts: the best is the first non-empty slot at or
 * below the highest of both.
 */
typedef struct side_regs {
  int64_t* qty;  /* the ladder */
  int32_t count; /* non-empty ladder slots */
  int32_t top;   /* every slot above it is empty: the old best, raised by each insert */
} side_regs;

static inline side_regs regs_load(const side_book* sb) {
  const side_regs r = {sb->qty, sb->lad_count, sb->best};
  return r;
}

/* Stores a side's registers back; its best slot is the first non-empty one from `top` down. */
static inline void regs_store(side_book* sb, const side_regs* r) {
  sb->lad_count = r->count;
  int32_t j = r->count > 0 ? r->top : -1;
  while (j >= 0 && r->qty[j] == 0) j--;
  sb->best = j;
}

/* A record outside its side's window in an unchecked pass: both sides settled first, as
 * set_level_slow reads and moves them (the window, its best), and read again after. */
static __attribute__((noinline)) void apply_outside(hft_book* book, side_regs* r, int32_t s, int64_t key,
                                                    int64_t q) {
  regs_store(&book->sd[0], &r[0]);
  regs_store(&book->sd[1], &r[1]);
  int64_t old;
  const hft_status st = set_level_slow(book, s, key, q, &old);
  HFT_ASSERT(st == HFT_OK); /* unchecked: every side has room for the whole batch */
  (void)st;
  r[0] = regs_load(&book->sd[0]);
  r[1] = regs_load(&book->sd[1]);
}

/* Both sides' counts in one register, bids in the low half, so a record adds its delta << 32 * side. */
static inline uint64_t counts_pack(const side_regs* r) {
  return (uint64_t)(uint32_t)r[0].count + ((uint64_t)(uint32_t)r[1].count << 32);
}

static inline void counts_unpack(uint64_t counts, side_regs* r) {
  r[0].count = (int32_t)(uint32_t)counts; /* both counts are in [0, 2^31): the halves are exact */
  r[1].count = (int32_t)((counts - (uint32_t)counts) >> 32);
}

/* An unchecked batch of records batch_plain converted ({side, price, qty} int64s), sides mixed record
 * by record: the side picks its count and bound by mask. */
static inline __attribute__((always_inline)) void free_pass(hft_book* book, const int64_t* records, int32_t count) {
  const uint64_t slots = (uint64_t)book->slots;
  side_book* const sd = book->sd;
  side_regs r[2] = {regs_load(&sd[0]), regs_load(&sd[1])};
  uint64_t counts = counts_pack(r);
  int32_t t0 = r[0].top, t1 = r[1].top;
  const int64_t* const end = records + (size_t)count * HFT_F64_STRIDE;
  for (const int64_t* rec = records; rec < end; rec += HFT_F64_STRIDE) {
    const int64_t s = rec[HFT_F64_SIDE];
    const int64_t q = rec[HFT_F64_QTY];
    const side_book* const sb = &sd[s];
    const int64_t key = rec[HFT_F64_PRICE] * sb->sign;
    const uint64_t off = (uint64_t)(key - sb->base);
    if (__builtin_expect(off < slots, 1)) {
      int64_t* const cell = sb->qty + off;
      const int64_t o = *cell;
      *cell = q;
      counts += (uint64_t)((int64_t)(q != 0) - (int64_t)(o != 0)) << (32 * s);
      const int32_t cand = q != 0 ? (int32_t)off : -1;
      const int32_t ask = -(int32_t)s; /* all ones for an ask */
      const int32_t k0 = cand | ask, k1 = cand | ~ask;
      t0 = k0 > t0 ? k0 : t0;
      t1 = k1 > t1 ? k1 : t1;
    } else {
      counts_unpack(counts, r);
      r[0].top = t0, r[1].top = t1;
      apply_outside(book, r, (int32_t)s, key, q);
      counts = counts_pack(r);
      t0 = r[0].top, t1 = r[1].top;
    }
  }
  counts_unpack(counts, r);
  r[0].top = t0, r[1].top = t1;
  regs_store(&sd[0], &r[0]);
  regs_store(&sd[1], &r[1]);
}

/* free_pass for one side's {ticks, lots} pairs (the depth decoder's): the side is known, no masks. */
static inline __attribute__((always_inline)) void free_side(hft_book* book, int32_t s, const int64_t* lv,
                                                            int32_t n) {
  const uint64_t slots = (uint64_t)book->slots;
  side_book* const sb = &book->sd[s];
  side_regs r[2] = {regs_load(&book->sd[0]), regs_load(&book->sd[1])};
  int32_t count = r[s].count, top = r[s].top;
  for (const int64_t* const end = lv + 2 * (size_t)n; lv < end; lv += 2) {
    const int64_t key = s == HFT_SIDE_BID ? lv[0] : -lv[0];
    const int64_t q = lv[1];
    const uint64_t off = (uint64_t)(key - sb->base);
    if (__builtin_expect(off < slots, 1)) {
      int64_t* const cell = sb->qty + off;
      const int64_t o = *cell;
      *cell = q;
      count += (q != 0) - (o != 0);
      const int32_t cand = q != 0 ? (int32_t)off : -1;
      top = cand > top ? cand : top;
    } else {
      r[s].count = count, r[s].top = top;
      apply_outside(book, r, s, key, q);
      count = r[s].count, top = r[s].top;
    }
  }
  r[s].count = count, r[s].top = top;
  regs_store(sb, &r[s]);
}

/* After a pass that applied every record: the window and the summary. */
static inline void finish_batch(hft_book* book) {
  maybe_shift_down(book);
  book->updates++;
  refresh_summary(book);
}

hft_status hft_book_apply_batch_f64(hft_book* book, const double* records, int32_t count) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  if (count < 0) return HFT_E_BAD_COUNT;
  if (count > book->params.max_batch) return HFT_E_BATCH_TOO_LARGE;
  if (records == NULL && count > 0) return HFT_E_NULL_POINTER;
  if (__builtin_expect(!batch_plain(book, records, count, book->ints), 0))
    return apply_batch_f64_exact(book, records, count);
  /* Each record adds at most one level to its side, so when both sides have room for the whole batch
   * no insert can fail and the pass needs neither capacity checks nor an undo log. */
  const int32_t room = book->params.max_levels - count;
  if (side_count(&book->sd[0]) <= room && side_count(&book->sd[1]) <= room) {
    free_pass(book, book->ints, count);
  } else {
    const int32_t i = checked_pass(book, book->ints, count);
    if (__builtin_expect(i < count, 0)) {
      undo_fast(book, records, i);
      return apply_batch_f64_exact(book, records, count);
    }
  }
  finish_batch(book);
  return HFT_OK;
}

/* One side's {ticks, lots} pairs through apply_one; the records applied before an overflow. */
static inline __attribute__((always_inline)) int32_t levels_pass(hft_book* book, int64_t s, const int64_t* lv,
                                                                int32_t n, undo_entry* u) {
  const batch_limits lim = limits_of(book);
  for (int32_t i = 0; i < n; i++, lv += 2, u++) {
    if (!apply_one(book, &lim, s, lv[0], lv[1], u)) return i;
  }
  return n;
}

/* Both sides' levels when a side could fill, bids first, as staged; the records applied (all, unless
 * one overflowed). */
static inline __attribute__((always_inline)) int32_t levels_both(hft_book* book, const int64_t* bids, int32_t nb,
                                                                const int64_t* asks, int32_t na) {
  const int32_t i = levels_pass(book, HFT_SIDE_BID, bids, nb, book->undo);
  if (i < nb) return i;
  return nb + levels_pass(book, HFT_SIDE_ASK, asks, na, book->undo + nb);
}

/* Whether the ticks of n {ticks, lots} pairs all lie in [lo, hi]. */
static int ticks_within(const int64_t* lv, int32_t n, int64_t lo, int64_t hi) {
  int64_t min = INT64_MAX;
  int64_t max = INT64_MIN;
  for (int32_t i = 0; i < n; i++) {
    min = lv[2 * i] < min ? lv[2 * i] : min;
    max = lv[2 * i] > max ? lv[2 * i] : max;
  }
  return n == 0 || (min >= lo && max <= hi);
}

hft_status hft_book_apply_levels(hft_book* book, const double* staged, const int64_t* bids, int32_t nb,
                                 const int64_t* asks, int32_t na, int64_t max_ticks) {
  const int32_t count = nb + na;
  HFT_ASSERT(valid_book(book) && nb >= 0 && na >= 0 && count <= book->params.max_batch);
  /* the decoder's levels are integers in [1, max_ticks] ticks and [0, 2^53) lots: only the book's own
   * price range can refuse them, and only when it is narrower (a level outside it is the exact path's
   * to report) */
  const int64_t lo = book->params.min_price;
  const int64_t hi = book->params.max_price;
  if ((lo > 1 || hi < max_ticks) && !(ticks_within(bids, nb, lo, hi) && ticks_within(asks, na, lo, hi)))
    return apply_batch_f64_exact(book, staged, count);
  const int32_t room = book->params.max_levels - count;
  if (side_count(&book->sd[0]) <= room && side_count(&book->sd[1]) <= room) {
    free_side(book, HFT_SIDE_BID, bids, nb);
    free_side(book, HFT_SIDE_ASK, asks, na);
  } else {
    const int32_t i = levels_both(book, bids, nb, asks, na);
    if (__builtin_expect(i < count, 0)) {
      undo_fast(book, staged, i);
      return apply_batch_f64_exact(book, staged, count);
    }
  }
  finish_batch(book);
  return HFT_OK;
}

/* ---- snapshots ---- */

static void sift_down(level* a, int32_t root, int32_t n) {
  for (;;) {
    int32_t child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && a[child + 1].key > a[child].key) child++;
    if (a[root].key >= a[child].key) return;
    const level t = a[root];
    a[root] = a[child];
    a[child] = t;
    root = child;
  }
}

/* Sorts ascending by key without allocating: O(n) for sorted or reversed input, else heapsort. */
static void sort_levels(level* a, int32_t n) {
  int ascending = 1;
  int descending = 1;
  for (int32_t i = 1; i < n && (ascending || descending); i++) {
    if (a[i - 1].key > a[i].key) ascending = 0;
    if (a[i - 1].key < a[i].key) descending = 0;
  }
  if (ascending) return;
  if (descending) {
    for (int32_t i = 0, j = n - 1; i < j; i++, j--) {
      const level t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return;
  }
  for (int32_t i = n / 2 - 1; i >= 0; i--) sift_down(a, i, n);
  for (int32_t end = n - 1; end > 0; end--) {
    const level t = a[0];
    a[0] = a[end];
    a[end] = t;
    sift_down(a, 0, end);
  }
}

/* Sorts the spare arrays, rejects duplicates, and swaps them in. */
static hft_status finish_snapshot(hft_book* b, const int32_t* n, int overflow) {
  if (overflow) return HFT_E_BOOK_FULL;
  for (int s = 0; s < 2; s++) {
    sort_levels(b->spare[s], n[s]);
    for (int32_t i = 1; i < n[s]; i++) {
      if (b->spare[s][i - 1].key == b->spare[s][i].key) return HFT_E_DUPLICATE_LEVEL;
    }
  }
  for (int s = 0; s < 2; s++) {
    side_book* sb = &b->sd[s];
    const level* src = b->spare[s];
    clear_side(b, sb);
    if (n[s] == 0) continue;
    sb->base = src[n[s] - 1].key - (b->slots - b->head - 1);
    int32_t split = 0; /* first level inside the window */
    while (split < n[s] && src[split].key < sb->base) split++;
    memcpy(sb->out, src, (size_t)split * sizeof(level));
    sb->out_count = split;
    for (int32_t i = split; i < n[s]; i++) sb->qty[src[i].key - sb->base] = src[i].qty;
    sb->lad_count = n[s] - split;
    sb->best = (int32_t)(src[n[s] - 1].key - sb->base);
  }
  b->updates++;
  refresh_summary(b);
  return HFT_OK;
}

/* Appends a checked level to the spare side, or flags overflow (checking goes on regardless). */
static inline void stage_snapshot_level(hft_book* b, int32_t s, int64_t price, int64_t qty, int32_t* n,
                                        int* overflow) {
  if (qty == 0) return;
  if (n[s] >= b->params.max_levels) {
    *overflow = 1;
    return;
  }
  b->spare[s][n[s]].key = to_key(s, price);
  b->spare[s][n[s]].qty = qty;
  n[s]++;
}

hft_status hft_book_apply_snapshot(hft_book* book, const hft_level_update* levels, int32_t count) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  if (count < 0) return HFT_E_BAD_COUNT;
  if (levels == NULL && count > 0) return HFT_E_NULL_POINTER;
  int32_t n[2] = {0, 0};
  int overflow = 0;
  for (int32_t i = 0; i < count; i++) {
    const hft_status st = check_update(book, levels[i].side, levels[i].price, levels[i].qty);
    if (st != HFT_OK) return st;
    stage_snapshot_level(book, levels[i].side, levels[i].price, levels[i].qty, n, &overflow);
  }
  return finish_snapshot(book, n, overflow);
}

hft_status hft_book_apply_snapshot_f64(hft_book* book, const double* records, int32_t count) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  if (count < 0) return HFT_E_BAD_COUNT;
  if (records == NULL && count > 0) return HFT_E_NULL_POINTER;
  int32_t n[2] = {0, 0};
  int overflow = 0;
  for (int32_t i = 0; i < count; i++) {
    hft_level_update u;
    const hft_status st = convert_record(book, records + (size_t)i * HFT_F64_STRIDE, &u);
    if (st != HFT_OK) return st;
    stage_snapshot_level(book, u.side, u.price, u.qty, n, &overflow);
  }
  return finish_snapshot(book, n, overflow);
}

/* ---- reads ---- */

hft_status hft_book_best(const hft_book* book, int32_t side, int64_t* price, int64_t* qty) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  if (side != HFT_SIDE_BID && side != HFT_SIDE_ASK) return HFT_E_BAD_SIDE;
  if (price == NULL || qty == NULL) return HFT_E_NULL_POINTER;
  int64_t k, q;
  if (!side_best(&book->sd[side], &k, &q)) return HFT_E_EMPTY_SIDE;
  *price = to_price(side, k);
  *qty = q;
  return HFT_OK;
}

hft_status hft_book_top(const hft_book* book, int32_t side, int32_t n, int64_t* prices, int64_t* qtys,
                        int32_t* filled) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  if (side != HFT_SIDE_BID && side != HFT_SIDE_ASK) return HFT_E_BAD_SIDE;
  if (n < 0) return HFT_E_BAD_COUNT;
  if (filled == NULL || ((prices == NULL || qtys == NULL) && n > 0)) return HFT_E_NULL_POINTER;
  walker w = walk_start(&book->sd[side]);
  int32_t k = 0;
  int64_t key, q;
  while (k < n && walk_next(&w, &key, &q)) {
    prices[k] = to_price(side, key);
    qtys[k] = q;
    k++;
  }
  *filled = k;
  return HFT_OK;
}

/* Sums over the best `levels` levels, or (levels < 0) over those with key >= limit_key. */
static void sum_levels(const hft_book* b, int32_t side, int32_t levels, int64_t limit_key, __int128* qty,
                       __int128* notional) {
  walker w = walk_start(&b->sd[side]);
  __int128 q = 0;
  __int128 v = 0;
  int64_t key, lq;
  if (levels >= 0) {
    for (int32_t i = 0; i < levels && walk_next(&w, &key, &lq); i++) {
      q += lq;
      v += (__int128)to_price(side, key) * lq;
    }
  } else {
    while (walk_next(&w, &key, &lq) && key >= limit_key) {
      q += lq;
      v += (__int128)to_price(side, key) * lq;
    }
  }
  *qty = q;
  *notional = v;
}

static hft_status store_sums(__int128 q, __int128 v, int64_t* qty, int64_t* notional) {
  if (q > INT64_MAX || v > INT64_MAX) return HFT_E_OVERFLOW;
  *qty = (int64_t)q;
  *notional = (int64_t)v;
  return HFT_OK;
}

hft_status hft_book_depth_levels(const hft_book* book, int32_t side, int32_t n, int64_t* qty, int64_t* notional) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  if (side != HFT_SIDE_BID && side != HFT_SIDE_ASK) return HFT_E_BAD_SIDE;
  if (n < 0) return HFT_E_BAD_COUNT;
  if (qty == NULL || notional == NULL) return HFT_E_NULL_POINTER;
  __int128 q;
  __int128 v;
  sum_levels(book, side, n, 0, &q, &v);
  return store_sums(q, v, qty, notional);
}

hft_status hft_book_depth_to_price(const hft_book* book, int32_t side, int64_t limit, int64_t* qty,
                                   int64_t* notional) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  if (side != HFT_SIDE_BID && side != HFT_SIDE_ASK) return HFT_E_BAD_SIDE;
  if (qty == NULL || notional == NULL) return HFT_E_NULL_POINTER;
  if (side == HFT_SIDE_ASK && limit == INT64_MIN) {
    *qty = 0; /* nothing is priced at or below INT64_MIN; avoids negating it */
    *notional = 0;
    return HFT_OK;
  }
  __int128 q;
  __int128 v;
  sum_levels(book, side, -1, to_key(side, limit), &q, &v);
  return store_sums(q, v, qty, notional);
}

static double mid_of(const hft_book* b) {
  const double bid = b->summary[HFT_SUM_BID_PRICE];
  const double ask = b->summary[HFT_SUM_ASK_PRICE];
  return (bid + ask) / 2.0;
}

static double microprice_of(const hft_book* b) {
  const double* s = b->summary;
  return (s[HFT_SUM_BID_PRICE] * s[HFT_SUM_ASK_QTY] + s[HFT_SUM_ASK_PRICE] * s[HFT_SUM_BID_QTY]) /
         (s[HFT_SUM_BID_QTY] + s[HFT_SUM_ASK_QTY]);
}

static double imbalance_of(const hft_book* b, int32_t n) {
  __int128 bq;
  __int128 aq;
  __int128 ignored;
  sum_levels(b, HFT_SIDE_BID, n, 0, &bq, &ignored);
  sum_levels(b, HFT_SIDE_ASK, n, 0, &aq, &ignored);
  const double bd = (double)bq;
  const double ad = (double)aq;
  return (bd - ad) / (bd + ad);
}

hft_status hft_book_mid(const hft_book* book, double* out) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  if (out == NULL) return HFT_E_NULL_POINTER;
  if (side_count(&book->sd[0]) == 0 || side_count(&book->sd[1]) == 0) return HFT_E_EMPTY_SIDE;
  *out = mid_of(book);
  return HFT_OK;
}

hft_status hft_book_microprice(const hft_book* book, double* out) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  if (out == NULL) return HFT_E_NULL_POINTER;
  if (side_count(&book->sd[0]) == 0 || side_count(&book->sd[1]) == 0) return HFT_E_EMPTY_SIDE;
  *out = microprice_of(book);
  return HFT_OK;
}

hft_status hft_book_imbalance(const hft_book* book, int32_t n, double* out) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  if (n < 0) return HFT_E_BAD_COUNT;
  if (out == NULL) return HFT_E_NULL_POINTER;
  if (side_count(&book->sd[0]) == 0 || side_count(&book->sd[1]) == 0 || n == 0) return HFT_E_EMPTY_SIDE;
  *out = imbalance_of(book, n);
  return HFT_OK;
}

hft_status hft_book_level_count(const hft_book* book, int32_t side, int32_t* out) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  if (side != HFT_SIDE_BID && side != HFT_SIDE_ASK) return HFT_E_BAD_SIDE;
  if (out == NULL) return HFT_E_NULL_POINTER;
  *out = side_count(&book->sd[side]);
  return HFT_OK;
}

hft_status hft_book_update_count(const hft_book* book, uint64_t* out) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  if (out == NULL) return HFT_E_NULL_POINTER;
  *out = book->updates;
  return HFT_OK;
}

hft_status hft_book_is_crossed(const hft_book* book, int32_t* out) {
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  if (out == NULL) return HFT_E_NULL_POINTER;
  int64_t bk, bq, ak, aq;
  const int has_bid = side_best(&book->sd[0], &bk, &bq);
  const int has_ask = side_best(&book->sd[1], &ak, &aq);
  *out = has_bid && has_ask && bk >= -ak;
  return HFT_OK;
}

static int valid_level(const hft_book_params* p, int32_t s, int64_t key, int64_t qty) {
  const int64_t price = to_price(s, key);
  return price >= p->min_price && price <= p->max_price && qty > 0 && qty <= HFT_MAX_QTY;
}

hft_status hft_book_check_integrity(const hft_book* book) {
  if (book == NULL) return HFT_E_NULL_HANDLE;
  if (book->magic != BOOK_MAGIC) return HFT_E_CORRUPT;
  const hft_book_params* p = &book->params;
  if (p->min_price < 0 || p->min_price > p->max_price || p->max_price > HFT_MAX_PRICE) return HFT_E_CORRUPT;
  if (book->slots < 256 || book->head <= 0 || book->head >= book->slots) return HFT_E_CORRUPT;
  for (int32_t s = 0; s < 2; s++) {
    const side_book* sb = &book->sd[s];
    if (sb->lad_count < 0 || sb->out_count < 0 || side_count(sb) > p->max_levels) return HFT_E_CORRUPT;
    if (sb->sign != (s == HFT_SIDE_BID ? 1 : -1)) return HFT_E_CORRUPT;
    int32_t seen = 0;
    int32_t top = -1;
    for (int32_t i = 0; i < book->slots; i++) {
      if (sb->qty[i] == 0) continue;
      if (!valid_level(p, s, sb->base + i, sb->qty[i])) return HFT_E_CORRUPT;
      seen++;
      top = i;
    }
    if (seen != sb->lad_count || top != sb->best) return HFT_E_CORRUPT;
    for (int32_t i = 0; i < sb->out_count; i++) {
      if (!valid_level(p, s, sb->out[i].key, sb->out[i].qty)) return HFT_E_CORRUPT;
      if (sb->out[i].key >= sb->base) return HFT_E_CORRUPT;
      if (i > 0 && sb->out[i - 1].key >= sb->out[i].key) return HFT_E_CORRUPT;
    }
  }
  /* The summary must say what the levels say. */
  hft_book copy = *book; /* refresh a copy so the book itself stays const */
  refresh_summary(&copy);
  if (memcmp(copy.summary, book->summary, sizeof(copy.summary)) != 0) return HFT_E_CORRUPT;
  return HFT_OK;
}

/* ---- fast accessors for bun:ffi ---- */

const double* hft_book_summary(const hft_book* book) { return valid_book(book) ? book->summary : NULL; }

double* hft_book_staging_f64(hft_book* book) { return valid_book(book) ? book->stage_f64 : NULL; }

int32_t hft_book_top_f64(const hft_book* book, int32_t side, int32_t n, double* prices, double* qtys) {
  if (!valid_book(book)) return -HFT_E_NULL_HANDLE;
  if (side != HFT_SIDE_BID && side != HFT_SIDE_ASK) return -HFT_E_BAD_SIDE;
  if (n < 0) return -HFT_E_BAD_COUNT;
  if ((prices == NULL || qtys == NULL) && n > 0) return -HFT_E_NULL_POINTER;
  walker w = walk_start(&book->sd[side]);
  const double sign = side == HFT_SIDE_BID ? 1.0 : -1.0;
  int32_t k = 0;
  int64_t key, q;
  while (k < n && walk_next(&w, &key, &q)) {
    prices[k] = sign * (double)key;
    qtys[k] = (double)q;
    k++;
  }
  return k;
}

double hft_book_depth_levels_f64(const hft_book* book, int32_t side, int32_t n) {
  if (!valid_book(book) || (side != HFT_SIDE_BID && side != HFT_SIDE_ASK) || n < 0) return __builtin_nan("");
  __int128 q;
  __int128 v;
  sum_levels(book, side, n, 0, &q, &v);
  return (double)q;
}

/* Key threshold for a double limit: levels with key >= it are as good as the limit or better. */
static int limit_key_f64(int32_t side, double limit, int64_t* key) {
  if (limit != limit) return 0;
  const double k = side == HFT_SIDE_BID ? __builtin_ceil(limit) : -__builtin_floor(limit);
  if (k > 9.2e18) {
    *key = INT64_MAX;
  } else if (k < -9.2e18) {
    *key = -INT64_MAX;
  } else {
    *key = (int64_t)k;
  }
  return 1;
}

double hft_book_depth_to_price_f64(const hft_book* book, int32_t side, double limit) {
  int64_t key;
  if (!valid_book(book) || (side != HFT_SIDE_BID && side != HFT_SIDE_ASK) || !limit_key_f64(side, limit, &key))
    return __builtin_nan("");
  __int128 q;
  __int128 v;
  sum_levels(book, side, -1, key, &q, &v);
  return (double)q;
}

double hft_book_notional_to_price_f64(const hft_book* book, int32_t side, double limit) {
  int64_t key;
  if (!valid_book(book) || (side != HFT_SIDE_BID && side != HFT_SIDE_ASK) || !limit_key_f64(side, limit, &key))
    return __builtin_nan("");
  __int128 q;
  __int128 v;
  sum_levels(book, side, -1, key, &q, &v);
  return (double)v;
}

double hft_book_imbalance_f64(const hft_book* book, int32_t n) {
  if (!valid_book(book) || n <= 0 || side_count(&book->sd[0]) == 0 || side_count(&book->sd[1]) == 0)
    return __builtin_nan("");
  return imbalance_of(book, n);
}
