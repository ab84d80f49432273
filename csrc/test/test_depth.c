/*
 * Unit tests of the depth frame decoder (csrc/src/depth.c): JSON validity as JSON.parse sees it, the
 * Binance and OKX fields, decimal strings to ticks and lots, the sequence rules, the staging contract
 * and every status, with the book's integrity checked after every decode. Run by `zig build test`.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hftcore.h"

#define CHECK_DEPTH(got, want)                                                                          \
  do {                                                                                                  \
    int got_ = (int)(got);                                                                              \
    int want_ = (int)(want);                                                                            \
    check_count++;                                                                                      \
    if (got_ != want_) {                                                                                \
      check_failures++;                                                                                 \
      fprintf(stderr, "decode %s (%d), want %s (%d): %s at %s:%d\n", hft_depth_status_name(got_), got_, \
              hft_depth_status_name(want_), want_, #got, __FILE__, __LINE__);                           \
    }                                                                                                   \
  } while (0)

static hft_book* book_new(int32_t max_levels, int32_t max_batch) {
  hft_book_params p = {0, HFT_MAX_PRICE, max_levels, max_batch};
  hft_book* b = NULL;
  CHECK_EQ_STATUS(hft_book_create(&p, &b), HFT_OK);
  return b;
}

/* price grid 0.01 (2 decimals, unit 1), qty grid 0.001 (3 decimals, unit 1) */
static hft_depth* depth_new(int32_t venue, const char* key, int32_t max_levels) {
  hft_depth_params p;
  memset(&p, 0, sizeof p);
  p.price_unit = 1;
  p.qty_unit = 1;
  p.max_ticks = HFT_MAX_PRICE;
  p.max_lots = HFT_MAX_QTY;
  p.venue = venue;
  p.price_decimals = 2;
  p.qty_decimals = 3;
  p.max_frame = 4096;
  p.max_levels = max_levels;
  strcpy(p.key, key);
  hft_depth* d = NULL;
  CHECK_EQ_STATUS(hft_depth_create(&p, &d), HFT_OK);
  return d;
}

static int32_t decode(hft_depth* d, hft_book* b, const char* s, int32_t mode, double pos) {
  const int32_t st = hft_depth_decode(d, b, (const uint8_t*)s, (int32_t)strlen(s), mode, pos);
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
  return st;
}

static const double* res(const hft_depth* d) { return hft_depth_result(d); }

static int64_t best(const hft_book* b, int32_t side) {
  int64_t p = -1;
  int64_t q = 0;
  return hft_book_best(b, side, &p, &q) == HFT_OK ? p : -1;
}

static int64_t qty_at(const hft_book* b, int32_t side, int64_t price) {
  int64_t prices[64];
  int64_t qtys[64];
  int32_t n = 0;
  hft_book_top(b, side, 64, prices, qtys, &n);
  for (int32_t i = 0; i < n; i++)
    if (prices[i] == price) return qtys[i];
  return 0;
}

static uint64_t updates(const hft_book* b) {
  uint64_t u = 0;
  hft_book_update_count(b, &u);
  return u;
}

#define BN(body) "{\"stream\":\"btcusdt@depth\",\"data\":{" body "}}"

static void test_params(void) {
  hft_depth_params p;
  memset(&p, 0, sizeof p);
  hft_depth* d = NULL;
  CHECK_EQ_STATUS(hft_depth_create(NULL, &d), HFT_E_NULL_POINTER);
  CHECK_EQ_STATUS(hft_depth_create(&p, NULL), HFT_E_NULL_POINTER);
  CHECK_EQ_STATUS(hft_depth_create(&p, &d), HFT_E_BAD_PARAMS); /* units 0, no key */
  p.price_unit = p.qty_unit = 1;
  p.max_ticks = p.max_lots = 100;
  p.max_frame = 100;
  p.max_levels = 10;
  CHECK_EQ_STATUS(hft_depth_create(&p, &d), HFT_E_BAD_PARAMS); /* empty key */
  strcpy(p.key, "bad\"key");
  CHECK_EQ_STATUS(hft_depth_create(&p, &d), HFT_E_BAD_PARAMS);
  strcpy(p.key, "ok");
  p.venue = HFT_VENUE_COUNT;
  CHECK_EQ_STATUS(hft_depth_create(&p, &d), HFT_E_BAD_PARAMS);
  p.venue = HFT_VENUE_OKX;
  p.price_decimals = 19;
  CHECK_EQ_STATUS(hft_depth_create(&p, &d), HFT_E_BAD_PARAMS);
  p.price_decimals = 2;
  p.max_frame = HFT_DEPTH_MAX_FRAME_LIMIT + 1;
  CHECK_EQ_STATUS(hft_depth_create(&p, &d), HFT_E_BAD_PARAMS);
  p.max_frame = 100;
  CHECK_EQ_STATUS(hft_depth_create(&p, &d), HFT_OK);
  hft_book* b = book_new(10, 10);
  hft_book* big = book_new(10, 11);
  CHECK(hft_depth_decode(NULL, b, (const uint8_t*)"{}", 2, 0, 0) == -HFT_E_NULL_HANDLE);
  CHECK(hft_depth_decode(d, NULL, (const uint8_t*)"{}", 2, 0, 0) == -HFT_E_NULL_HANDLE);
  CHECK(hft_depth_decode(d, b, NULL, 2, 0, 0) == -HFT_E_NULL_POINTER);
  CHECK(hft_depth_decode(d, b, (const uint8_t*)"{}", -1, 0, 0) == -HFT_E_BAD_COUNT);
  CHECK(hft_depth_decode(d, b, (const uint8_t*)"{}", 2, 3, 0) == -HFT_E_BAD_PARAMS);
  CHECK(hft_depth_decode(d, big, (const uint8_t*)"{}", 2, 0, 0) == -HFT_E_BATCH_TOO_LARGE);
  char longer[101];
  memset(longer, ' ', sizeof longer);
  CHECK_DEPTH(hft_depth_decode(d, b, (const uint8_t*)longer, 101, 0, 0), HFT_DEPTH_TOO_LONG);
  CHECK(hft_depth_result(NULL) == NULL);
  CHECK(strcmp(hft_depth_status_name(HFT_DEPTH_GAP), "HFT_DEPTH_GAP") == 0);
  CHECK(strcmp(hft_depth_status_name(99), "HFT_DEPTH_UNKNOWN") == 0);
  CHECK_EQ_STATUS(hft_depth_destroy(d), HFT_OK);
  CHECK_EQ_STATUS(hft_depth_destroy(NULL), HFT_E_NULL_HANDLE);
  hft_book_destroy(b);
  hft_book_destroy(big);
}

