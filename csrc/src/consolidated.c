/*
 * Consolidated book: a registry of venue books for one instrument with per-venue grid multipliers,
 * fees, health, rate-limit headroom and staleness, and a merged best-first view read in one call.
 * Levels are not copied: the venues' live books are walked in place, so the view is always current.
 */
#include <stdlib.h>
#include <string.h>

#include "cbook_internal.h"

hft_status hft_cbook_create(const hft_cbook_params* params, hft_cbook** out) {
  if (params == NULL || out == NULL) return HFT_E_NULL_POINTER;
  if (params->max_venues < 1 || params->max_venues > HFT_MAX_VENUES_LIMIT) return HFT_E_BAD_PARAMS;
  const size_t total = sizeof(hft_cbook) + (size_t)params->max_venues * sizeof(venue_slot);
  unsigned char* mem = (unsigned char*)calloc(1, total);
  if (mem == NULL) return HFT_E_NO_MEMORY;
  hft_cbook* cb = (hft_cbook*)mem;
  cb->magic = CBOOK_MAGIC;
  cb->max_venues = params->max_venues;
  cb->stale_after_ns = 0.0;
  cb->venues = (venue_slot*)(mem + sizeof(hft_cbook));
  *out = cb;
  return HFT_OK;
}

hft_status hft_cbook_destroy(hft_cbook* cb) {
  if (!valid_cbook(cb)) return HFT_E_NULL_HANDLE;
  cb->magic = 0;
  free(cb);
  return HFT_OK;
}

hft_status hft_cbook_set_venue(hft_cbook* cb, int32_t venue, const hft_book* book, int32_t price_mult,
                               int32_t qty_mult, int32_t taker_fee_ppm) {
  if (!valid_cbook(cb)) return HFT_E_NULL_HANDLE;
  if (venue < 0 || venue >= cb->max_venues) return HFT_E_BAD_PARAMS;
  venue_slot* v = &cb->venues[venue];
  if (book == NULL) {
    memset(v, 0, sizeof(*v));
    return HFT_OK;
  }
  if (!valid_book(book)) return HFT_E_NULL_HANDLE;
  if (price_mult < 1 || qty_mult < 1 || taker_fee_ppm < 0 || taker_fee_ppm >= 1000000) return HFT_E_BAD_PARAMS;
  v->book = book;
  v->price_mult = price_mult;
  v->qty_mult = qty_mult;
  v->fee_ppm = taker_fee_ppm;
  v->healthy = 1;
  v->headroom = 1;
  v->last_update_ns = 0.0;
  return HFT_OK;
}

hft_status hft_cbook_set_state(hft_cbook* cb, int32_t venue, int32_t healthy, int32_t headroom,
                               double last_update_ns) {
  if (!valid_cbook(cb)) return HFT_E_NULL_HANDLE;
  if (venue < 0 || venue >= cb->max_venues) return HFT_E_BAD_PARAMS;
  if (last_update_ns != last_update_ns) return HFT_E_NOT_INTEGER;
  venue_slot* v = &cb->venues[venue];
  v->healthy = healthy != 0;
  v->headroom = headroom;
  v->last_update_ns = last_update_ns;
  return HFT_OK;
}

hft_status hft_cbook_set_stale_after(hft_cbook* cb, double stale_after_ns) {
  if (!valid_cbook(cb)) return HFT_E_NULL_HANDLE;
  if (!(stale_after_ns >= 0.0)) return HFT_E_BAD_PARAMS;
  cb->stale_after_ns = stale_after_ns;
  return HFT_OK;
}

int32_t hft_cbook_top_f64(const hft_cbook* cb, int32_t side, int32_t n, double now_ns, double* out) {
  if (!valid_cbook(cb)) return -HFT_E_NULL_HANDLE;
  if (side != HFT_SIDE_BID && side != HFT_SIDE_ASK) return -HFT_E_BAD_SIDE;
  if (n < 0) return -HFT_E_BAD_COUNT;
  if (out == NULL && n > 0) return -HFT_E_NULL_POINTER;
  walker w[HFT_MAX_VENUES_LIMIT];
  __int128 head[HFT_MAX_VENUES_LIMIT]; /* common key of each venue's next level */
  int64_t head_qty[HFT_MAX_VENUES_LIMIT];
  int64_t head_key[HFT_MAX_VENUES_LIMIT]; /* venue key of that level */
  int has[HFT_MAX_VENUES_LIMIT];
  for (int32_t v = 0; v < cb->max_venues; v++) {
    const venue_slot* vs = &cb->venues[v];
    has[v] = 0;
    if (!venue_live(cb, vs, now_ns)) continue;
    w[v] = walk_start(&vs->book->sd[side]);
    if (walk_next(&w[v], &head_key[v], &head_qty[v])) {
      head[v] = (__int128)head_key[v] * vs->price_mult;
      has[v] = 1;
    }
  }
  int32_t k = 0;
  while (k < n) {
    int32_t best = -1;
    for (int32_t v = 0; v < cb->max_venues; v++) {
      if (has[v] && (best < 0 || head[v] > head[best])) best = v;
    }
    if (best < 0) break;
    const venue_slot* vs = &cb->venues[best];
    /* double products of exact integers round once, like converting the exact int128 would */
    const double price = (double)head_key[best] * (double)vs->price_mult;
    out[k * HFT_CB_STRIDE + 0] = side == HFT_SIDE_BID ? price : -price;
    out[k * HFT_CB_STRIDE + 1] = (double)head_qty[best] * (double)vs->qty_mult;
    out[k * HFT_CB_STRIDE + 2] = (double)best;
    k++;
    if (walk_next(&w[best], &head_key[best], &head_qty[best])) {
      head[best] = (__int128)head_key[best] * vs->price_mult;
    } else {
      has[best] = 0;
    }
  }
  return k;
}
