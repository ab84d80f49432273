/*
 * Unit tests of the C order book: each operation on a small hand-built book, and every error status
 * leaving the book intact. Run by `zig build test`.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hftcore.h"

static hft_book* make_book(int64_t lo, int64_t hi, int32_t max_levels, int32_t max_batch) {
  hft_book_params p = {lo, hi, max_levels, max_batch};
  hft_book* b = NULL;
  CHECK_EQ_STATUS(hft_book_create(&p, &b), HFT_OK);
  return b;
}

static hft_level_update up(int32_t side, int64_t price, int64_t qty) {
  hft_level_update u = {price, qty, side, 0};
  return u;
}

static int64_t best_price(const hft_book* b, int32_t side) {
  int64_t p = -1;
  int64_t q = 0;
  if (hft_book_best(b, side, &p, &q) != HFT_OK) return -1;
  return p;
}

static void test_create_params(void) {
  hft_book* b = NULL;
  hft_book_params p = {0, 1000, 10, 10};
  CHECK_EQ_STATUS(hft_book_create(NULL, &b), HFT_E_NULL_POINTER);
  CHECK_EQ_STATUS(hft_book_create(&p, NULL), HFT_E_NULL_POINTER);
  hft_book_params bad[] = {
      {-1, 10, 10, 10}, {5, 4, 10, 10}, {0, HFT_MAX_PRICE + 1, 10, 10}, {0, 10, 0, 10}, {0, 10, 10, 0},
      {0, 10, HFT_MAX_LEVELS_LIMIT + 1, 10}, {0, 10, 10, HFT_MAX_BATCH_LIMIT + 1},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    CHECK_EQ_STATUS(hft_book_create(&bad[i], &b), HFT_E_BAD_PARAMS);
  }
  CHECK_EQ_STATUS(hft_book_create(&p, &b), HFT_OK);
  CHECK(b != NULL);
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
  CHECK_EQ_STATUS(hft_book_destroy(b), HFT_OK);
  CHECK_EQ_STATUS(hft_book_destroy(NULL), HFT_E_NULL_HANDLE);
}

static void test_null_handle(void) {
  int64_t p, q;
  int32_t n;
  uint64_t u;
  double d;
  hft_level_update one = up(0, 1, 1);
  double rec[3] = {0, 1, 1};
  CHECK_EQ_STATUS(hft_book_clear(NULL), HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_book_apply_batch(NULL, &one, 1), HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_book_apply_snapshot(NULL, &one, 1), HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_book_apply_batch_f64(NULL, rec, 1), HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_book_apply_snapshot_f64(NULL, rec, 1), HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_book_best(NULL, 0, &p, &q), HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_book_top(NULL, 0, 1, &p, &q, &n), HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_book_depth_levels(NULL, 0, 1, &p, &q), HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_book_depth_to_price(NULL, 0, 1, &p, &q), HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_book_mid(NULL, &d), HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_book_microprice(NULL, &d), HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_book_imbalance(NULL, 1, &d), HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_book_level_count(NULL, 0, &n), HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_book_update_count(NULL, &u), HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_book_is_crossed(NULL, &n), HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_book_check_integrity(NULL), HFT_E_NULL_HANDLE);
  CHECK(hft_book_summary(NULL) == NULL);
  CHECK(hft_book_top_f64(NULL, 0, 1, &d, &d) == -HFT_E_NULL_HANDLE);
  CHECK(isnan(hft_book_depth_levels_f64(NULL, 0, 1)));
  CHECK(isnan(hft_book_depth_to_price_f64(NULL, 0, 1)));
  CHECK(isnan(hft_book_notional_to_price_f64(NULL, 0, 1)));
  CHECK(isnan(hft_book_imbalance_f64(NULL, 1)));
}

static void test_batch_and_reads(void) {
  hft_book* b = make_book(0, 100000, 16, 32);
  hft_level_update ups[] = {up(0, 100, 5), up(0, 99, 7), up(0, 101, 1), up(1, 103, 4), up(1, 105, 2), up(1, 104, 9)};
  CHECK_EQ_STATUS(hft_book_apply_batch(b, ups, 6), HFT_OK);
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
  int64_t p = 0, q = 0;
  CHECK_EQ_STATUS(hft_book_best(b, 0, &p, &q), HFT_OK);
  CHECK(p == 101 && q == 1);
  CHECK_EQ_STATUS(hft_book_best(b, 1, &p, &q), HFT_OK);
  CHECK(p == 103 && q == 4);

  int64_t prices[8], qtys[8];
  int32_t n = -1;
  CHECK_EQ_STATUS(hft_book_top(b, 0, 8, prices, qtys, &n), HFT_OK);
  CHECK(n == 3 && prices[0] == 101 && prices[1] == 100 && prices[2] == 99 && qtys[2] == 7);
  CHECK_EQ_STATUS(hft_book_top(b, 1, 2, prices, qtys, &n), HFT_OK);
  CHECK(n == 2 && prices[0] == 103 && prices[1] == 104 && qtys[1] == 9);
  double fp[4], fq[4];
  CHECK(hft_book_top_f64(b, 1, 4, fp, fq) == 3);
  CHECK(fp[0] == 103.0 && fp[2] == 105.0 && fq[2] == 2.0);

  int64_t dq = 0, dv = 0;
  CHECK_EQ_STATUS(hft_book_depth_levels(b, 0, 2, &dq, &dv), HFT_OK);
  CHECK(dq == 6 && dv == 101 * 1 + 100 * 5);
  CHECK_EQ_STATUS(hft_book_depth_to_price(b, 1, 104, &dq, &dv), HFT_OK);
  CHECK(dq == 13 && dv == 103 * 4 + 104 * 9);
  CHECK_EQ_STATUS(hft_book_depth_to_price(b, 0, 1000, &dq, &dv), HFT_OK);
  CHECK(dq == 0 && dv == 0);
  CHECK(hft_book_depth_levels_f64(b, 1, 100) == 15.0);
  CHECK(hft_book_depth_to_price_f64(b, 0, 99.5) == 6.0);
  CHECK(hft_book_depth_to_price_f64(b, 1, 104.5) == 13.0);
  CHECK(hft_book_notional_to_price_f64(b, 1, 104) == (double)(103 * 4 + 104 * 9));

  double d = 0;
  CHECK_EQ_STATUS(hft_book_mid(b, &d), HFT_OK);
  CHECK(d == 102.0);
  CHECK_EQ_STATUS(hft_book_microprice(b, &d), HFT_OK);
  CHECK(fabs(d - (101.0 * 4 + 103.0 * 1) / 5.0) < 1e-12);
  CHECK_EQ_STATUS(hft_book_imbalance(b, 1, &d), HFT_OK);
  CHECK(fabs(d - (1.0 - 4.0) / 5.0) < 1e-12);
  CHECK(hft_book_imbalance_f64(b, 2) == (6.0 - 13.0) / 19.0);

  int32_t c = 0;
  CHECK_EQ_STATUS(hft_book_level_count(b, 1, &c), HFT_OK);
  CHECK(c == 3);
  uint64_t u = 0;
  CHECK_EQ_STATUS(hft_book_update_count(b, &u), HFT_OK);
  CHECK(u == 1);
  CHECK_EQ_STATUS(hft_book_is_crossed(b, &c), HFT_OK);
  CHECK(c == 0);

  /* modify, delete, delete-absent, crossing bid */
  hft_level_update more[] = {up(0, 100, 50), up(0, 101, 0), up(1, 200, 0), up(0, 103, 1)};
  CHECK_EQ_STATUS(hft_book_apply_batch(b, more, 4), HFT_OK);
  CHECK(best_price(b, 0) == 103);
  CHECK_EQ_STATUS(hft_book_is_crossed(b, &c), HFT_OK);
  CHECK(c == 1);
  const double* s = hft_book_summary(b);
  CHECK(s[HFT_SUM_CROSSED] == 1.0 && s[HFT_SUM_BID_PRICE] == 103.0 && s[HFT_SUM_UPDATES] == 2.0);
  CHECK(s[HFT_SUM_BID_LEVELS] == 3.0 && s[HFT_SUM_ASK_LEVELS] == 3.0);
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);

  CHECK_EQ_STATUS(hft_book_clear(b), HFT_OK);
  CHECK_EQ_STATUS(hft_book_best(b, 0, &p, &q), HFT_E_EMPTY_SIDE);
  CHECK_EQ_STATUS(hft_book_mid(b, &d), HFT_E_EMPTY_SIDE);
  CHECK_EQ_STATUS(hft_book_microprice(b, &d), HFT_E_EMPTY_SIDE);
  CHECK_EQ_STATUS(hft_book_imbalance(b, 1, &d), HFT_E_EMPTY_SIDE);
  CHECK(isnan(hft_book_imbalance_f64(b, 1)));
  CHECK(s[HFT_SUM_BID_PRICE] == -1.0 && s[HFT_SUM_ASK_QTY] == 0.0 && s[HFT_SUM_UPDATES] == 3.0);
  hft_book_destroy(b);
}