static void test_binance_apply(void) {
  hft_depth* d = depth_new(HFT_VENUE_BINANCE, "btcusdt@depth", 16);
  hft_book* b = book_new(100, 16);
  const char* f = BN("\"e\":\"depthUpdate\",\"E\":1700000000123,\"s\":\"BTCUSDT\",\"U\":11,\"u\":12,"
                     "\"b\":[[\"100.01\",\"1.5\"],[\"99.99\",\"0.001\"]],\"a\":[[\"100.05\",\"2\"]]");
  CHECK_DEPTH(decode(d, b, f, HFT_DEPTH_LIVE, 10), HFT_DEPTH_APPLIED);
  CHECK(res(d)[HFT_DR_FIRST] == 11 && res(d)[HFT_DR_LAST] == 12);
  CHECK(res(d)[HFT_DR_EVENT_TIME] == 1700000000123.0);
  CHECK(res(d)[HFT_DR_BIDS] == 2 && res(d)[HFT_DR_ASKS] == 1 && res(d)[HFT_DR_SNAPSHOT] == 0);
  CHECK(best(b, 0) == 10001 && qty_at(b, 0, 10001) == 1500 && qty_at(b, 0, 9999) == 1);
  CHECK(best(b, 1) == 10005 && qty_at(b, 1, 10005) == 2000);
  /* the staged records are what was applied: bids then asks, in frame order */
  const double* st = hft_book_staging_f64(b);
  const double want[] = {0, 10001, 1500, 0, 9999, 1, 1, 10005, 2000};
  CHECK(memcmp(st, want, sizeof want) == 0);
  /* sequence: duplicate, gap, then the next one */
  CHECK_DEPTH(decode(d, b, f, HFT_DEPTH_LIVE, 12), HFT_DEPTH_DUPLICATE);
  const char* g = BN("\"U\":14,\"u\":15,\"b\":[],\"a\":[[\"100.05\",\"0\"]]");
  CHECK_DEPTH(decode(d, b, g, HFT_DEPTH_LIVE, 12), HFT_DEPTH_GAP);
  CHECK(best(b, 1) == 10005);
  CHECK_DEPTH(decode(d, b, g, HFT_DEPTH_LIVE, 13), HFT_DEPTH_APPLIED);
  CHECK(best(b, 1) == -1);
  CHECK(res(d)[HFT_DR_EVENT_TIME] == -1); /* no E */
  CHECK_DEPTH(decode(d, b, g, HFT_DEPTH_UNSYNCED, 0), HFT_DEPTH_NOT_SYNCED);
  /* bridging a snapshot: U <= position + 1 <= u applies */
  const char* h = BN("\"U\":10,\"u\":20,\"b\":[[\"1\",\"1\"]],\"a\":[]");
  CHECK_DEPTH(decode(d, b, h, HFT_DEPTH_LIVE, 15), HFT_DEPTH_APPLIED);
  CHECK(qty_at(b, 0, 100) == 1000);
  /* rehearsal: no sequence check */
  CHECK_DEPTH(decode(d, b, h, HFT_DEPTH_REHEARSE, 1e9), HFT_DEPTH_APPLIED);
  /* crossed after apply: applied, reported */
  const char* x = BN("\"U\":21,\"u\":21,\"b\":[[\"200\",\"1\"]],\"a\":[[\"150\",\"1\"]]");
  CHECK_DEPTH(decode(d, b, x, HFT_DEPTH_LIVE, 20), HFT_DEPTH_CROSSED);
  CHECK(best(b, 0) == 20000);
  hft_depth_destroy(d);
  hft_book_destroy(b);
}

static void test_binance_fields(void) {
  hft_depth* d = depth_new(HFT_VENUE_BINANCE, "btcusdt@depth", 8);
  hft_book* b = book_new(100, 8);
  const uint64_t u0 = updates(b);
  /* routing */
  CHECK_DEPTH(decode(d, b, "{\"stream\":\"ethusdt@depth\",\"data\":{\"U\":1,\"u\":1,\"b\":[],\"a\":[]}}", 0, 0),
              HFT_DEPTH_OTHER);
  CHECK_DEPTH(decode(d, b, "{\"result\":null,\"id\":1}", 0, 0), HFT_DEPTH_OTHER);
  CHECK_DEPTH(decode(d, b, "[1,2]", 0, 0), HFT_DEPTH_OTHER);
  CHECK_DEPTH(decode(d, b, "{\"stream\":\"btcusdt@depth\",\"data\":null}", 0, 0), HFT_DEPTH_OTHER);
  CHECK_DEPTH(decode(d, b, "{\"stream\":\"btcusdt@depth\",\"data\":[]}", 0, 0), HFT_DEPTH_BAD_FIELDS);
  /* escapes decode before comparing, keys too */
  CHECK_DEPTH(decode(d, b, "{\"str\\u0065am\":\"btcusdt\\u0040depth\",\"data\":{\"\\u0055\":1,\"u\":1,\"b\":[],\"a\":[]}}",
                     0, 0),
              HFT_DEPTH_APPLIED);
  /* ids: safe integers, as JSON.parse reads them */
  CHECK_DEPTH(decode(d, b, BN("\"U\":\"1\",\"u\":1,\"b\":[],\"a\":[]"), 0, 0), HFT_DEPTH_BAD_FIELDS);
  CHECK_DEPTH(decode(d, b, BN("\"U\":1.5,\"u\":2,\"b\":[],\"a\":[]"), 0, 0), HFT_DEPTH_BAD_FIELDS);
  CHECK_DEPTH(decode(d, b, BN("\"U\":3,\"u\":2,\"b\":[],\"a\":[]"), 0, 0), HFT_DEPTH_BAD_FIELDS);
  CHECK_DEPTH(decode(d, b, BN("\"U\":1,\"u\":9007199254740992,\"b\":[],\"a\":[]"), 0, 0), HFT_DEPTH_BAD_FIELDS);
  CHECK_DEPTH(decode(d, b, BN("\"U\":1,\"u\":1e400,\"b\":[],\"a\":[]"), 0, 0), HFT_DEPTH_BAD_FIELDS);
  CHECK_DEPTH(decode(d, b, BN("\"U\":1,\"b\":[],\"a\":[]"), 0, 0), HFT_DEPTH_BAD_FIELDS);
  CHECK_DEPTH(decode(d, b, BN("\"U\":1e0,\"u\":20.0e-1,\"b\":[],\"a\":[]"), HFT_DEPTH_UNSYNCED, 0),
              HFT_DEPTH_NOT_SYNCED);
  CHECK(res(d)[HFT_DR_FIRST] == 1 && res(d)[HFT_DR_LAST] == 2);
  CHECK_DEPTH(decode(d, b, BN("\"U\":-0,\"u\":9007199254740991.4,\"E\":1.5,\"b\":[],\"a\":[]"), 1, 0),
              HFT_DEPTH_NOT_SYNCED);
  CHECK(res(d)[HFT_DR_FIRST] == 0 && res(d)[HFT_DR_LAST] == 9007199254740991.0 && res(d)[HFT_DR_EVENT_TIME] == -1);
  CHECK_DEPTH(decode(d, b, BN("\"U\":1,\"u\":1.00000000000000000001,\"b\":[],\"a\":[]"), 1, 0), HFT_DEPTH_NOT_SYNCED);
  /* duplicate keys: the last one wins, at every level */
  CHECK_DEPTH(decode(d, b, BN("\"U\":1,\"u\":5,\"U\":7,\"b\":[],\"a\":[]"), 0, 0), HFT_DEPTH_BAD_FIELDS);
  CHECK_DEPTH(decode(d, b,
                     "{\"stream\":\"btcusdt@depth\",\"data\":{\"U\":1,\"u\":1,\"b\":[],\"a\":[]},"
                     "\"data\":{\"u\":1}}",
                     0, 0),
              HFT_DEPTH_BAD_FIELDS);
  CHECK_DEPTH(decode(d, b, BN("\"U\":1,\"u\":1,\"b\":[[\"x\",\"1\"]],\"a\":[],\"b\":[[\"1\",\"1\"]]"), 0, 0),
              HFT_DEPTH_APPLIED);
  CHECK(qty_at(b, 0, 100) == 1000);
  CHECK(updates(b) == u0 + 2);
  hft_depth_destroy(d);
  hft_book_destroy(b);
}

/* Bytes that are not UTF-8 where the frame has room for strings to be read 16 bytes at a time: at
 * every offset of a block of a long string, as a one-character key and as a level's extra string; and
 * good UTF-8 there still passes. */
static void test_utf8_in_long_frames(hft_depth* d, hft_book* b) {
  const char* not_utf8[] = {"\xed\xa0\x80",     "\xff",   "\x80",     "\xc0\xaf",        "\xe0\x80\xaf",
                            "\xf0\x80\x80\xaf", "\xf4\x90\x80\x80", "\xc3", "\xe2\x82", "\xf0\x9f\x98"};
  const char* head = "{\"stream\":\"btcusdt@depth\",\"data\":{\"U\":1,\"u\":1,";
  const char* pad = "                                "; /* room after the frame's last string */
  char frame[512];
  for (size_t i = 0; i < sizeof not_utf8 / sizeof not_utf8[0]; i++) {
    for (int at = 0; at < 18; at++) {
      snprintf(frame, sizeof frame, "%s\"b\":[],\"a\":[],\"x\":\"%.*s%sABCDEFGHIJKLMNOPQRSTUVWXYZ\"}}%s", head, at,
               "abcdefghijklmnopqrstuvwxyz", not_utf8[i], pad);
      CHECK_DEPTH(decode(d, b, frame, 0, 0), HFT_DEPTH_BAD_JSON);
    }
    snprintf(frame, sizeof frame, "%s\"%s\":1,\"b\":[],\"a\":[]}}%s", head, not_utf8[i], pad);
    CHECK_DEPTH(decode(d, b, frame, 0, 0), HFT_DEPTH_BAD_JSON);
    snprintf(frame, sizeof frame, "%s\"b\":[[\"1.00\",\"2.000\",\"%s\"]],\"a\":[]}}%s", head, not_utf8[i], pad);
    CHECK_DEPTH(decode(d, b, frame, 0, 0), HFT_DEPTH_BAD_JSON);
  }
  snprintf(frame, sizeof frame, "%s\"b\":[[\"1.00\",\"2.000\",\"\xc3\xa9\"]],\"a\":[],\"\xc3\xa9\":\"%s\"}}%s", head,
           "abcdefghijklmnop\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80qrstuvwxyz", pad);
  CHECK_DEPTH(decode(d, b, frame, 0, 0), HFT_DEPTH_APPLIED);
}

