/*
 * Randomized differential test: random streams of batches and snapshots (biased to the touch, with
 * deletes, price jumps, empty sides, crossed input, limit overflow and invalid input) go to the C
 * book and to a naive dense reference; status, every level and the derived numbers must agree
 * after every call, and the integrity check must pass. `zig build test` runs it twice: as built by
 * zig, and once more with -fsanitize=address,undefined.
 *
 * usage: random_book [seed] [level_ops]   (failures print the seed to replay)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hftcore.h"

#define RANGE 2048 /* reference prices live in [0, RANGE); the book accepts [LO, HI] */
#define LO 8
#define HI (RANGE - 9)
#define MAX_BATCH 64

/* The reference: a dense quantity array per side, obviously correct and slow. */
typedef struct ref {
  int64_t qty[2][RANGE];
  int32_t max_levels;
  uint64_t updates;
} ref;

static int32_t ref_count(const ref* r, int s) {
  int32_t n = 0;
  for (int p = 0; p < RANGE; p++) n += r->qty[s][p] > 0;
  return n;
}

static hft_status ref_check(int32_t side, int64_t price, int64_t qty) {
  if (side != 0 && side != 1) return HFT_E_BAD_SIDE;
  if (price < LO || price > HI) return HFT_E_PRICE_OUT_OF_RANGE;
  if (qty < 0) return HFT_E_NEGATIVE_QTY;
  if (qty > HFT_MAX_QTY) return HFT_E_QTY_TOO_LARGE;
  return HFT_OK;
}

static hft_status ref_batch(ref* r, const hft_level_update* u, int32_t n) {
  if (n > MAX_BATCH) return HFT_E_BATCH_TOO_LARGE;
  for (int32_t i = 0; i < n; i++) {
    hft_status st = ref_check(u[i].side, u[i].price, u[i].qty);
    if (st != HFT_OK) return st;
  }
  /* sequential semantics: a batch fails if any insert finds its side already full */
  ref next = *r;
  int32_t count[2] = {ref_count(r, 0), ref_count(r, 1)};
  for (int32_t i = 0; i < n; i++) {
    int64_t* q = &next.qty[u[i].side][u[i].price];
    count[u[i].side] += (u[i].qty > 0) - (*q > 0);
    *q = u[i].qty;
    if (count[u[i].side] > r->max_levels) return HFT_E_BOOK_FULL;
  }
  next.updates++;
  *r = next;
  return HFT_OK;
}

static hft_status ref_snapshot(ref* r, const hft_level_update* u, int32_t n) {
  for (int32_t i = 0; i < n; i++) {
    hft_status st = ref_check(u[i].side, u[i].price, u[i].qty);
    if (st != HFT_OK) return st;
  }
  int32_t count[2] = {0, 0};
  for (int32_t i = 0; i < n; i++) count[u[i].side] += u[i].qty > 0;
  if (count[0] > r->max_levels || count[1] > r->max_levels) return HFT_E_BOOK_FULL;
  ref next = *r;
  memset(next.qty, 0, sizeof(next.qty));
  for (int32_t i = 0; i < n; i++) {
    if (u[i].qty == 0) continue;
    if (next.qty[u[i].side][u[i].price] != 0) return HFT_E_DUPLICATE_LEVEL;
    next.qty[u[i].side][u[i].price] = u[i].qty;
  }
  next.updates++;
  *r = next;
  return HFT_OK;
}

/* Best-first levels of a side of the reference. */
static int32_t ref_levels(const ref* r, int s, int64_t* prices, int64_t* qtys) {
  int32_t n = 0;
  if (s == 0) {
    for (int p = RANGE - 1; p >= 0; p--)
      if (r->qty[0][p] > 0) prices[n] = p, qtys[n++] = r->qty[0][p];
  } else {
    for (int p = 0; p < RANGE; p++)
      if (r->qty[1][p] > 0) prices[n] = p, qtys[n++] = r->qty[1][p];
  }
  return n;
}

static uint64_t rng_state;
static uint64_t next_u64(void) { /* splitmix64 */
  uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}
static int32_t rnd(int32_t n) { return (int32_t)(next_u64() % (uint64_t)n); }