/* Saves the whole visible state so error tests can prove the book is untouched. */
typedef struct state {
  int64_t prices[2][64];
  int64_t qtys[2][64];
  int32_t n[2];
  uint64_t updates;
} state;

static void snap_state(const hft_book* b, state* st) {
  memset(st, 0, sizeof(*st));
  for (int s = 0; s < 2; s++) hft_book_top(b, s, 64, st->prices[s], st->qtys[s], &st->n[s]);
  hft_book_update_count(b, &st->updates);
}

static int same_state(const hft_book* b, const state* want) {
  state now;
  snap_state(b, &now);
  return memcmp(&now, want, sizeof(now)) == 0 && hft_book_check_integrity(b) == HFT_OK;
}

static void test_errors_leave_book_intact(void) {
  hft_book* b = make_book(10, 1000, 4, 6);
  hft_level_update init[] = {up(0, 100, 1), up(0, 99, 2), up(1, 101, 3)};
  CHECK_EQ_STATUS(hft_book_apply_batch(b, init, 3), HFT_OK);
  state before;
  snap_state(b, &before);

  struct {
    hft_level_update u[2];
    hft_status want;
  } cases[] = {
      {{up(0, 98, 1), up(2, 100, 1)}, HFT_E_BAD_SIDE},
      {{up(0, 98, 1), up(-1, 100, 1)}, HFT_E_BAD_SIDE},
      {{up(0, 98, 1), up(0, 9, 1)}, HFT_E_PRICE_OUT_OF_RANGE},
      {{up(0, 98, 1), up(1, 1001, 1)}, HFT_E_PRICE_OUT_OF_RANGE},
      {{up(0, 98, 1), up(1, 500, -1)}, HFT_E_NEGATIVE_QTY},
      {{up(0, 98, 1), up(1, 500, HFT_MAX_QTY + 1)}, HFT_E_QTY_TOO_LARGE},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    CHECK_EQ_STATUS(hft_book_apply_batch(b, cases[i].u, 2), cases[i].want);
    CHECK(same_state(b, &before));
    CHECK_EQ_STATUS(hft_book_apply_snapshot(b, cases[i].u, 2), cases[i].want);
    CHECK(same_state(b, &before));
  }
  /* book full: the first two inserts fit, the third does not; all three roll back */
  hft_level_update full[] = {up(0, 100, 9), up(0, 97, 1), up(0, 96, 1), up(0, 95, 1)};
  CHECK_EQ_STATUS(hft_book_apply_batch(b, full, 4), HFT_E_BOOK_FULL);
  CHECK(same_state(b, &before));
  /* ...but deleting first makes room, so the same inserts then fit */
  hft_level_update room[] = {up(0, 99, 0), up(0, 97, 1), up(0, 96, 1), up(0, 95, 0)};
  CHECK_EQ_STATUS(hft_book_apply_batch(b, room, 4), HFT_OK);
  CHECK_EQ_STATUS(hft_book_apply_batch(b, init, 3), HFT_OK); /* restore 99 -> 4 bid levels now */
  hft_level_update fill[] = {up(0, 99, 0), up(0, 96, 0)};
  CHECK_EQ_STATUS(hft_book_apply_batch(b, fill, 2), HFT_OK);
  snap_state(b, &before);

  hft_level_update seven[7] = {up(0, 90, 1), up(0, 91, 1), up(0, 92, 1), up(0, 93, 1),
                               up(0, 94, 1), up(0, 95, 1), up(0, 96, 1)};
  CHECK_EQ_STATUS(hft_book_apply_batch(b, seven, 7), HFT_E_BATCH_TOO_LARGE);
  CHECK_EQ_STATUS(hft_book_apply_batch(b, seven, -1), HFT_E_BAD_COUNT);
  CHECK_EQ_STATUS(hft_book_apply_batch(b, NULL, 1), HFT_E_NULL_POINTER);
  CHECK_EQ_STATUS(hft_book_apply_snapshot(b, seven, 7), HFT_E_BOOK_FULL);
  CHECK_EQ_STATUS(hft_book_apply_snapshot(b, seven, -1), HFT_E_BAD_COUNT);
  CHECK_EQ_STATUS(hft_book_apply_snapshot(b, NULL, 2), HFT_E_NULL_POINTER);
  hft_level_update dup[] = {up(1, 300, 1), up(0, 90, 1), up(1, 300, 2)};
  CHECK_EQ_STATUS(hft_book_apply_snapshot(b, dup, 3), HFT_E_DUPLICATE_LEVEL);
  CHECK(same_state(b, &before));

  double recs[][3] = {
      {0.5, 100, 1}, {NAN, 100, 1}, {0, 100.5, 1}, {0, NAN, 1}, {0, INFINITY, 1}, {0, 5, 1},
      {1, 100, 1.25}, {1, 100, -3}, {1, 100, 1e300}, {0, 9007199254740992.0, 1},
  };
  hft_status want[] = {
      HFT_E_BAD_SIDE, HFT_E_BAD_SIDE, HFT_E_NOT_INTEGER, HFT_E_NOT_INTEGER, HFT_E_NOT_INTEGER,
      HFT_E_PRICE_OUT_OF_RANGE, HFT_E_NOT_INTEGER, HFT_E_NEGATIVE_QTY, HFT_E_NOT_INTEGER, HFT_E_NOT_INTEGER,
  };
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    CHECK_EQ_STATUS(hft_book_apply_batch_f64(b, recs[i], 1), want[i]);
    CHECK_EQ_STATUS(hft_book_apply_snapshot_f64(b, recs[i], 1), want[i]);
    CHECK(same_state(b, &before));
  }

  int64_t p, q;
  int32_t n;
  double d;
  CHECK_EQ_STATUS(hft_book_best(b, 2, &p, &q), HFT_E_BAD_SIDE);
  CHECK_EQ_STATUS(hft_book_best(b, 0, NULL, &q), HFT_E_NULL_POINTER);
  CHECK_EQ_STATUS(hft_book_top(b, 3, 1, &p, &q, &n), HFT_E_BAD_SIDE);
  CHECK_EQ_STATUS(hft_book_top(b, 0, -1, &p, &q, &n), HFT_E_BAD_COUNT);
  CHECK_EQ_STATUS(hft_book_top(b, 0, 1, NULL, &q, &n), HFT_E_NULL_POINTER);
  CHECK_EQ_STATUS(hft_book_depth_levels(b, 0, -1, &p, &q), HFT_E_BAD_COUNT);
  CHECK_EQ_STATUS(hft_book_depth_levels(b, 7, 1, &p, &q), HFT_E_BAD_SIDE);
  CHECK_EQ_STATUS(hft_book_depth_to_price(b, 0, 1, NULL, &q), HFT_E_NULL_POINTER);
  CHECK_EQ_STATUS(hft_book_depth_to_price(b, 1, INT64_MIN, &p, &q), HFT_OK);
  CHECK(p == 0 && q == 0);
  CHECK_EQ_STATUS(hft_book_imbalance(b, -1, &d), HFT_E_BAD_COUNT);
  CHECK_EQ_STATUS(hft_book_level_count(b, 2, &n), HFT_E_BAD_SIDE);
  CHECK(hft_book_top_f64(b, 2, 1, &d, &d) == -HFT_E_BAD_SIDE);
  CHECK(hft_book_top_f64(b, 0, -1, &d, &d) == -HFT_E_BAD_COUNT);
  CHECK(isnan(hft_book_depth_levels_f64(b, 0, -1)));
  CHECK(isnan(hft_book_depth_to_price_f64(b, 0, NAN)));
  CHECK(isnan(hft_book_notional_to_price_f64(b, 5, 1)));
  CHECK(same_state(b, &before));
  hft_book_destroy(b);
}