static void test_json_validity(void) {
  hft_depth* d = depth_new(HFT_VENUE_BINANCE, "btcusdt@depth", 8);
  hft_book* b = book_new(100, 8);
  const char* bad[] = {
      "",
      " ",
      "{",
      "{\"stream\":\"btcusdt@depth\",\"data\":{\"U\":1,\"u\":1,\"b\":[],\"a\":[]}",
      "{\"stream\":\"btcusdt@depth\",\"data\":{\"U\":1,\"u\":1,\"b\":[],\"a\":[],}}",
      "{\"stream\":\"btcusdt@depth\",\"data\":{\"U\":01,\"u\":1,\"b\":[],\"a\":[]}}",
      "{\"stream\":\"btcusdt@depth\",\"data\":{\"U\":1.,\"u\":1,\"b\":[],\"a\":[]}}",
      "{\"stream\":\"btcusdt@depth\",\"data\":{\"U\":+1,\"u\":1,\"b\":[],\"a\":[]}}",
      "{\"stream\":\"btcusdt@depth\",\"data\":{\"U\":1e,\"u\":1,\"b\":[],\"a\":[]}}",
      "{\"stream\":\"btcusdt@depth\",\"data\":{\"U\":1,\"u\":1,\"b\":[],\"a\":[]}} x",
      "{\"stream\":\"btcusdt@depth\",\"data\":{\"U\":1,\"u\":1,\"b\":[],\"a\":[]}}{}",
      "{\"a\":\"\x01\"}",
      "{\"a\":\"\\x41\"}",
      "{\"a\":\"\\u00G1\"}",
      "{\"a\":\"\\U0041\"}",
      "{\"a\":tru}",
      "{\"a\":nul}",
      "{\"a\":[1 2]}",
      "{\"a\" 1}",
      "{a:1}",
      "{'a':1}",
      "\xef\xbb\xbf{}",
      "{\"a\":1}\xc2\xa0",
      "{\"a\":[[[[[[[[[[]]]]]]]]]}",
      "{\"a\":-}",
      "{\"a\":NaN}",
      "{\"a\":Infinity}",
      "{\"a\":\"unterminated}",
      /* not UTF-8 (bytes off a socket can be anything): surrogate, stray, overlong, too high, cut */
      "{\"a\":\"\xed\xa0\x80\"}",
      "{\"a\":\"\xff\"}",
      "{\"a\":\"\x80\"}",
      "{\"a\":\"\xc0\xaf\"}",
      "{\"a\":\"\xe0\x80\xaf\"}",
      "{\"a\":\"\xf0\x80\x80\xaf\"}",
      "{\"a\":\"\xf4\x90\x80\x80\"}",
      "{\"a\":\"\xc3\"}",
      "{\"a\":\"\xe2\x82\"}",
      "{\"a\":\"\xf0\x9f\x98\"}",
      "{\"a\":\"\xc3",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const int32_t st = decode(d, b, bad[i], 0, 0);
    if (st != HFT_DEPTH_BAD_JSON) fprintf(stderr, "bad JSON %zu accepted: %s\n", i, bad[i]);
    CHECK_DEPTH(st, HFT_DEPTH_BAD_JSON);
  }
  test_utf8_in_long_frames(d, b);
  const char* good[] = {
      " \t\n\r{\"a\":[1,-0,0.5e-3,1E+2,true,false,null,{\"x\":{}},[],\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"]} \n",
      "{\"a\":\"\x7f\xc3\xa9\xe2\x82\xac\xed\x9f\xbf\xee\x80\x80\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"}",
      "{\"\":1,\"__proto__\":{}}",
      "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
      "\"just a string\"",
      "123",
      "null",
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    const int32_t st = decode(d, b, good[i], 0, 0);
    if (st != HFT_DEPTH_OTHER) fprintf(stderr, "good JSON %zu refused: %s\n", i, good[i]);
    CHECK_DEPTH(st, HFT_DEPTH_OTHER);
  }
  /* nesting deeper than any fixed stack, inside a field nobody reads: still a valid depth frame */
  static char deep[4096];
  const char* head = "{\"stream\":\"btcusdt@depth\",\"data\":{\"U\":1,\"u\":1,\"b\":[],\"a\":[],\"x\":";
  size_t n = strlen(head);
  memcpy(deep, head, n);
  for (int i = 0; i < 1500; i++) deep[n++] = '[';
  for (int i = 0; i < 1500; i++) deep[n++] = ']';
  deep[n++] = '}';
  deep[n++] = '}';
  deep[n] = '\0';
  CHECK_DEPTH(decode(d, b, deep, 0, 0), HFT_DEPTH_APPLIED);
  deep[n - 3] = '}'; /* one bracket of the wrong kind */
  CHECK_DEPTH(decode(d, b, deep, 0, 0), HFT_DEPTH_BAD_JSON);
  hft_depth_destroy(d);
  hft_book_destroy(b);
}

