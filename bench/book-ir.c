/*
 * book-ir.c - the book bench's stream applied in C alone, for callgrind (bench/book-ir.ts builds and
 * runs it): instructions per level update are a measure a loaded machine cannot disturb. Reads the
 * stream file bench/book-ir.ts writes: int32 levels, int32 frames, int32 frame size, then the
 * snapshot (levels * 2 * 3 doubles) and the frames (frames * frame size * 3 doubles), {side, price,
 * qty} records as the TypeScript staging writes them. argv[2] = "0" applies the snapshot only (the
 * baseline subtracted from a full run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