static void test_snapshot(void) {
  hft_book* b = make_book(0, 1000000, 8, 8);
  /* Binance order: bids best first (descending), asks best first (ascending), a zero to skip */
  hft_level_update snap[] = {up(0, 500, 1), up(0, 499, 2), up(0, 490, 3), up(1, 501, 4),
                             up(1, 502, 0), up(1, 510, 6)};
  CHECK_EQ_STATUS(hft_book_apply_snapshot(b, snap, 6), HFT_OK);
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
  int32_t n;
  hft_book_level_count(b, 1, &n);
  CHECK(n == 2);
  CHECK(best_price(b, 0) == 500 && best_price(b, 1) == 501);
  /* shuffled input needs the heapsort path */
  double recs[] = {0, 7, 1, 1, 900, 1, 0, 3, 1, 0, 9, 1, 1, 800, 1, 0, 1, 1, 1, 850, 1, 0, 5, 1};
  CHECK_EQ_STATUS(hft_book_apply_snapshot_f64(b, recs, 8), HFT_OK);
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
  int64_t prices[8], qtys[8];
  hft_book_top(b, 0, 8, prices, qtys, &n);
  CHECK(n == 5 && prices[0] == 9 && prices[1] == 7 && prices[2] == 5 && prices[3] == 3 && prices[4] == 1);
  hft_book_top(b, 1, 8, prices, qtys, &n);
  CHECK(n == 3 && prices[0] == 800 && prices[1] == 850 && prices[2] == 900);
  /* empty snapshot empties the book */
  CHECK_EQ_STATUS(hft_book_apply_snapshot(b, NULL, 0), HFT_OK);
  hft_book_level_count(b, 0, &n);
  CHECK(n == 0);
  hft_book_destroy(b);
}