static void test_levels(void) {
  hft_depth* d = depth_new(HFT_VENUE_BINANCE, "btcusdt@depth", 4);
  hft_book* b = book_new(100, 4);
  struct {
    const char* body;
    int32_t status;
    int32_t level_error;
    int32_t bids;
    int32_t asks;
  } cases[] = {
      {"\"U\":1,\"u\":1,\"b\":[[\"1.00\",\"2.000\"]],\"a\":[]", HFT_DEPTH_APPLIED, 0, 1, 0},
      {"\"U\":1,\"u\":1,\"b\":[[\"1.001\",\"2\"]],\"a\":[]", HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_MALFORMED, 0, 0},
      {"\"U\":1,\"u\":1,\"b\":[[\"1.010\",\"2.0000000\"]],\"a\":[]", HFT_DEPTH_APPLIED, 0, 1, 0},
      {"\"U\":1,\"u\":1,\"b\":[[\".5\",\"5.\"]],\"a\":[]", HFT_DEPTH_APPLIED, 0, 1, 0},
      {"\"U\":1,\"u\":1,\"b\":[[\".\",\"1\"]],\"a\":[]", HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_MALFORMED, 0, 0},
      {"\"U\":1,\"u\":1,\"b\":[[\"\",\"1\"]],\"a\":[]", HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_MALFORMED, 0, 0},
      {"\"U\":1,\"u\":1,\"b\":[[\"-1\",\"1\"]],\"a\":[]", HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_MALFORMED, 0, 0},
      {"\"U\":1,\"u\":1,\"b\":[[\"1e2\",\"1\"]],\"a\":[]", HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_MALFORMED, 0, 0},
      {"\"U\":1,\"u\":1,\"b\":[[1,\"1\"]],\"a\":[]", HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_MALFORMED, 0, 0},
      {"\"U\":1,\"u\":1,\"b\":[[\"1\"]],\"a\":[]", HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_MALFORMED, 0, 0},
      {"\"U\":1,\"u\":1,\"b\":[\"1\"],\"a\":[]", HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_MALFORMED, 0, 0},
      {"\"U\":1,\"u\":1,\"b\":{},\"a\":[]", HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_NOT_ARRAY, 0, 0},
      {"\"U\":1,\"u\":1,\"a\":[]", HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_NOT_ARRAY, 0, 0},
      {"\"U\":1,\"u\":1,\"b\":[],\"a\":null", HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_NOT_ARRAY, 0, 0},
      {"\"U\":1,\"u\":1,\"b\":[[\"0\",\"1\"]],\"a\":[]", HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_OUT_OF_RANGE, 0, 0},
      {"\"U\":1,\"u\":1,\"b\":[[\"90071992547409.92\",\"1\"]],\"a\":[]", HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_MALFORMED, 0,
       0},
      {"\"U\":1,\"u\":1,\"b\":[[\"90071992547409.91\",\"1\"]],\"a\":[]", HFT_DEPTH_APPLIED, 0, 1, 0},
      {"\"U\":1,\"u\":1,\"b\":[[\"000000000000000000000000001\",\"1\"]],\"a\":[]", HFT_DEPTH_APPLIED, 0, 1, 0},
      /* escapes inside the numbers' strings decode first, as JSON.parse does */
      {"\"U\":1,\"u\":1,\"b\":[[\"\\u0031\\u002e5\",\"1\"]],\"a\":[]", HFT_DEPTH_APPLIED, 0, 1, 0},
      {"\"U\":1,\"u\":1,\"b\":[[\"1\\u00a0\",\"1\"]],\"a\":[]", HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_MALFORMED, 0, 0},
      {"\"U\":1,\"u\":1,\"b\":[[\"1\xc3\xa9\",\"1\"]],\"a\":[]", HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_MALFORMED, 0, 0},
      /* extra level fields are ignored, whatever they are */
      {"\"U\":1,\"u\":1,\"b\":[[\"1\",\"1\",\"0\",{\"x\":[1]}]],\"a\":[]", HFT_DEPTH_APPLIED, 0, 1, 0},
      /* the first bad level decides; good ones before it stay staged */
      {"\"U\":1,\"u\":1,\"b\":[[\"1\",\"1\"],[\"2\",\"x\"],[\"0\",\"1\"]],\"a\":[]", HFT_DEPTH_BAD_LEVELS,
       HFT_LEVEL_MALFORMED, 1, 0},
      {"\"U\":1,\"u\":1,\"b\":[[\"1\",\"1\"]],\"a\":[[\"2\",\"1\"],[\"0\",\"x\"]]", HFT_DEPTH_BAD_LEVELS,
       HFT_LEVEL_MALFORMED, 1, 1},
      /* staging holds 4: a fifth level is too many, unless it is bad anyway */
      {"\"U\":1,\"u\":1,\"b\":[[\"1\",\"1\"],[\"2\",\"1\"],[\"3\",\"1\"]],\"a\":[[\"4\",\"1\"],[\"5\",\"1\"]]",
       HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_STAGING_FULL, 3, 1},
      {"\"U\":1,\"u\":1,\"b\":[[\"1\",\"1\"],[\"2\",\"1\"],[\"3\",\"1\"]],\"a\":[[\"4\",\"1\"],[\"0\",\"1\"]]",
       HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_OUT_OF_RANGE, 3, 1},
      {"\"U\":1,\"u\":1,\"b\":[[\"1\",\"1\"],[\"2\",\"1\"],[\"3\",\"1\"],[\"4\",\"1\"],[\"5\",\"1\"]],\"a\":[]",
       HFT_DEPTH_BAD_LEVELS, HFT_LEVEL_STAGING_FULL, 4, 0},
      {"\"U\":1,\"u\":1,\"b\":[[\"1\",\"1\"],[\"2\",\"1\"],[\"3\",\"1\"],[\"4\",\"1\"]],\"a\":[]", HFT_DEPTH_APPLIED, 0,
       4, 0},
      /* ask keys may come first; bids are still staged first */
      {"\"a\":[[\"9\",\"1\"]],\"U\":1,\"u\":1,\"b\":[[\"8\",\"1\"]]", HFT_DEPTH_APPLIED, 0, 1, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char frame[1024];
    snprintf(frame, sizeof frame, "{\"stream\":\"btcusdt@depth\",\"data\":{%s}}", cases[i].body);
    hft_book_clear(b);
    const int32_t st = decode(d, b, frame, HFT_DEPTH_REHEARSE, 0);
    const double* r = res(d);
    if (st != cases[i].status || r[HFT_DR_LEVEL_ERROR] != cases[i].level_error || r[HFT_DR_BIDS] != cases[i].bids ||
        r[HFT_DR_ASKS] != cases[i].asks) {
      fprintf(stderr, "level case %zu: %s err %g bids %g asks %g: %s\n", i, hft_depth_status_name(st),
              r[HFT_DR_LEVEL_ERROR], r[HFT_DR_BIDS], r[HFT_DR_ASKS], frame);
    }
    CHECK_DEPTH(st, cases[i].status);
    CHECK(r[HFT_DR_LEVEL_ERROR] == cases[i].level_error);
    CHECK(r[HFT_DR_BIDS] == cases[i].bids && r[HFT_DR_ASKS] == cases[i].asks);
  }
  /* the staged records after the ask-first frame: bid first */
  const double* stg = hft_book_staging_f64(b);
  CHECK(stg[0] == 0 && stg[1] == 800 && stg[3] == 1 && stg[4] == 900);
  hft_depth_destroy(d);
  hft_book_destroy(b);
}

static void test_grid_units(void) {
  /* tick 0.05 (2 decimals, unit 5), lot 10 (0 decimals, unit 10) */
  hft_depth_params p;
  memset(&p, 0, sizeof p);
  p.price_unit = 5;
  p.price_decimals = 2;
  p.qty_unit = 10;
  p.qty_decimals = 0;
  p.max_ticks = 1000;
  p.max_lots = 1000;
  p.venue = HFT_VENUE_BINANCE;
  p.max_frame = 1024;
  p.max_levels = 8;
  strcpy(p.key, "k");
  hft_depth* d = NULL;
  CHECK_EQ_STATUS(hft_depth_create(&p, &d), HFT_OK);
  hft_book* b = book_new(100, 8);
  CHECK_DEPTH(decode(d, b, "{\"stream\":\"k\",\"data\":{\"U\":1,\"u\":1,\"b\":[[\"1.05\",\"30\"]],\"a\":[]}}", 2, 0),
              HFT_DEPTH_APPLIED);
  CHECK(qty_at(b, 0, 21) == 3);
  CHECK_DEPTH(decode(d, b, "{\"stream\":\"k\",\"data\":{\"U\":1,\"u\":1,\"b\":[[\"1.04\",\"30\"]],\"a\":[]}}", 2, 0),
              HFT_DEPTH_BAD_LEVELS);
  CHECK_DEPTH(decode(d, b, "{\"stream\":\"k\",\"data\":{\"U\":1,\"u\":1,\"b\":[[\"1.05\",\"35\"]],\"a\":[]}}", 2, 0),
              HFT_DEPTH_BAD_LEVELS);
  CHECK_DEPTH(decode(d, b, "{\"stream\":\"k\",\"data\":{\"U\":1,\"u\":1,\"b\":[[\"50.05\",\"10\"]],\"a\":[]}}", 2, 0),
              HFT_DEPTH_BAD_LEVELS); /* 1001 ticks > max_ticks */
  CHECK(res(d)[HFT_DR_LEVEL_ERROR] == HFT_LEVEL_OUT_OF_RANGE);
  hft_depth_destroy(d);
  hft_book_destroy(b);
}

#define OKX(action, data) \
  "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"" action "\",\"data\":[{" data "}]}"

static void test_okx(void) {
  hft_depth* d = depth_new(HFT_VENUE_OKX, "BTC-USDT", 16);
  hft_book* b = book_new(100, 16);
  const char* snap = OKX("snapshot",
                         "\"asks\":[[\"101\",\"1\",\"0\",\"1\"]],\"bids\":[[\"100\",\"2\",\"0\",\"3\"],[\"99\",\"1\",\"0\",\"1\"]],"
                         "\"ts\":\"1597026383085\",\"checksum\":0,\"prevSeqId\":-1,\"seqId\":10");
  CHECK_DEPTH(decode(d, b, snap, HFT_DEPTH_UNSYNCED, 0), HFT_DEPTH_APPLIED);
  CHECK(res(d)[HFT_DR_SNAPSHOT] == 1 && res(d)[HFT_DR_LAST] == 10 && res(d)[HFT_DR_FIRST] == -1);
  CHECK(res(d)[HFT_DR_EVENT_TIME] == 1597026383085.0);
  CHECK(best(b, 0) == 10000 && best(b, 1) == 10100 && qty_at(b, 0, 9900) == 1000);
  const char* up = OKX("update", "\"asks\":[[\"101\",\"0\",\"0\",\"0\"]],\"bids\":[],\"ts\":\"1\",\"prevSeqId\":10,\"seqId\":11");
  CHECK_DEPTH(decode(d, b, up, HFT_DEPTH_UNSYNCED, 0), HFT_DEPTH_NOT_SYNCED);
  CHECK_DEPTH(decode(d, b, up, HFT_DEPTH_LIVE, 9), HFT_DEPTH_GAP);
  CHECK_DEPTH(decode(d, b, up, HFT_DEPTH_LIVE, 12), HFT_DEPTH_DUPLICATE);
  CHECK_DEPTH(decode(d, b, up, HFT_DEPTH_LIVE, 10), HFT_DEPTH_APPLIED);
  CHECK(best(b, 1) == -1 && res(d)[HFT_DR_SNAPSHOT] == 0);
  const char* keep = OKX("update", "\"asks\":[],\"bids\":[],\"ts\":\"2\",\"prevSeqId\":11,\"seqId\":11");
  CHECK_DEPTH(decode(d, b, keep, HFT_DEPTH_LIVE, 11), HFT_DEPTH_KEEPALIVE);
  const char* reset = OKX("update", "\"asks\":[],\"bids\":[],\"ts\":\"x\",\"prevSeqId\":11,\"seqId\":3");
  CHECK_DEPTH(decode(d, b, reset, HFT_DEPTH_LIVE, 11), HFT_DEPTH_APPLIED);
  CHECK(res(d)[HFT_DR_SEQ_RESET] == 1 && res(d)[HFT_DR_EVENT_TIME] == -1);
  /* prevSeqId -1 is a snapshot whatever the action says */
  const char* snap2 = OKX("update", "\"asks\":[],\"bids\":[[\"50\",\"1\"]],\"prevSeqId\":-1.0,\"seqId\":5");
  CHECK_DEPTH(decode(d, b, snap2, HFT_DEPTH_LIVE, 3), HFT_DEPTH_APPLIED);
  CHECK(res(d)[HFT_DR_SNAPSHOT] == 1 && best(b, 0) == 5000 && best(b, 1) == -1);
  /* not books frames */
  CHECK_DEPTH(decode(d, b, "{\"event\":\"subscribe\",\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"}}", 0, 5),
              HFT_DEPTH_OTHER);
  CHECK_DEPTH(decode(d, b, "{\"arg\":{\"channel\":\"bbo-tbt\",\"instId\":\"BTC-USDT\"},\"data\":[{\"seqId\":1}]}", 0, 5),
              HFT_DEPTH_OTHER);
  CHECK_DEPTH(decode(d, b, "{\"arg\":{\"channel\":\"books\",\"instId\":\"ETH-USDT\"},\"data\":[{}]}", 0, 5),
              HFT_DEPTH_OTHER);
  CHECK_DEPTH(decode(d, b, "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"data\":[{},{}]}", 0, 5),
              HFT_DEPTH_OTHER);
  CHECK_DEPTH(decode(d, b, "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"data\":{}}", 0, 5),
              HFT_DEPTH_OTHER);
  CHECK_DEPTH(decode(d, b, "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"data\":[{\"seqId\":\"6\"}]}", 0, 5),
              HFT_DEPTH_BAD_FIELDS);
  /* the last "arg" wins */
  CHECK_DEPTH(decode(d, b,
                     "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"arg\":{\"channel\":\"books\"},"
                     "\"data\":[{\"prevSeqId\":5,\"seqId\":6,\"bids\":[],\"asks\":[]}]}",
                     0, 5),
              HFT_DEPTH_OTHER);
  hft_depth_destroy(d);
  hft_book_destroy(b);
}

