/*
 * depth-ir.c - a depth stream decoded and applied by the C decoder alone, for callgrind (bench/depth-ir.ts
 * builds and runs it): instructions per frame are a measure a loaded machine cannot disturb.
 * Usage: depth-ir <venue> <key> <price decimals> <qty decimals> <max ticks> <max lots> <stream file>.
 * The stream file: int32 snapshot length then its bytes (length 0: none), int32 frame count, then each
 * frame as int32 length and bytes. Every frame must apply (HFT_DEPTH_APPLIED) in live mode, each
 * continuing the sequence of the one before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hftcore.h"

static void* read_exact(FILE* f, size_t n) {
  void* p = malloc(n > 0 ? n : 1);
  if (p == NULL || fread(p, 1, n, f) != n) {
    fprintf(stderr, "depth-ir: short stream file\n");
    exit(2);
  }
  return p;
}

static int32_t read_i32(FILE* f) {
  int32_t v;
  if (fread(&v, sizeof v, 1, f) != 1) {
    fprintf(stderr, "depth-ir: short stream file\n");
    exit(2);
  }
  return v;
}

/* The decodes, in a function of their own: callgrind --toggle-collect=decode_frames counts only them.
 * Returns 0, or 1 + the index of the first frame that did not apply. */
__attribute__((noinline)) static int decode_frames(hft_depth* d, hft_book* book, uint8_t* const* frames,
                                                   const int32_t* lens, int32_t n) {
  for (int32_t i = 0; i < n; i++) {
    /* Binance U = u = i + 1 after position i; OKX prevSeqId i after seqId i */
    if (hft_depth_decode(d, book, frames[i], lens[i], HFT_DEPTH_LIVE, (double)i) != HFT_DEPTH_APPLIED) return i + 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: depth-ir <venue> <key> <price decimals> <qty decimals> <max ticks> <max lots> <file>\n");
    return 2;
  }
  hft_depth_params dp;
  memset(&dp, 0, sizeof dp);
  dp.venue = atoi(argv[1]);
  snprintf(dp.key, sizeof dp.key, "%s", argv[2]);
  dp.price_decimals = atoi(argv[3]);
  dp.qty_decimals = atoi(argv[4]);
  dp.price_unit = 1;
  dp.qty_unit = 1;
  dp.max_ticks = atoll(argv[5]);
  dp.max_lots = atoll(argv[6]);
  dp.max_frame = 1 << 20;
  dp.max_levels = 1000;
  FILE* f = fopen(argv[7], "rb");
  if (f == NULL) {
    fprintf(stderr, "depth-ir: cannot read %s\n", argv[7]);
    return 2;
  }
  const int32_t snap_len = read_i32(f);
  uint8_t* snapshot = read_exact(f, (size_t)snap_len);
  const int32_t n = read_i32(f);
  uint8_t** frames = malloc(sizeof(uint8_t*) * (size_t)n);
  int32_t* lens = malloc(sizeof(int32_t) * (size_t)n);
  for (int32_t i = 0; i < n; i++) {
    lens[i] = read_i32(f);
    frames[i] = read_exact(f, (size_t)lens[i]);
  }
  fclose(f);
  hft_book_params bp = {.min_price = 0, .max_price = dp.max_ticks, .max_levels = 5000, .max_batch = 1000};
  hft_book* book = NULL;
  hft_depth* d = NULL;
  if (hft_book_create(&bp, &book) != HFT_OK || hft_depth_create(&dp, &d) != HFT_OK) return 3;
  if (snap_len > 0 && hft_depth_decode(d, book, snapshot, snap_len, HFT_DEPTH_UNSYNCED, 0.0) != HFT_DEPTH_APPLIED) {
    fprintf(stderr, "depth-ir: the snapshot did not apply\n");
    return 4;
  }
  const int bad = decode_frames(d, book, frames, lens, n);
  if (bad != 0) {
    fprintf(stderr, "depth-ir: frame %d did not apply\n", bad - 1);
    return 5;
  }
  if (hft_book_check_integrity(book) != HFT_OK) return 6;
  int32_t bids = 0, asks = 0;
  hft_book_level_count(book, HFT_SIDE_BID, &bids);
  hft_book_level_count(book, HFT_SIDE_ASK, &asks);
  printf("%d frames applied, book %d bids / %d asks\n", n, bids, asks);
  for (int32_t i = 0; i < n; i++) free(frames[i]);
  free(frames);
  free(lens);
  free(snapshot);
  hft_depth_destroy(d);
  hft_book_destroy(book);
  return 0;
}