static void test_deep_book_and_jumps(void) {
  /* 5000 levels per side, far-apart prices, inserts at every depth, then a price jump */
  const int32_t levels = 5000;
  hft_book* b = make_book(0, HFT_MAX_PRICE, levels, 2 * levels);
  hft_level_update* snap = (hft_level_update*)malloc(sizeof(hft_level_update) * 2 * levels);
  for (int32_t i = 0; i < levels; i++) {
    snap[i] = up(0, 1000000 - 2 * i, i + 1);
    snap[levels + i] = up(1, 1000001 + 2 * i, i + 1);
  }
  CHECK_EQ_STATUS(hft_book_apply_snapshot(b, snap, 2 * levels), HFT_OK);
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
  hft_level_update deep[] = {up(0, 1000000 - 2 * 4999, 0), up(0, 1000000 - 2 * 2500 - 1, 7)};
  CHECK_EQ_STATUS(hft_book_apply_batch(b, deep, 2), HFT_OK);
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
  int64_t dq, dv;
  CHECK_EQ_STATUS(hft_book_depth_to_price(b, 0, 1000000 - 2 * 2500 - 1, &dq, &dv), HFT_OK);
  CHECK(dq == (int64_t)2501 * 2502 / 2 + 7);
  hft_level_update jump[] = {up(0, 1000000, 0), up(0, HFT_MAX_PRICE - 10, 1), up(1, 1000001, 0), up(1, HFT_MAX_PRICE, 1)};
  CHECK_EQ_STATUS(hft_book_apply_batch(b, jump, 4), HFT_OK);
  CHECK(best_price(b, 0) == HFT_MAX_PRICE - 10);
  int32_t crossed;
  hft_book_is_crossed(b, &crossed);
  CHECK(crossed == 1);
  /* huge notional overflows int64 but not the f64 accessor */
  CHECK_EQ_STATUS(hft_book_depth_levels(b, 0, 2, &dq, &dv), HFT_OK);
  hft_level_update big[] = {up(0, HFT_MAX_PRICE - 10, HFT_MAX_QTY)};
  CHECK_EQ_STATUS(hft_book_apply_batch(b, big, 1), HFT_OK);
  CHECK_EQ_STATUS(hft_book_depth_levels(b, 0, 2, &dq, &dv), HFT_E_OVERFLOW);
  CHECK(hft_book_depth_levels_f64(b, 0, 2) > 9e15);
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
  free(snap);
  hft_book_destroy(b);
}