/* A refused batch leaves the book as it was; staging then holds what was offered. */
static void test_book_refused(void) {
  hft_depth* d = depth_new(HFT_VENUE_BINANCE, "btcusdt@depth", 8);
  hft_book_params p = {100, 1000, 2, 8};
  hft_book* b = NULL;
  CHECK_EQ_STATUS(hft_book_create(&p, &b), HFT_OK);
  CHECK_DEPTH(decode(d, b, BN("\"U\":1,\"u\":1,\"b\":[[\"20\",\"1\"]],\"a\":[]"), 0, 0), HFT_DEPTH_BOOK_REFUSED);
  CHECK(res(d)[HFT_DR_BOOK_STATUS] == HFT_E_PRICE_OUT_OF_RANGE);
  CHECK_DEPTH(decode(d, b, BN("\"U\":1,\"u\":1,\"b\":[[\"2\",\"1\"],[\"3\",\"1\"],[\"4\",\"1\"]],\"a\":[]"), 0, 0),
              HFT_DEPTH_BOOK_REFUSED);
  CHECK(res(d)[HFT_DR_BOOK_STATUS] == HFT_E_BOOK_FULL);
  CHECK(best(b, 0) == -1 && updates(b) == 0);
  /* the asks overflow after the bid went in: all undone; an ask out of range: nothing applied */
  CHECK_DEPTH(
      decode(d, b, BN("\"U\":1,\"u\":1,\"b\":[[\"2\",\"1\"]],\"a\":[[\"5\",\"1\"],[\"6\",\"1\"],[\"7\",\"1\"]]"), 0, 0),
      HFT_DEPTH_BOOK_REFUSED);
  CHECK(res(d)[HFT_DR_BOOK_STATUS] == HFT_E_BOOK_FULL);
  CHECK(best(b, 0) == -1 && best(b, 1) == -1 && updates(b) == 0);
  CHECK_DEPTH(decode(d, b, BN("\"U\":1,\"u\":1,\"b\":[[\"2\",\"1\"]],\"a\":[[\"10.01\",\"1\"]]"), 0, 0),
              HFT_DEPTH_BOOK_REFUSED);
  CHECK(res(d)[HFT_DR_BOOK_STATUS] == HFT_E_PRICE_OUT_OF_RANGE);
  CHECK(best(b, 0) == -1 && updates(b) == 0);
  /* the range's own ends are in it */
  CHECK_DEPTH(decode(d, b, BN("\"U\":1,\"u\":1,\"b\":[[\"1\",\"1\"]],\"a\":[[\"10\",\"1\"]]"), 0, 0),
              HFT_DEPTH_APPLIED);
  CHECK(best(b, 0) == 100 && best(b, 1) == 1000 && updates(b) == 1);
  hft_depth_destroy(d);
  hft_book_destroy(b);
}

