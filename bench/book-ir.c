/*
 * book-ir.c - the book bench's stream applied in C alone, for callgrind (bench/book-ir.ts builds and
 * runs it): instructions per level update are a measure a loaded machine cannot disturb. Reads the
 * stream file bench/book-ir.ts writes: int32 levels, int32 frames, int32 frame size, then the
 * snapshot (levels * 2 * 3 doubles) and the frames (frames * frame size * 3 doubles), {side, price,
 * qty} records as the TypeScript staging writes them. argv[2] = "0" applies the snapshot only (the
 * baseline subtracted from a full run); argv[2] = "time" times the applies natively instead (best of
 * 100 passes, ns per level update) on that stream and on synthetic streams of 0-50 % deletes, which
 * showed that the book's time per level followed its branch mispredictions, not its instructions.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hftcore.h"

static double* read_doubles(FILE* f, size_t n) {
  double* p = malloc(n * sizeof(double));
  if (p == NULL || fread(p, sizeof(double), n, f) != n) {
    fprintf(stderr, "book-ir: short stream file\n");
    exit(2);
  }
  return p;
}

/* The applies, in a function of their own: callgrind --toggle-collect=apply_frames counts only them. */
__attribute__((noinline)) static int apply_frames(hft_book* book, const double* frames, int32_t n, int32_t size) {
  double* staging = hft_book_staging_f64(book);
  for (int32_t i = 0; i < n; i++) {
    memcpy(staging, frames + (size_t)i * size * HFT_F64_STRIDE, (size_t)size * HFT_F64_STRIDE * sizeof(double));
    if (hft_book_apply_batch_f64(book, staging, size) != HFT_OK) return i + 1;
  }
  return 0;
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Best of 100 passes over the frames, each pass from the snapshot, in ns per level update. */
static double time_frames(hft_book* book, const double* snapshot, int32_t snap_levels, const double* frames,
                          int32_t n, int32_t size) {
  double best = 1e300;
  for (int r = 0; r < 100; r++) {
    memcpy(hft_book_staging_f64(book), snapshot, (size_t)snap_levels * HFT_F64_STRIDE * sizeof(double));
    if (hft_book_apply_snapshot_f64(book, hft_book_staging_f64(book), snap_levels) != HFT_OK) exit(4);
    const double t0 = now_ns();
    if (apply_frames(book, frames, n, size) != 0) exit(5);
    const double t = (now_ns() - t0) / ((double)n * size);
    best = t < best ? t : best;
  }
  return best;
}

/* A synthetic stream: 20-level frames, sides at random, prices within 200 ticks of the touch on a
 * book of 200 levels a side, `deletes` percent of them deletes (xorshift, fixed seed). */
static void synthetic(double* snapshot, double* frames, int32_t n, int32_t size, int deletes) {
  uint64_t x = UINT64_C(88172645463325252);
  const int64_t mid = 5000000;
  for (int32_t i = 0; i < 200; i++) {
    double* b = snapshot + (size_t)i * 2 * HFT_F64_STRIDE;
    b[0] = 0, b[1] = (double)(mid - 1 - i), b[2] = 5;
    b[3] = 1, b[4] = (double)(mid + 1 + i), b[5] = 5;
  }
  for (int32_t i = 0; i < n * size; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    const int side = (int)(x & 1);
    const int64_t d = 1 + (int64_t)((x >> 8) % 200);
    double* r = frames + (size_t)i * HFT_F64_STRIDE;
    r[0] = side;
    r[1] = (double)(side ? mid + d : mid - d);
    r[2] = (int)((x >> 24) % 100) < deletes ? 0.0 : (double)(1 + (x >> 40) % 1000);
  }
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: book-ir <stream file> [apply frames: 1]\n");
    return 2;
  }
  FILE* f = fopen(argv[1], "rb");
  int32_t head[3];
  if (f == NULL || fread(head, sizeof(int32_t), 3, f) != 3) {
    fprintf(stderr, "book-ir: cannot read %s\n", argv[1]);
    return 2;
  }
  const int32_t levels = head[0], frames = head[1], size = head[2];
  double* snapshot = read_doubles(f, (size_t)levels * 2 * HFT_F64_STRIDE);
  double* stream = read_doubles(f, (size_t)frames * size * HFT_F64_STRIDE);
  fclose(f);
  hft_book_params p = {.min_price = 0, .max_price = HFT_MAX_PRICE, .max_levels = 4096, .max_batch = 8192};
  hft_book* book = NULL;
  if (hft_book_create(&p, &book) != HFT_OK) return 3;
  if (hft_book_apply_snapshot_f64(book, snapshot, levels * 2) != HFT_OK) return 4;
  if (argc > 2 && strcmp(argv[2], "time") == 0) {
    printf("book bench stream: %.2f ns per level update\n", time_frames(book, snapshot, levels * 2, stream, frames, size));
    double* syn_snap = malloc(sizeof(double) * 400 * HFT_F64_STRIDE);
    if (syn_snap == NULL) return 3;
    for (int deletes = 0; deletes <= 50; deletes += 10) {
      synthetic(syn_snap, stream, frames, size, deletes);
      printf("synthetic, %2d %% deletes: %.2f ns per level update\n", deletes,
             time_frames(book, syn_snap, 400, stream, frames, size));
    }
    free(syn_snap);
    hft_book_destroy(book);
    return 0;
  }
  const int bad = argc > 2 && strcmp(argv[2], "0") == 0 ? 0 : apply_frames(book, stream, frames, size);
  if (bad != 0) {
    fprintf(stderr, "book-ir: frame %d refused\n", bad - 1);
    return 5;
  }
  if (hft_book_check_integrity(book) != HFT_OK) return 6;
  printf("%d level updates applied\n", frames * size);
  hft_book_destroy(book);
  free(snapshot);
  free(stream);
  return 0;
}