static void test_sparse_book_and_window_moves(void) {
  /* levels 1000 ticks apart: most live below the ladder window; deleting the best walks down */
  hft_book* b = make_book(0, HFT_MAX_PRICE, 64, 64);
  hft_level_update lv[40];
  for (int i = 0; i < 20; i++) {
    lv[2 * i] = up(0, 1000000 - 1000 * i, i + 1);
    lv[2 * i + 1] = up(1, 1000001 + 1000 * i, i + 1);
  }
  CHECK_EQ_STATUS(hft_book_apply_batch(b, lv, 40), HFT_OK);
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
  for (int i = 0; i < 19; i++) {
    hft_level_update del[] = {up(0, 1000000 - 1000 * i, 0), up(1, 1000001 + 1000 * i, 0)};
    CHECK_EQ_STATUS(hft_book_apply_batch(b, del, 2), HFT_OK);
    CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
    CHECK(best_price(b, 0) == 1000000 - 1000 * (i + 1));
    CHECK(best_price(b, 1) == 1000001 + 1000 * (i + 1));
  }
  /* price rises far above the window, then falls far below it */
  hft_level_update rise[] = {up(0, 50000000, 5), up(1, 50000010, 5)};
  CHECK_EQ_STATUS(hft_book_apply_batch(b, rise, 2), HFT_OK);
  CHECK(best_price(b, 0) == 50000000 && best_price(b, 1) == 1019001);
  hft_level_update fall[] = {up(0, 50000000, 0), up(0, 10, 3), up(1, 1019001, 0), up(1, 11, 3)};
  CHECK_EQ_STATUS(hft_book_apply_batch(b, fall, 4), HFT_OK);
  CHECK(best_price(b, 0) == 981000 && best_price(b, 1) == 11);
  int64_t prices[4], qtys[4];
  int32_t n;
  CHECK_EQ_STATUS(hft_book_top(b, 0, 4, prices, qtys, &n), HFT_OK);
  CHECK(n == 2 && prices[0] == 981000 && prices[1] == 10);
  CHECK_EQ_STATUS(hft_book_top(b, 1, 4, prices, qtys, &n), HFT_OK);
  CHECK(n == 2 && prices[0] == 11 && prices[1] == 50000010);
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
  hft_book_destroy(b);
}

static void test_integrity_detects_corruption(void) {
  hft_book* b = make_book(0, 1000, 8, 8);
  hft_level_update ups[] = {up(0, 100, 5), up(1, 101, 5)};
  CHECK_EQ_STATUS(hft_book_apply_batch(b, ups, 2), HFT_OK);
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
  /* the summary is part of the checked state: poke it through the (const) pointer */
  double* s = (double*)hft_book_summary(b);
  s[HFT_SUM_BID_QTY] = 6.0;
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_E_CORRUPT);
  s[HFT_SUM_BID_QTY] = 5.0;
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
  hft_book_destroy(b);
}