/* splitmix64: the random decimals' generator, seeded, so a failure replays. */
static uint64_t rng_next(uint64_t* state) {
  uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Random decimal strings for test_decimal_paths: digits, an optional point, more digits (often zeros
 * at the end), sometimes a stray character; n = the buffer's size. */
static void random_decimal(uint64_t* seed, char* out, size_t n) {
  static const char stray[] = "e-+.x \x7f\xc3";
  size_t k = 0;
  const int int_digits = (int)(rng_next(seed) % 12);
  const int leading_zero = rng_next(seed) % 8 == 0;
  for (int i = 0; i < int_digits && k + 1 < n; i++)
    out[k++] = (char)('0' + (leading_zero && i == 0 ? 0 : rng_next(seed) % 10));
  if (rng_next(seed) % 4 != 0 && k + 1 < n) {
    out[k++] = '.';
    const int frac = (int)(rng_next(seed) % 14);
    const int zeros_from = (int)(rng_next(seed) % (uint64_t)(frac + 1));
    for (int i = 0; i < frac && k + 1 < n; i++)
      out[k++] = (char)('0' + (i >= zeros_from ? 0 : rng_next(seed) % 10));
  }
  if (rng_next(seed) % 16 == 0 && k > 0) out[rng_next(seed) % k] = stray[rng_next(seed) % (sizeof stray - 1)];
  out[k] = '\0';
}

/* The decimals of the plain level shape are read 16 bytes at a time when at least 17 bytes are left,
 * byte by byte near the frame's end; a level with a space after its '[' is read by the general path,
 * the reference. Every decimal, at both distances from the end, must give what the general path
 * gives: the same status, result record and staged records, on random grids (0-9 decimals, units 1, 5,
 * 25) with values up to and past 2^53. */
static void test_decimal_paths(void) {
  uint64_t seed = 20261205;
  const int64_t units[] = {1, 5, 25};
  hft_book* b = book_new(100, 8);
  for (int round = 0; round < 4000; round++) {
    hft_depth_params p;
    memset(&p, 0, sizeof p);
    p.price_decimals = (int32_t)(rng_next(&seed) % 10);
    p.qty_decimals = (int32_t)(rng_next(&seed) % 10);
    p.price_unit = units[rng_next(&seed) % 3];
    p.qty_unit = units[rng_next(&seed) % 3];
    p.max_ticks = HFT_MAX_PRICE;
    p.max_lots = HFT_MAX_QTY;
    p.venue = HFT_VENUE_BINANCE;
    p.max_frame = 4096;
    p.max_levels = 8;
    strcpy(p.key, "k");
    hft_depth* d = NULL;
    CHECK_EQ_STATUS(hft_depth_create(&p, &d), HFT_OK);
    char price[32];
    char qty[32];
    random_decimal(&seed, price, sizeof price);
    random_decimal(&seed, qty, sizeof qty);
    const char* pads[] = {"", "                                "};
    int32_t want_status = 0;
    double want[HFT_DR_LEN + HFT_F64_STRIDE];
    for (int variant = 0; variant < 3; variant++) {
      /* 0: the general path (the reference); 1: the plain shape at the frame's end; 2: with room after */
      char frame[256];
      const char* head = "{\"stream\":\"k\",\"data\":{\"U\":1,\"u\":1,\"a\":[],\"b\":[[";
      snprintf(frame, sizeof frame, "%s%s\"%s\",\"%s\"]]}}%s", head, variant == 0 ? " " : "", price, qty,
               pads[variant == 2]);
      hft_book_clear(b);
      const int32_t st = decode(d, b, frame, HFT_DEPTH_REHEARSE, 0);
      double got[HFT_DR_LEN + HFT_F64_STRIDE]; /* the result record, then the first staged record */
      memcpy(got, res(d), sizeof(double) * HFT_DR_LEN);
      memcpy(got + HFT_DR_LEN, hft_book_staging_f64(b), sizeof(double) * HFT_F64_STRIDE);
      if (variant == 0) {
        want_status = st;
        memcpy(want, got, sizeof want);
      } else if (st != want_status || memcmp(want, got, sizeof want) != 0) {
        fprintf(stderr, "decimal paths differ (seed 20261205, round %d, variant %d): %s\n", round, variant, frame);
        CHECK(0);
      }
    }
    hft_depth_destroy(d);
  }
  hft_book_destroy(b);
}

/* One level through the grid path (40 bytes or more after it: pad spaces), near the frame's end (pad
 * 0..39: the per-decimal and byte paths) and through the general path (a space after '['), which is
 * the reference: the same status, result record and staged record. 1 when all agree. */
static int level_paths_agree_pads(hft_depth* d, hft_book* b, const char* price, const char* qty, const char* why,
                                  const int* pads, int pad_count) {
  int32_t want_status = 0;
  double want[HFT_DR_LEN + HFT_F64_STRIDE];
  for (int variant = -1; variant < pad_count; variant++) {
    char frame[512];
    const char* head = "{\"stream\":\"k\",\"data\":{\"U\":1,\"u\":1,\"a\":[],\"b\":[[";
    snprintf(frame, sizeof frame, "%s%s\"%s\",\"%s\"]]}}%*s", head, variant < 0 ? " " : "", price, qty,
             variant < 0 ? 0 : pads[variant], "");
    hft_book_clear(b);
    /* a buffer of the frame's own size, so AddressSanitizer sees any read past its end */
    const size_t n = strlen(frame);
    uint8_t* bytes = (uint8_t*)malloc(n);
    CHECK(bytes != NULL);
    if (bytes == NULL) return 0;
    memcpy(bytes, frame, n);
    const int32_t st = hft_depth_decode(d, b, bytes, (int32_t)n, HFT_DEPTH_REHEARSE, 0);
    free(bytes);
    CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
    double got[HFT_DR_LEN + HFT_F64_STRIDE];
    memcpy(got, res(d), sizeof(double) * HFT_DR_LEN);
    memcpy(got + HFT_DR_LEN, hft_book_staging_f64(b), sizeof(double) * HFT_F64_STRIDE);
    if (variant < 0) {
      want_status = st;
      memcpy(want, got, sizeof want);
    } else if (st != want_status || memcmp(want, got, sizeof want) != 0) {
      fprintf(stderr, "level paths differ (%s, pad %d): %s -> %s, general path %s\n", why, pads[variant], frame,
              hft_depth_status_name(st), hft_depth_status_name(want_status));
      CHECK(0);
      return 0;
    }
  }
  return 1;
}

static int level_paths_agree(hft_depth* d, hft_book* b, const char* price, const char* qty, const char* why) {
  static const int pads[] = {0, 1, 7, 16, 17, 18, 23, 39, 40, 64};
  return level_paths_agree_pads(d, b, price, qty, why, pads, (int)(sizeof pads / sizeof pads[0]));
}

static hft_depth* grid_depth(int32_t price_decimals, int32_t qty_decimals, int64_t price_unit, int64_t qty_unit) {
  hft_depth_params p;
  memset(&p, 0, sizeof p);
  p.price_decimals = price_decimals;
  p.qty_decimals = qty_decimals;
  p.price_unit = price_unit;
  p.qty_unit = qty_unit;
  p.max_ticks = HFT_MAX_QTY; /* 2^53 - 1: the bound that stands in for the 2^53 check on the grid path */
  p.max_lots = HFT_MAX_QTY;
  p.venue = HFT_VENUE_BINANCE;
  p.max_frame = 4096;
  p.max_levels = 8;
  strcpy(p.key, "k");
  hft_depth* d = NULL;
  CHECK_EQ_STATUS(hft_depth_create(&p, &d), HFT_OK);
  return d;
}

/* The edges of the grid path (16 bytes classified at once, two eight-digit words): every length 1..18
 * with the point at every place (or none) and the closing quote at every place of the 16-byte window,
 * zeros and non-zeros past the grid, a non-digit at every place, grids of 0..8 decimals (and 9, which
 * the grid path leaves to the byte path), units 1, 3 and 25, and values at 2^53 - 1 and 2^53: each
 * decoded on the grid path, the per-decimal paths and the general path, which must agree. */
static void test_grid_decimal_edges(void) {
  static const char junk[] = "x.-+e \\/\x7f\xc3";
  static const int64_t units[] = {1, 3, 25};
  hft_book* b = book_new(100, 8);
  int checked = 0;
  for (int32_t dec = 0; dec <= 9; dec++) {
    for (int u = 0; u < 3; u++) {
      hft_depth* d = grid_depth(dec, 8 - (dec & 7), units[u], units[2 - u]);
      for (int len = 1; len <= 18; len++) {
        for (int point = -1; point <= len; point++) { /* -1: no point; else the point before digit `point` */
          for (int tail = 0; tail < 3; tail++) {      /* the last digits: non-zero, zeros, one non-zero */
            char s[40];
            int k = 0;
            for (int i = 0; i < len; i++) {
              if (i == point) s[k++] = '.';
              const int last = i >= len - 3;
              s[k++] = (char)('0' + (tail == 1 && last ? 0 : tail == 2 && last ? (i == len - 1) : 1 + (i * 7 + len) % 9));
            }
            if (point == len) s[k++] = '.';
            s[k] = '\0';
            checked += level_paths_agree(d, b, s, "1.5", "price");
            checked += level_paths_agree(d, b, "2.25", s, "qty");
            /* a non-digit at every place of the first one's 16-byte window */
            if (tail == 0 && len <= 16) {
              for (int at = 0; at < k; at++) {
                char t[40];
                memcpy(t, s, (size_t)k + 1);
                t[at] = junk[(size_t)(at + len + point + 1) % (sizeof junk - 1)];
                checked += level_paths_agree(d, b, t, "1", "non-digit");
              }
            }
          }
        }
      }
      hft_depth_destroy(d);
    }
  }
  /* the longest reads of the grid path (8 integer digits, the quote at the window's end, the qty's
   * word) with the frame ending at every distance: none may read past the frame (ASan run) */
  hft_depth* d7 = grid_depth(7, 7, 1, 1);
  int every_pad[48];
  for (int i = 0; i < 48; i++) every_pad[i] = i;
  const char* longest[] = {"12345678.123456", "12345678.1234567", "12345678", "12345678.1", "1"};
  for (size_t i = 0; i < sizeof longest / sizeof longest[0]; i++)
    for (size_t j = 0; j < sizeof longest / sizeof longest[0]; j++)
      checked += level_paths_agree_pads(d7, b, longest[i], longest[j], "frame end", every_pad, 48);
  hft_depth_destroy(d7);
  /* 2^53 - 1 units is the last value on the grid; 2^53 is out of it, however it is written */
  hft_depth* d8 = grid_depth(8, 8, 1, 1);
  const char* big[] = {"90071992.54740991", "90071992.54740992", "90071992.547409910", "90071992.547409920",
                       "99999999.99999999", "00000000.00000001", "0.00000001", "0.000000010000"};
  for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
    checked += level_paths_agree(d8, b, big[i], "1", "2^53 price");
    checked += level_paths_agree(d8, b, "1", big[i], "2^53 qty");
  }
  hft_book_clear(b);
  CHECK_DEPTH(decode(d8, b, "{\"stream\":\"k\",\"data\":{\"U\":1,\"u\":1,\"a\":[],\"b\":[[\"90071992.54740991\","
                            "\"0.00000001\"]]}}                                        ",
                     HFT_DEPTH_REHEARSE, 0),
              HFT_DEPTH_APPLIED);
  CHECK(best(b, 0) == HFT_MAX_QTY && qty_at(b, 0, HFT_MAX_QTY) == 1);
  hft_book_clear(b);
  CHECK_DEPTH(decode(d8, b, "{\"stream\":\"k\",\"data\":{\"U\":1,\"u\":1,\"a\":[],\"b\":[[\"1\","
                            "\"90071992.54740992\"]]}}                                        ",
                     HFT_DEPTH_REHEARSE, 0),
              HFT_DEPTH_BAD_LEVELS);
  hft_depth_destroy(d8);
  hft_book_destroy(b);
  CHECK(checked > 20000);
}

