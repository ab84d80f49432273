/*
 * Internal: the book's memory layout and its best-first walker, shared by book.c and by the
 * consolidated book / router (consolidated.c, router.c), which read venue books in place.
 * Not part of the public API: csrc/include/hftcore.h is.
 */
#ifndef HFT_BOOK_INTERNAL_H
#define HFT_BOOK_INTERNAL_H

#include <stdint.h>

#include "hft_assert.h"
#include "hftcore.h"

#define BOOK_MAGIC UINT64_C(0x6866742d626f6f6b) /* "hft-book" */
#define LINEAR_PROBE 16 /* deep levels scanned from the window edge before galloping */

/* One level as stored: key = price for bids, -price for asks, so "better" is always "larger". */
typedef struct level {
  int64_t key;
  int64_t qty;
} level;

/* Old state of one level touched by a batch, to roll the batch back on HFT_E_BOOK_FULL. */
typedef struct undo_entry {
  int64_t key;
  int64_t qty;
  int32_t side;
  int32_t reserved;
} undo_entry;

/*
 * One side. Keys in [base, base + slots) live in the ladder (qty by key - base, 0 = no level); keys
 * below base live in `out`, sorted ascending. No level is ever above the window: an update there
 * moves the window up first. So the best level is the ladder's `best` slot, or the tail of `out` when
 * the ladder is empty, and walking best-first means ladder downwards, then `out` from its tail.
 */
typedef struct side_book {
  int64_t* qty;      /* ladder, `slots` entries */
  int64_t base;      /* key of ladder slot 0 */
  int64_t sign;      /* +1 bids, -1 asks: key = price * sign, one multiply instead of a side test */
  int32_t best;      /* highest non-empty ladder slot, -1 when the ladder is empty */
  int32_t lad_count; /* non-empty ladder slots */
  level* out;        /* levels with key < base, ascending key */
  int32_t out_count;
  int32_t reserved;
  int64_t pad[2]; /* 64 bytes: a side's record is found with one shift of the side */
} side_book;

struct hft_book {
  uint64_t magic;
  hft_book_params params;
  side_book sd[2];
  level* spare[2]; /* snapshot staging, max_levels each */
  int32_t slots;   /* ladder width in ticks */
  int32_t head;    /* slots kept free above the best level when the window is placed */
  uint64_t updates;
  hft_level_update* staging; /* max_batch converted f64 updates */
  double* stage_f64;         /* max_batch records {side, price, qty}: hft_book_staging_f64 */
  int64_t* ints;             /* max_batch records {side, price, qty} as int64s: the fast batch test's output */
  undo_entry* undo;          /* max_batch */
  double summary[HFT_SUM_LEN];
  /* The fast batch test's per-lane bounds for two records as three pairs of doubles, (side, price),
   * (qty, side), (price, qty): lows then highs, fixed at create (book.c, batch_plain). */
  double fast_lo[6];
  double fast_hi[6];
};


static inline int valid_book(const hft_book* b) { return b != NULL && b->magic == BOOK_MAGIC; }

/* The depth decoder's apply (depth.c): its levels as {ticks, lots} pairs per side, ticks in
 * [1, max_ticks] and lots in [0, 2^53), and `staged`, the same levels as the book's f64 records (bids
 * first). Same outcome as hft_book_apply_batch_f64(book, staged, nb + na), without testing again what
 * the decoder guarantees; the book's price range is tested when it is narrower. nb + na <= max_batch. */
hft_status hft_book_apply_levels(hft_book* book, const double* staged, const int64_t* bids, int32_t nb,
                                 const int64_t* asks, int32_t na, int64_t max_ticks);

static inline int64_t to_key(int32_t side, int64_t price) { return side == HFT_SIDE_BID ? price : -price; }
static inline int64_t to_price(int32_t side, int64_t key) { return side == HFT_SIDE_BID ? key : -key; }

static inline int32_t side_count(const side_book* sb) { return sb->lad_count + sb->out_count; }

/* Best level of a side as key/qty; 0 when the side is empty. */
static inline int side_best(const side_book* sb, int64_t* key, int64_t* qty) {
  if (sb->best >= 0) {
    *key = sb->base + sb->best;
    *qty = sb->qty[sb->best];
    return 1;
  }
  if (sb->out_count > 0) {
    *key = sb->out[sb->out_count - 1].key;
    *qty = sb->out[sb->out_count - 1].qty;
    return 1;
  }
  return 0;
}

/* Walks a side best-first: ladder slots downwards, then `out` from its tail. */
typedef struct walker {
  const side_book* sb;
  int32_t slot;
  int32_t ladder_left; /* ladder levels not yet returned: stops the slot scan early on sparse books */
  int32_t out;
} walker;

static inline walker walk_start(const side_book* sb) {
  walker w = {sb, sb->best, sb->lad_count, sb->out_count - 1};
  return w;
}

static inline int walk_next(walker* w, int64_t* key, int64_t* qty) {
  const side_book* sb = w->sb;
  if (w->ladder_left > 0) {
    while (sb->qty[w->slot] == 0) w->slot--;
    const int32_t i = w->slot--;
    w->ladder_left--;
    *key = sb->base + i;
    *qty = sb->qty[i];
    return 1;
  }
  if (w->out >= 0) {
    *key = sb->out[w->out].key;
    *qty = sb->out[w->out].qty;
    w->out--;
    return 1;
  }
  return 0;
}

#endif