static void test_consolidated_and_router(void) {
  hft_book* books[3];
  for (int v = 0; v < 3; v++) {
    books[v] = make_book(0, 100000, 64, 64);
    hft_level_update lv[8];
    for (int i = 0; i < 4; i++) {
      lv[2 * i] = up(0, 1000 - v - i, 2 + i);
      lv[2 * i + 1] = up(1, 1001 + v + i, 2 + i);
    }
    CHECK_EQ_STATUS(hft_book_apply_snapshot(books[v], lv, 8), HFT_OK);
  }
  hft_cbook_params p = {3, 0};
  hft_cbook* cb = NULL;
  CHECK_EQ_STATUS(hft_cbook_create(&p, &cb), HFT_OK);
  hft_cbook_params bad = {0, 0};
  hft_cbook* none = NULL;
  CHECK_EQ_STATUS(hft_cbook_create(&bad, &none), HFT_E_BAD_PARAMS);
  for (int v = 0; v < 3; v++) CHECK_EQ_STATUS(hft_cbook_set_venue(cb, v, books[v], 1, 1, 1000 * v), HFT_OK);
  CHECK_EQ_STATUS(hft_cbook_set_venue(cb, 3, books[0], 1, 1, 0), HFT_E_BAD_PARAMS);
  CHECK_EQ_STATUS(hft_cbook_set_venue(cb, 0, books[0], 0, 1, 0), HFT_E_BAD_PARAMS);
  double top[12 * HFT_CB_STRIDE];
  CHECK(hft_cbook_top_f64(cb, 1, 12, 0.0, top) == 12);
  CHECK(top[0] == 1001.0 && top[2] == 0.0 && top[3] == 1002.0 && top[5] == 0.0 && top[6] == 1002.0 && top[8] == 1.0);
  double out[HFT_ROUTE_HEADER + 3 * HFT_ROUTE_STRIDE];
  /* buy 5 up to 1002: venue 0 @1001 x2, then 1002: venue 0 (fee 0) before venue 1 (fee 0.1%) */
  CHECK(hft_route_f64(cb, 0, 5.0, 1002.0, 1000, 0.0, out, 3) == 1);
  CHECK(out[0] == 5.0 && out[1] == 0.0);
  CHECK(out[HFT_ROUTE_HEADER + 0] == 0.0 && out[HFT_ROUTE_HEADER + 1] == 5.0 && out[HFT_ROUTE_HEADER + 2] == 1002.0);
  CHECK(hft_route_f64(cb, 0, 100.0, 1002.0, 1000, 0.0, out, 1) == 1); /* only one child fits */
  CHECK(out[0] == 5.0 && out[1] == 95.0);
  CHECK(hft_route_f64(cb, 5, 1.0, 1002.0, 1000, 0.0, out, 3) == -HFT_E_BAD_SIDE);
  CHECK(hft_route_f64(NULL, 0, 1.0, 1002.0, 1000, 0.0, out, 3) == -HFT_E_NULL_HANDLE);
  CHECK_EQ_STATUS(hft_cbook_set_state(cb, 0, 0, 1, 0.0), HFT_OK); /* venue 0 unhealthy */
  CHECK(hft_route_f64(cb, 1, 3.0, 990.0, 1000, 0.0, out, 3) == 1); /* sell: venue 1's bids */
  CHECK(out[HFT_ROUTE_HEADER + 0] == 1.0 && out[HFT_ROUTE_HEADER + 1] == 3.0 && out[HFT_ROUTE_HEADER + 2] == 998.0);
  CHECK_EQ_STATUS(hft_cbook_destroy(cb), HFT_OK);
  for (int v = 0; v < 3; v++) hft_book_destroy(books[v]);
}

static void test_names_and_layout(void) {
  CHECK(strcmp(hft_status_name(HFT_OK), "HFT_OK") == 0);
  CHECK(strcmp(hft_status_name(HFT_E_CORRUPT), "HFT_E_CORRUPT") == 0);
  CHECK(strcmp(hft_status_name(-1), "HFT_E_UNKNOWN") == 0);
  CHECK(strcmp(hft_status_name(HFT_STATUS_COUNT), "HFT_E_UNKNOWN") == 0);
  int32_t n = hft_layout(NULL, 0);
  CHECK(n > 10);
  int32_t table[64];
  CHECK(hft_layout(table, 64) == n);
  CHECK(table[0] == (int32_t)sizeof(hft_book_params) && table[5] == (int32_t)sizeof(hft_level_update));
}

/* The f64 batch applies optimistically in one pass and falls back to the exact two-pass path on
 * anything unusual: these batches fail (or pass) late, after valid records were already applied. */
static void test_f64_fast_path_bailouts(void) {
  hft_book* b = make_book(10, HFT_MAX_PRICE, 4, 8);
  double init[][3] = {{0, 100, 1}, {0, 99, 2}, {1, 101, 3}};
  CHECK_EQ_STATUS(hft_book_apply_batch_f64(b, &init[0][0], 3), HFT_OK);
  state before;
  snap_state(b, &before);
  /* a bad record after good ones: status of the exact path, nothing applied */
  double late_bad[][3] = {{0, 100, 7}, {1, 101, 0}, {0, 98, 4}, {0, 97, 0.5}};
  CHECK_EQ_STATUS(hft_book_apply_batch_f64(b, &late_bad[0][0], 4), HFT_E_NOT_INTEGER);
  CHECK(same_state(b, &before));
  /* a side fills after good records, and a later record is bad: the bad record's status wins */
  double full_then_bad[][3] = {{0, 100, 5}, {0, 98, 1}, {0, 97, 1}, {0, 96, 1}, {2, 95, 1}};
  CHECK_EQ_STATUS(hft_book_apply_batch_f64(b, &full_then_bad[0][0], 5), HFT_E_BAD_SIDE);
  CHECK(same_state(b, &before));
  double full[][3] = {{0, 100, 5}, {1, 101, 0}, {0, 98, 1}, {0, 97, 1}, {0, 96, 1}};
  CHECK_EQ_STATUS(hft_book_apply_batch_f64(b, &full[0][0], 5), HFT_E_BOOK_FULL);
  CHECK(same_state(b, &before));
  /* legal values the one-pass test leaves to the exact path: -0.0, and integers >= 2^52 */
  double odd[][3] = {{-0.0, 100, 6}, {1, -0.0 + 101, -0.0}, {1, 4503599627370497.0, 9007199254740991.0}};
  CHECK_EQ_STATUS(hft_book_apply_batch_f64(b, &odd[0][0], 3), HFT_OK);
  int64_t p, q;
  CHECK_EQ_STATUS(hft_book_best(b, 0, &p, &q), HFT_OK);
  CHECK(p == 100 && q == 6);
  CHECK_EQ_STATUS(hft_book_best(b, 1, &p, &q), HFT_OK);
  CHECK(p == INT64_C(4503599627370497) && q == HFT_MAX_QTY);
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
  /* values x + 2^52 - 2^52 == x holds for but the fast test must still refuse, each after a good
   * record, each with the exact path's status and nothing applied: infinities, negative integers,
   * even integers above 2^53, and side patterns other than 0.0 and 1.0 (2^1023 shares 1.0's top bits) */
  snap_state(b, &before);
  const double inf = __builtin_inf();
  const double bad[][3] = {
      {0, inf, 1}, {0, 100, -inf}, {1, -4, 1}, {0, 100, -4}, {0, 100, 18014398509481984.0}, {2, 100, 1},
      {0.5, 100, 1}, {-1, 100, 1}, {8.98846567431158e307, 100, 1}, {inf, 100, 1},
  };
  const hft_status want[] = {
      HFT_E_NOT_INTEGER, HFT_E_NOT_INTEGER, HFT_E_PRICE_OUT_OF_RANGE, HFT_E_NEGATIVE_QTY, HFT_E_NOT_INTEGER,
      HFT_E_BAD_SIDE,    HFT_E_BAD_SIDE,    HFT_E_BAD_SIDE,           HFT_E_BAD_SIDE,     HFT_E_BAD_SIDE,
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    double batch[2][3] = {{0, 100, 9}, {bad[k][0], bad[k][1], bad[k][2]}};
    CHECK_EQ_STATUS(hft_book_apply_batch_f64(b, &batch[0][0], 2), want[k]);
    CHECK(same_state(b, &before));
  }
  hft_book_destroy(b);
}

