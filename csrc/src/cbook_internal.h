/*
 * Internal: the consolidated book's layout, shared by consolidated.c (registry, merged view) and
 * router.c (order splitting). Not part of the public API: csrc/include/hftcore.h is.
 */
#ifndef HFT_CBOOK_INTERNAL_H
#define HFT_CBOOK_INTERNAL_H

#include "book_internal.h"

#define CBOOK_MAGIC UINT64_C(0x6866742d63626f6f) /* "hft-cboo" */

/* One venue's attachment: its live book, grid multipliers, fee and state. */
typedef struct venue_slot {
  const hft_book* book; /* NULL = no venue in this slot */
  int64_t price_mult;
  int64_t qty_mult;
  int64_t fee_ppm;
  int32_t healthy;
  int32_t headroom;
  double last_update_ns;
} venue_slot;

struct hft_cbook {
  uint64_t magic;
  int32_t max_venues;
  int32_t reserved;
  double stale_after_ns;
  venue_slot* venues; /* max_venues, allocated with the handle */
};

static inline int valid_cbook(const hft_cbook* cb) { return cb != NULL && cb->magic == CBOOK_MAGIC; }

/* True when the venue has a book, is healthy and its book is fresh enough at now_ns. */
static inline int venue_live(const hft_cbook* cb, const venue_slot* v, double now_ns) {
  if (v->book == NULL || !v->healthy || !valid_book(v->book)) return 0;
  return !(cb->stale_after_ns > 0.0) || now_ns - v->last_update_ns <= cb->stale_after_ns;
}

#endif