/* One random level update around the current centre of each side. */
static hft_level_update random_update(int32_t centre, int invalid_pct) {
  hft_level_update u;
  memset(&u, 0, sizeof(u));
  u.side = rnd(2);
  const int32_t r = rnd(100);
  int32_t dist = r < 70 ? rnd(6) : r < 95 ? rnd(40) : rnd(RANGE);
  int32_t price = u.side == 0 ? centre - 1 - dist : centre + dist;
  if (rnd(20) == 0) price = u.side == 0 ? centre + rnd(5) : centre - rnd(5); /* crossing */
  if (price < LO) price = LO + rnd(4);
  if (price > HI) price = HI - rnd(4);
  u.price = price;
  u.qty = rnd(3) == 0 ? 0 : 1 + rnd(1000);
  if (rnd(100) < invalid_pct) {
    switch (rnd(5)) {
      case 0: u.side = rnd(2) ? 2 : -1; break;
      case 1: u.price = rnd(2) ? LO - 1 - rnd(LO) : HI + 1 + rnd(8); break;
      case 2: u.qty = -1 - rnd(5); break;
      case 3: u.qty = HFT_MAX_QTY + 1; break;
      default: u.qty = HFT_MAX_QTY - rnd(3); break; /* valid, extreme */
    }
  }
  return u;
}

static void to_records(const hft_level_update* u, int32_t n, double* rec) {
  for (int32_t i = 0; i < n; i++) {
    rec[3 * i + 0] = (double)u[i].side;
    rec[3 * i + 1] = (double)u[i].price;
    rec[3 * i + 2] = (double)u[i].qty;
  }
}

static int f64_representable(const hft_level_update* u, int32_t n) {
  for (int32_t i = 0; i < n; i++)
    if (u[i].qty > HFT_MAX_QTY) return 0; /* f64 path reports NOT_INTEGER for these instead */
  return 1;
}

/* Compares everything observable; returns 0 on the first divergence (already reported). */
static int compare(const hft_book* b, const ref* r, uint64_t seed, long op) {
  static int64_t bp[RANGE], bq[RANGE], rp[RANGE], rq[RANGE];
  int ok = 1;
  if (hft_book_check_integrity(b) != HFT_OK) {
    fprintf(stderr, "seed %llu op %ld: integrity check failed\n", (unsigned long long)seed, op);
    ok = 0;
  }
  for (int s = 0; s < 2 && ok; s++) {
    int32_t n = 0;
    hft_book_top(b, s, RANGE, bp, bq, &n);
    int32_t m = ref_levels(r, s, rp, rq);
    if (n != m || memcmp(bp, rp, sizeof(int64_t) * (size_t)n) != 0 ||
        memcmp(bq, rq, sizeof(int64_t) * (size_t)n) != 0) {
      fprintf(stderr, "seed %llu op %ld: side %d levels differ (book %d, ref %d)\n", (unsigned long long)seed, op, s,
              n, m);
      ok = 0;
      break;
    }
    /* depth to a random number of levels and to a random price */
    const int32_t k = rnd(12);
    const int64_t limit = rnd(RANGE);
    __int128 wq = 0, wv = 0, wlq = 0, wlv = 0;
    for (int32_t i = 0; i < k && i < m; i++) wq += rq[i], wv += (__int128)rp[i] * rq[i];
    for (int32_t i = 0; i < m; i++)
      if (s == 0 ? rp[i] >= limit : rp[i] <= limit) wlq += rq[i], wlv += (__int128)rp[i] * rq[i];
    int64_t q = -1, v = -1, lq = -1, lv = -1;
    const hft_status st1 = hft_book_depth_levels(b, s, k, &q, &v);
    const hft_status st2 = hft_book_depth_to_price(b, s, limit, &lq, &lv);
    const int over1 = wq > INT64_MAX || wv > INT64_MAX;
    const int over2 = wlq > INT64_MAX || wlv > INT64_MAX;
    const int good1 = over1 ? st1 == HFT_E_OVERFLOW : (st1 == HFT_OK && q == (int64_t)wq && v == (int64_t)wv);
    const int good2 = over2 ? st2 == HFT_E_OVERFLOW : (st2 == HFT_OK && lq == (int64_t)wlq && lv == (int64_t)wlv);
    const int good3 = hft_book_depth_to_price_f64(b, s, (double)limit) == (double)wlq &&
                      hft_book_notional_to_price_f64(b, s, (double)limit) == (double)wlv &&
                      hft_book_depth_levels_f64(b, s, k) == (double)wq;
    if (!good1 || !good2 || !good3) {
      fprintf(stderr, "seed %llu op %ld: side %d depth differs (k %d, limit %lld: %d %d %d)\n",
              (unsigned long long)seed, op, s, k, (long long)limit, good1, good2, good3);
      ok = 0;
    }
  }
  uint64_t u = 0;
  hft_book_update_count(b, &u);
  if (ok && u != r->updates) {
    fprintf(stderr, "seed %llu op %ld: update count %llu vs %llu\n", (unsigned long long)seed, op,
            (unsigned long long)u, (unsigned long long)r->updates);
    ok = 0;
  }
  int32_t crossed = 0;
  hft_book_is_crossed(b, &crossed);
  int32_t nb = ref_levels(r, 0, rp, rq);
  int64_t bb = nb > 0 ? rp[0] : -1;
  int32_t na = ref_levels(r, 1, rp, rq);
  int64_t ba = na > 0 ? rp[0] : -1;
  if (ok && crossed != (nb > 0 && na > 0 && bb >= ba)) {
    fprintf(stderr, "seed %llu op %ld: crossed flag differs\n", (unsigned long long)seed, op);
    ok = 0;
  }
  return ok;
}