/* The f64 batch is tested whole before anything is applied, two records (three pairs of doubles) at a
 * time plus an odd tail, each pair position with its own lane bounds: every bad value at every
 * position of batches of 1..7 records must give the exact path's status and change nothing, and legal
 * values the fast test leaves to the exact path must give what the int64 batch call gives. */
static void test_f64_fast_batch_positions(void) {
  const double nan = __builtin_nan("");
  const double bad[][3] = {
      {0, nan, 1},   {0, 100, nan},   {nan, 100, 1},   {0, 9, 1},        {1, 1001, 1},   {0, 100.5, 1},
      {0, 100, 0.25}, {0, 100, 5e-324}, {0, 100, -1},    {1.0000000000000002, 100, 1}, {0, -0.5, 1}, {3, 100, 1},
      {1, -1, 1},
  };
  const hft_status want[] = {
      HFT_E_NOT_INTEGER, HFT_E_NOT_INTEGER, HFT_E_BAD_SIDE,    HFT_E_PRICE_OUT_OF_RANGE,
      HFT_E_PRICE_OUT_OF_RANGE, HFT_E_NOT_INTEGER, HFT_E_NOT_INTEGER, HFT_E_NOT_INTEGER,
      HFT_E_NEGATIVE_QTY, HFT_E_BAD_SIDE, HFT_E_NOT_INTEGER, HFT_E_BAD_SIDE, HFT_E_PRICE_OUT_OF_RANGE,
  };
  /* legal: -0.0 as a side and as a qty, the price bounds, a qty above 2^52 */
  const double odd[][3] = {{-0.0, 100, 5}, {1, 200, -0.0}, {0, 10, 7}, {1, 1000, 8}, {0, 99, 4503599627370497.0}};
  hft_book* b = make_book(10, 1000, 64, 8);
  hft_book* twin = make_book(10, 1000, 64, 8);
  for (int32_t n = 1; n <= 7; n++) {
    for (int32_t k = 0; k < n; k++) {
      double batch[7][3];
      hft_level_update ups[7];
      for (int32_t j = 0; j < n; j++) {
        const int32_t side = j & 1;
        const int64_t price = side == 0 ? 100 - j : 200 + j;
        const double rec[3] = {(double)side, (double)price, (double)(n + j)};
        memcpy(batch[j], rec, sizeof rec);
      }
      for (size_t v = 0; v < sizeof bad / sizeof bad[0]; v++) {
        state before;
        snap_state(b, &before);
        double copy[7][3];
        memcpy(copy, batch, sizeof copy);
        memcpy(copy[k], bad[v], sizeof bad[v]);
        CHECK_EQ_STATUS(hft_book_apply_batch_f64(b, &copy[0][0], n), want[v]);
        CHECK(same_state(b, &before));
      }
      for (size_t v = 0; v < sizeof odd / sizeof odd[0]; v++) {
        double copy[7][3];
        memcpy(copy, batch, sizeof copy);
        memcpy(copy[k], odd[v], sizeof odd[v]);
        for (int32_t j = 0; j < n; j++) ups[j] = up((int32_t)copy[j][0], (int64_t)copy[j][1], (int64_t)copy[j][2]);
        CHECK_EQ_STATUS(hft_book_apply_batch_f64(b, &copy[0][0], n), HFT_OK);
        CHECK_EQ_STATUS(hft_book_apply_batch(twin, ups, n), HFT_OK);
        state got, expect;
        snap_state(b, &got);
        snap_state(twin, &expect);
        CHECK(memcmp(&got, &expect, sizeof got) == 0);
        CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
      }
    }
  }
  hft_book_destroy(b);
  hft_book_destroy(twin);
}