/* What follows a level on the grid path: ',' goes on to the next level; anything else between two
 * levels (a ']' that closes the array too early, a space without a comma, any other byte) makes the
 * frame invalid JSON, whichever path read the level. */
static void test_level_separators(void) {
  hft_depth* d = grid_depth(2, 3, 1, 1);
  hft_book* b = book_new(100, 8);
  const char seps[] = ",] }x:\"[0";
  for (size_t i = 0; i < sizeof seps - 1; i++) {
    for (int pad = 0; pad < 48; pad += 47) {
      char frame[256];
      snprintf(frame, sizeof frame,
               "{\"stream\":\"k\",\"data\":{\"U\":1,\"u\":1,\"a\":[],\"b\":[[\"12345.67\",\"1.5\"]%c[\"1.25\",\"2\"]]}}%*s",
               seps[i], pad, "");
      hft_book_clear(b);
      const int32_t want = seps[i] == ',' ? HFT_DEPTH_APPLIED : HFT_DEPTH_BAD_JSON;
      CHECK_DEPTH(decode(d, b, frame, HFT_DEPTH_REHEARSE, 0), want);
      if (want == HFT_DEPTH_APPLIED) CHECK(best(b, 0) == 1234567 && qty_at(b, 0, 125) == 2000);
    }
  }
  hft_depth_destroy(d);
  hft_book_destroy(b);
}

/* Binance's one-character keys are read as one word (`"U":`) when no whitespace follows the colon;
 * every other spelling of a key goes the general way and means the same. */
static void test_short_keys(void) {
  hft_depth* d = depth_new(HFT_VENUE_BINANCE, "btcusdt@depth", 16);
  hft_book* b = book_new(100, 16);
  static const struct {
    const char* u_member; /* stands for "u":12 */
    int32_t want;
  } cases[] = {
      {"\"u\":12", HFT_DEPTH_APPLIED},      {"\"u\" :12", HFT_DEPTH_APPLIED},   {"\"u\": 12", HFT_DEPTH_APPLIED},
      {"\"u\":\n12", HFT_DEPTH_APPLIED},    {"\"\\u0075\":12", HFT_DEPTH_APPLIED}, {"\"u\"12", HFT_DEPTH_BAD_JSON},
      {"\"u\";12", HFT_DEPTH_BAD_JSON},     {"\"u\":,12", HFT_DEPTH_BAD_JSON},  {"\"\x1f\":12", HFT_DEPTH_BAD_JSON},
      {"\"\"\":12", HFT_DEPTH_BAD_JSON},    {"\"\\\":12", HFT_DEPTH_BAD_JSON},  {"\"v\":12", HFT_DEPTH_BAD_FIELDS},
      {"\"\x7f\":12", HFT_DEPTH_BAD_FIELDS}, {"\"\xc3\xa9\":12", HFT_DEPTH_BAD_FIELDS}, {"\"uu\":12", HFT_DEPTH_BAD_FIELDS},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char f[256];
    snprintf(f, sizeof f, BN("\"U\":11,%s,\"b\":[[\"100.01\",\"1.5\"]],\"a\":[]"), cases[i].u_member);
    hft_book_clear(b);
    CHECK_DEPTH(decode(d, b, f, HFT_DEPTH_LIVE, 10), cases[i].want);
    if (cases[i].want == HFT_DEPTH_APPLIED) CHECK(res(d)[HFT_DR_LAST] == 12 && best(b, 0) == 10001);
  }
  /* the key's word at the frame's very end */
  const char* cut[] = {"{\"stream\":\"btcusdt@depth\",\"data\":{\"u", "{\"stream\":\"btcusdt@depth\",\"data\":{\"u\"",
                       "{\"stream\":\"btcusdt@depth\",\"data\":{\"u\":", "{\"stream\":\"btcusdt@depth\",\"data\":{\"u\":1"};
  for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
    const size_t n = strlen(cut[i]);
    uint8_t* bytes = (uint8_t*)malloc(n);
    CHECK(bytes != NULL);
    if (bytes == NULL) continue;
    memcpy(bytes, cut[i], n);
    CHECK_DEPTH(hft_depth_decode(d, b, bytes, (int32_t)n, HFT_DEPTH_LIVE, 10), HFT_DEPTH_BAD_JSON);
    free(bytes);
  }
  hft_depth_destroy(d);
  hft_book_destroy(b);
}

/* Update ids of every length 1..18, read inline when 16 bytes are left after them and the general way
 * near the frame's end (every distance): the same value, or BAD_FIELDS past 2^53 - 1. */
static void test_int_fields(void) {
  hft_depth* d = depth_new(HFT_VENUE_BINANCE, "btcusdt@depth", 8);
  hft_book* b = book_new(100, 8);
  const char digits[] = "908172635445362718";
  for (int len = 1; len <= 18; len++) {
    char id[24];
    memcpy(id, digits, (size_t)len);
    id[len] = '\0';
    const unsigned long long value = strtoull(id, NULL, 10);
    for (int pad = 0; pad <= 20; pad++) {
      char f[256];
      snprintf(f, sizeof f, "{\"stream\":\"btcusdt@depth\",\"data\":{\"b\":[],\"a\":[],\"U\":%s,\"u\":%s}}%*s", id, id,
               pad, "");
      const size_t n = strlen(f);
      uint8_t* bytes = (uint8_t*)malloc(n);
      CHECK(bytes != NULL);
      if (bytes == NULL) continue;
      memcpy(bytes, f, n);
      const int32_t st = hft_depth_decode(d, b, bytes, (int32_t)n, HFT_DEPTH_UNSYNCED, 0);
      free(bytes);
      if (value <= (unsigned long long)HFT_MAX_QTY) {
        CHECK_DEPTH(st, HFT_DEPTH_NOT_SYNCED);
        CHECK(res(d)[HFT_DR_FIRST] == (double)value && res(d)[HFT_DR_LAST] == (double)value);
      } else {
        CHECK_DEPTH(st, HFT_DEPTH_BAD_FIELDS);
      }
    }
  }
  hft_depth_destroy(d);
  hft_book_destroy(b);
}