int main(int argc, char** argv) {
  const uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 20261125;
  const long target_ops = argc > 2 ? strtol(argv[2], NULL, 10) : 1000000;
  rng_state = seed;
  static ref r;
  hft_level_update ups[MAX_BATCH + 8];
  static hft_level_update snap[2 * RANGE];
  static double rec[3 * 2 * RANGE];
  long level_ops = 0;
  long calls = 0;
  long failed_calls = 0;
  int rounds = 0;
  while (level_ops < target_ops && check_failures == 0) {
    /* a fresh book per round with random limits, so overflow and tiny books both happen */
    memset(&r, 0, sizeof(r));
    r.max_levels = rnd(4) == 0 ? 1 + rnd(8) : 16 + rnd(200);
    hft_book_params p = {LO, HI, r.max_levels, MAX_BATCH};
    hft_book* b = NULL;
    CHECK_EQ_STATUS(hft_book_create(&p, &b), HFT_OK);
    int32_t centre = RANGE / 2;
    const int invalid_pct = rnd(3) == 0 ? 0 : 1 + rnd(3);
    for (int step = 0; step < 2000 && check_failures == 0; step++) {
      const int32_t kind = rnd(1000);
      hft_status got, want;
      if (kind < 10) { /* price jump */
        centre = LO + 20 + rnd(HI - LO - 40);
        continue;
      }
      if (kind < 40) { /* snapshot */
        int32_t n = rnd(2 * r.max_levels + 4);
        if (n > 2 * RANGE) n = 2 * RANGE;
        for (int32_t i = 0; i < n; i++) snap[i] = random_update(centre, invalid_pct / 2);
        if (rnd(2)) { /* often a proper, duplicate-free snapshot */
          static unsigned char used[2][RANGE];
          memset(used, 0, sizeof(used));
          int32_t m = 0;
          for (int32_t i = 0; i < n; i++) {
            hft_level_update u = snap[i];
            if (u.side < 0 || u.side > 1 || u.price < 0 || u.price >= RANGE || used[u.side][u.price]) continue;
            used[u.side][u.price] = 1;
            snap[m++] = u;
          }
          n = m;
        }
        want = ref_snapshot(&r, snap, n);
        if (rnd(2) && f64_representable(snap, n)) {
          to_records(snap, n, rec);
          got = hft_book_apply_snapshot_f64(b, rec, n);
        } else {
          got = hft_book_apply_snapshot(b, snap, n);
        }
        level_ops += n;
      } else if (kind < 45) {
        want = HFT_OK;
        memset(r.qty, 0, sizeof(r.qty));
        r.updates++;
        got = hft_book_clear(b);
      } else {
        int32_t n = rnd(8) == 0 ? rnd(MAX_BATCH + 3) : rnd(24);
        for (int32_t i = 0; i < n; i++) ups[i] = random_update(centre, invalid_pct);
        if (rnd(3) == 0) centre += rnd(5) - 2;
        if (centre < LO + 10) centre = LO + 10;
        if (centre > HI - 10) centre = HI - 10;
        want = ref_batch(&r, ups, n);
        if (rnd(2) && f64_representable(ups, n)) {
          to_records(ups, n, rec);
          got = hft_book_apply_batch_f64(b, rec, n);
        } else {
          got = hft_book_apply_batch(b, ups, n);
        }
        level_ops += n;
      }
      calls++;
      failed_calls += got != HFT_OK;
      if (got != want) {
        fprintf(stderr, "seed %llu op %ld: status %s, reference %s\n", (unsigned long long)seed, calls,
                hft_status_name(got), hft_status_name(want));
        check_failures++;
      } else if (!compare(b, &r, seed, calls)) {
        check_failures++;
      }
    }
    hft_book_destroy(b);
    rounds++;
  }
  printf("random_book seed %llu: %ld level ops in %ld calls (%ld rejected), %d books, %d failures\n",
         (unsigned long long)seed, level_ops, calls, failed_calls, rounds, check_failures);
  return check_failures == 0 ? 0 : 1;
}