/* The fast batch settles each side's best once per batch (book.c, free_pass): batches that raise,
 * empty and move the best within one batch, through the window's slow paths in the middle, give the
 * book the int64 path (best kept record by record) gives. */
static void test_f64_batch_best_settled(void) {
  const double cases[][6][3] = {
      /* a bid above the best, then deleted: the best falls back */
      {{0, 1010, 5}, {0, 1010, 0}},
      /* the best and the next deleted, one below changed */
      {{0, 1009, 0}, {0, 1008, 0}, {0, 1005, 9}},
      /* above the best, then above the window (moves it up), deleted, then another above the best */
      {{0, 1010, 5}, {0, 1400, 3}, {0, 1400, 0}, {0, 1011, 2}},
      /* every ladder bid deleted and one deep below the window */
      {{0, 1000, 0}, {0, 1001, 0}, {0, 1002, 0}, {0, 1003, 0}, {0, 1004, 0}, {0, 700, 4}},
      /* an ask below the best ask (better), then deleted, and one above it changed */
      {{1, 1010, 5}, {1, 1010, 0}, {1, 1015, 1}},
      /* both sides mixed record by record, an ask far below the best ask (its key above the window) */
      {{1, 1012, 0}, {0, 1009, 0}, {1, 900, 7}, {0, 1010, 1}, {1, 1011, 0}, {0, 1010, 0}},
  };
  const int32_t sizes[] = {2, 3, 4, 6, 3, 6};
  for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
    hft_book* b = make_book(10, 100000, 64, 16);
    hft_book* twin = make_book(10, 100000, 64, 16);
    hft_level_update seed[16];
    int32_t n = 0;
    for (int64_t p = 1000; p <= 1004; p++) seed[n++] = up(0, p, 1);
    seed[n++] = up(0, 1008, 2);
    seed[n++] = up(0, 1009, 3);
    for (int64_t p = 1011; p <= 1015; p++) seed[n++] = up(1, p, 1);
    CHECK_EQ_STATUS(hft_book_apply_batch(b, seed, n), HFT_OK);
    CHECK_EQ_STATUS(hft_book_apply_batch(twin, seed, n), HFT_OK);
    hft_level_update ups[6];
    for (int32_t j = 0; j < sizes[c]; j++)
      ups[j] = up((int32_t)cases[c][j][0], (int64_t)cases[c][j][1], (int64_t)cases[c][j][2]);
    CHECK_EQ_STATUS(hft_book_apply_batch_f64(b, &cases[c][0][0], sizes[c]), HFT_OK);
    CHECK_EQ_STATUS(hft_book_apply_batch(twin, ups, sizes[c]), HFT_OK);
    state got, expect;
    snap_state(b, &got);
    snap_state(twin, &expect);
    CHECK(memcmp(&got, &expect, sizeof got) == 0);
    CHECK(best_price(b, 0) == best_price(twin, 0) && best_price(b, 1) == best_price(twin, 1));
    CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
    hft_book_destroy(b);
    hft_book_destroy(twin);
  }
}

/* Affinity: bad arguments change nothing; pinning to one allowed CPU and back is seen by the getter. */
static void test_cpu_affinity(void) {
  int32_t before[HFT_MAX_CPUS];
  int32_t n = hft_cpu_allowed(before, HFT_MAX_CPUS);
  CHECK(n >= 1 && n <= HFT_MAX_CPUS && hft_cpu_allowed(NULL, 0) == n);
  CHECK(hft_cpu_allowed(NULL, 1) == -HFT_E_NULL_POINTER && hft_cpu_allowed(before, -1) == -HFT_E_BAD_COUNT);
  const int32_t bad[2] = {before[0], HFT_MAX_CPUS};
  CHECK_EQ_STATUS(hft_cpu_pin(NULL, 1), HFT_E_NULL_POINTER);
  CHECK_EQ_STATUS(hft_cpu_pin(bad, 0), HFT_E_BAD_COUNT);
  CHECK_EQ_STATUS(hft_cpu_pin(bad, 2), HFT_E_BAD_PARAMS);
  CHECK(hft_cpu_allowed(NULL, 0) == n);
  const int32_t last = before[n - 1];
  CHECK_EQ_STATUS(hft_cpu_pin(&last, 1), HFT_OK);
  int32_t now[2] = {-1, -1};
  CHECK(hft_cpu_allowed(now, 2) == 1 && now[0] == last);
  CHECK_EQ_STATUS(hft_cpu_pin(before, n), HFT_OK);
  CHECK(hft_cpu_allowed(NULL, 0) == n);
}

int main(void) {
  test_create_params();
  test_null_handle();
  test_batch_and_reads();
  test_errors_leave_book_intact();
  test_f64_fast_path_bailouts();
  test_f64_fast_batch_positions();
  test_f64_batch_best_settled();
  test_snapshot();
  test_deep_book_and_jumps();
  test_sparse_book_and_window_moves();
  test_integrity_detects_corruption();
  test_consolidated_and_router();
  test_names_and_layout();
  test_cpu_affinity();
  printf("test_book: %d checks, %d failed\n", check_count, check_failures);
  return check_failures == 0 ? 0 : 1;
}