/* OKX's level tail `,"0","5"]` is read as one word after the grid path's decimals; every other tail
 * (longer counts, other strings, more or fewer of them, bad JSON) is read the general way. Each level
 * is decoded as the first of the asks with 0..47 bytes after the frame and with a space after its '['
 * (the general path, the reference): the same status and result record, the same book. */
static void test_okx_tail(void) {
  hft_depth* d = depth_new(HFT_VENUE_OKX, "BTC-USDT", 16);
  hft_book* b = book_new(100, 16);
  const char* tails[] = {",\"0\",\"5\"]",  ",\"0\",\"12\"]", ",\"a\",\"5\"]", ",\"0\",\"5\",\"7\"]", ",\"0\"]",
                         ",\"0\",\"5\"}",  ",\"0\",5]",     ",\"0\", \"5\"]", ",\"0\",\"5\"]]", ",\"0\",\"\\\"\"]",
                         ",\"/\",\":\"]", ",\"9\",\"0\"]", "]", ",\"0\",\"\"\"]", ",\"\"\",\"5\"]",
                         ",\"0\",\"\x01\"]", ",\"0\",\"5\"] "};
  const char* after[] = {",[\"102\",\"1\"]]", "]", " ]", " ,[\"102\",\"1\"]]", "]]", "}"};
  for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
    for (size_t a = 0; a < sizeof after / sizeof after[0]; a++) {
      int32_t want = 0;
      double want_rec[HFT_DR_LEN];
      int64_t want_best = 0;
      for (int pad = -1; pad < 48; pad++) {
        char body[256];
        snprintf(body, sizeof body, "\"asks\":[[%s\"101.5\",\"1.25\"%s%s,\"bids\":[],\"prevSeqId\":-1,\"seqId\":1",
                 pad < 0 ? " " : "", tails[t], after[a]);
        char f[512];
        snprintf(f, sizeof f, "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\","
                              "\"data\":[{%s}]}%*s", body, pad < 0 ? 0 : pad, "");
        const size_t n = strlen(f);
        uint8_t* bytes = (uint8_t*)malloc(n);
        CHECK(bytes != NULL);
        if (bytes == NULL) continue;
        memcpy(bytes, f, n);
        hft_book_clear(b);
        const int32_t st = hft_depth_decode(d, b, bytes, (int32_t)n, HFT_DEPTH_UNSYNCED, 0);
        free(bytes);
        CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
        if (pad < 0) {
          want = st;
          memcpy(want_rec, res(d), sizeof want_rec);
          want_best = best(b, 1);
        } else if (st != want || memcmp(want_rec, res(d), sizeof want_rec) != 0 || best(b, 1) != want_best) {
          fprintf(stderr, "OKX tail paths differ (pad %d): %s -> %s, general path %s\n", pad, f,
                  hft_depth_status_name(st), hft_depth_status_name(want));
          CHECK(0);
          break;
        }
      }
      /* the hot shape itself applies; cut anywhere, it is not JSON (and nothing is read past the cut) */
      if (t == 0 && a == 0) {
        CHECK(want == HFT_DEPTH_APPLIED && want_best == 10150);
        const char* whole = "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\","
                            "\"data\":[{\"asks\":[[\"101.5\",\"1.25\",\"0\",\"5\"],[\"1234567.1200000\","
                            "\"1234567.1230000\",\"0\",\"5\"]]";
        for (size_t n = 1; n <= strlen(whole); n++) {
          uint8_t* cut = (uint8_t*)malloc(n);
          CHECK(cut != NULL);
          if (cut == NULL) continue;
          memcpy(cut, whole, n);
          CHECK_DEPTH(hft_depth_decode(d, b, cut, (int32_t)n, HFT_DEPTH_UNSYNCED, 0), HFT_DEPTH_BAD_JSON);
          free(cut);
        }
      }
    }
  }
  hft_depth_destroy(d);
  hft_book_destroy(b);
}

/* Keys of up to 15 plain bytes are read 16 bytes at a time when no whitespace follows the colon: every
 * length 0..17, an escape, a control byte, a stray byte >= 0x80 or good UTF-8 at every place, spaces
 * around the colon, and the frame cut at every byte, in an OKX frame (whose keys all take that path). */
static void test_plain_keys(void) {
  hft_depth* d = depth_new(HFT_VENUE_OKX, "BTC-USDT", 16);
  hft_book* b = book_new(100, 16);
  char f[512];
  char key[64];
  for (int len = 0; len <= 17; len++) {
    for (int at = -1; at < len; at++) {
      for (int kind = 0; kind < 5; kind++) { /* at `at`: 0 an escape, 1 a control byte, 2 0x80, 3 "é", 4 ':' */
        static const char* const put[] = {"\\u006b", "\x01", "\x80", "\xc3\xa9", ":"};
        static const int32_t want[] = {HFT_DEPTH_APPLIED, HFT_DEPTH_BAD_JSON, HFT_DEPTH_BAD_JSON, HFT_DEPTH_APPLIED,
                                       HFT_DEPTH_APPLIED};
        if (at < 0 && kind > 0) break;
        int k = 0;
        key[0] = '\0';
        for (int i = 0; i < len; i++) k += snprintf(key + k, sizeof key - (size_t)k, "%s", i == at ? put[kind] : "k");
        snprintf(f, sizeof f,
                 OKX("snapshot", "\"%s\":1,\"asks\":[],\"bids\":[[\"100\",\"2\"]],\"prevSeqId\":-1,\"seqId\":7"), key);
        CHECK_DEPTH(decode(d, b, f, HFT_DEPTH_UNSYNCED, 0), at < 0 ? HFT_DEPTH_APPLIED : want[kind]);
      }
    }
  }
  /* the fields' own keys spelled with an escape at every place still name them */
  const char* seq = "prevSeqId";
  for (size_t at = 0; at < strlen(seq); at++) {
    snprintf(key, sizeof key, "%.*s\\u%04x%s", (int)at, seq, (unsigned)seq[at], seq + at + 1);
    snprintf(f, sizeof f, OKX("snapshot", "\"asks\":[],\"bids\":[[\"100\",\"2\"]],\"seqId\":7,\"%s\":-1"), key);
    CHECK_DEPTH(decode(d, b, f, HFT_DEPTH_UNSYNCED, 0), HFT_DEPTH_APPLIED);
    CHECK(res(d)[HFT_DR_FIRST] == -1 && res(d)[HFT_DR_LAST] == 7);
  }
  const char* spaced[] = {"\"seqId\" :7", "\"seqId\": 7", "\"seqId\"\t:\n7"};
  for (size_t i = 0; i < sizeof spaced / sizeof spaced[0]; i++) {
    snprintf(f, sizeof f, OKX("snapshot", "%s,\"asks\":[],\"bids\":[],\"prevSeqId\":-1"), spaced[i]);
    CHECK_DEPTH(decode(d, b, f, HFT_DEPTH_UNSYNCED, 0), HFT_DEPTH_APPLIED);
    CHECK(res(d)[HFT_DR_LAST] == 7);
  }
  /* cut at every byte, with a key of 15 bytes (the longest read at once) where the frame is cut */
  snprintf(f, sizeof f, OKX("snapshot", "\"asks\":[],\"bids\":[],\"prevSeqId\":-1,\"seqId\":7,\"kkkkkkkkkkkkkkk\":1"));
  for (size_t n = 1; n < strlen(f); n++) {
    uint8_t* cut = (uint8_t*)malloc(n);
    CHECK(cut != NULL);
    if (cut == NULL) continue;
    memcpy(cut, f, n);
    CHECK_DEPTH(hft_depth_decode(d, b, cut, (int32_t)n, HFT_DEPTH_UNSYNCED, 0), HFT_DEPTH_BAD_JSON);
    free(cut);
  }
  hft_depth_destroy(d);
  hft_book_destroy(b);
}

int main(void) {
  test_params();
  test_binance_apply();
  test_binance_fields();
  test_json_validity();
  test_levels();
  test_grid_units();
  test_okx();
  test_book_refused();
  test_decimal_paths();
  test_grid_decimal_edges();
  test_level_separators();
  test_short_keys();
  test_int_fields();
  test_okx_tail();
  test_plain_keys();
  printf("test_depth: %d checks, %d failed\n", check_count, check_failures);
  return check_failures == 0 ? 0 : 1;
}
