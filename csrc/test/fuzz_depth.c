/*
 * Corpus-driven fuzz run of the depth decoder: replays the frames recorded from the simulator
 * (the .txt files of csrc/test/corpus, see test/support/record-depth-corpus.ts) as a live feed, where every
 * frame of the decoder's key must apply, then decodes hostile variants of every frame (truncated,
 * bytes flipped, inserted and deleted, spans repeated, numbers replaced, deep nesting, escapes) in
 * every mode. After every decode: the status is a known one, the book passes its integrity check, a
 * frame that was not applied left the book unchanged, and every strict prefix of a frame is refused
 * as bad JSON. `zig build test` runs it as built by zig and again under ASan and UBSan; agreement
 * with JSON.parse itself is the TypeScript differential test's job (test/depth-decoder.differential.test.ts).
 *
 * usage: fuzz_depth <seed> <variants per frame> <corpus file>...   (failures print the seed)
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hftcore.h"

#define MAX_FRAME (1 << 20)
#define MAX_LEVELS 5000

static uint64_t rng_state;

static uint64_t next_u64(void) { /* splitmix64 */
  uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static uint32_t below(uint32_t n) { return n == 0 ? 0 : (uint32_t)(next_u64() % n); }

/* A corpus file: its header and its frames (pointers into one buffer). */
typedef struct corpus {
  int32_t venue;
  char key[HFT_DEPTH_KEY_MAX];
  int32_t price_decimals;
  int64_t price_unit;
  int32_t qty_decimals;
  int64_t qty_unit;
  char* text;
  char** frames;
  int32_t count;
} corpus;

/* "0.00001" → decimals 5, unit 1; "0.5" → 1, 5; "10" → 0, 10 (as DecimalGrid reads increments). */
static void grid_of(const char* s, int32_t* decimals, int64_t* unit) {
  const char* dot = strchr(s, '.');
  int64_t u = 0;
  int32_t d = 0;
  int32_t frac_len = 0;
  if (dot != NULL) {
    frac_len = (int32_t)strlen(dot + 1);
    while (frac_len > 0 && dot[frac_len] == '0') frac_len--; /* trailing zeros trimmed */
  }
  for (const char* p = s; *p != '\0' && p != dot; p++) u = u * 10 + (*p - '0');
  for (int32_t i = 0; i < frac_len; i++) {
    u = u * 10 + (dot[1 + i] - '0');
    d++;
  }
  *decimals = d;
  *unit = u;
}

static int load(const char* path, corpus* c) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) return 0;
  fseek(f, 0, SEEK_END);
  const long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  c->text = malloc((size_t)size + 1);
  if (c->text == NULL || fread(c->text, 1, (size_t)size, f) != (size_t)size) return 0;
  fclose(f);
  c->text[size] = '\0';
  int32_t lines = 1;
  for (long i = 0; i < size; i++) lines += c->text[i] == '\n';
  c->frames = calloc((size_t)lines, sizeof(char*));
  c->count = 0;
  char venue[16] = {0};
  char price[32] = {0};
  char qty[32] = {0};
  for (char* line = strtok(c->text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
    if (line[0] != '#') {
      c->frames[c->count++] = line;
    } else if (sscanf(line, "# venue %15s key %63s price %31s qty %31s", venue, c->key, price, qty) == 4) {
      c->venue = strcmp(venue, "okx") == 0 ? HFT_VENUE_OKX : HFT_VENUE_BINANCE;
      grid_of(price, &c->price_decimals, &c->price_unit);
      grid_of(qty, &c->qty_decimals, &c->qty_unit);
    }
  }
  return c->key[0] != '\0' && c->count > 0;
}

static hft_depth* decoder_for(const corpus* c) {
  hft_depth_params p;
  memset(&p, 0, sizeof p);
  p.venue = c->venue;
  p.price_decimals = c->price_decimals;
  p.price_unit = c->price_unit;
  p.qty_decimals = c->qty_decimals;
  p.qty_unit = c->qty_unit;
  p.max_ticks = c->venue == HFT_VENUE_OKX ? (INT64_C(1) << 52) : HFT_MAX_PRICE;
  p.max_lots = c->venue == HFT_VENUE_OKX ? (INT64_C(1) << 52) : HFT_MAX_QTY;
  p.max_frame = MAX_FRAME;
  p.max_levels = 2 * MAX_LEVELS;
  strcpy(p.key, c->key);
  hft_depth* d = NULL;
  CHECK_EQ_STATUS(hft_depth_create(&p, &d), HFT_OK);
  return d;
}

static hft_book* book_new(void) {
  hft_book_params p = {0, HFT_MAX_PRICE, MAX_LEVELS, 2 * MAX_LEVELS};
  hft_book* b = NULL;
  CHECK_EQ_STATUS(hft_book_create(&p, &b), HFT_OK);
  return b;
}

static uint64_t updates_of(const hft_book* b) {
  uint64_t u = 0;
  hft_book_update_count(b, &u);
  return u;
}

static const char* const PIECES[] = {
    "{", "}", "[", "]", ":", ",", "\"", "\\", " ", "\n", "0", "-", ".", "e", "+", "1e400", "9007199254740993",
    "-0", "null", "true", "\\u0030", "\\u002e", "\\\"", "\xc3\xa9", "\xef\xbf\xbd", "\x01", "\x7f", "\xff",
    "\"U\":1,", "\"b\":[],", "\"data\":{},", "[[\"1\",\"1\"]]", "\"seqId\":-1,", "\"prevSeqId\":-1,",
};

/* One hostile variant of `src` into `out` (capacity MAX_FRAME); returns its length. */
static int32_t variant(const char* src, int32_t n, char* out) {
  memcpy(out, src, (size_t)n);
  for (int k = 1 + (int)below(3); k > 0; k--) {
    const int32_t at = (int32_t)below((uint32_t)n + 1);
    const uint32_t kind = below(7);
    if (kind == 0 && n > 0) { /* flip bits of a byte */
      out[at < n ? at : n - 1] ^= (char)(1u << below(8));
    } else if (kind == 1 && n > at) { /* delete a few bytes */
      const int32_t want = 1 + (int32_t)below(4);
      const int32_t del = want > n - at ? n - at : want;
      memmove(out + at, out + at + del, (size_t)(n - at - del));
      n -= del;
    } else if (kind == 2 || kind == 3) { /* insert a piece */
      const char* piece = PIECES[below(sizeof PIECES / sizeof PIECES[0])];
      const int32_t len = (int32_t)strlen(piece);
      if (n + len >= MAX_FRAME) continue;
      memmove(out + at + len, out + at, (size_t)(n - at));
      memcpy(out + at, piece, (size_t)len);
      n += len;
    } else if (kind == 4 && n > 0) { /* repeat a span (duplicated keys, levels) */
      static char span[256];
      const int32_t from = (int32_t)below((uint32_t)n);
      int32_t len = 1 + (int32_t)below(200);
      if (len > n - from) len = n - from;
      if (n + len >= MAX_FRAME) continue;
      memcpy(span, out + from, (size_t)len);
      memmove(out + at + len, out + at, (size_t)(n - at));
      memcpy(out + at, span, (size_t)len);
      n += len;
    } else if (kind == 5) { /* deep nesting */
      const int32_t depth = (int32_t)below(4000);
      if (n + 2 * depth + 8 >= MAX_FRAME) continue;
      memmove(out + at + 2 * depth, out + at, (size_t)(n - at));
      memset(out + at, '[', (size_t)depth);
      memset(out + at + depth, ']', (size_t)depth);
      n += 2 * depth;
    } else if (n > 0) { /* a random byte */
      out[at < n ? at : n - 1] = (char)below(256);
    }
  }
  return n;
}

/* Decodes and checks the invariants every decode must keep. */
static int32_t decode_checked(hft_depth* d, hft_book* b, const char* f, int32_t n, int32_t mode, double pos) {
  const uint64_t before = updates_of(b);
  const int32_t st = hft_depth_decode(d, b, (const uint8_t*)f, n, mode, pos);
  CHECK(st >= 0 && st < HFT_DEPTH_STATUS_COUNT);
  CHECK_EQ_STATUS(hft_book_check_integrity(b), HFT_OK);
  if (st != HFT_DEPTH_APPLIED && st != HFT_DEPTH_CROSSED) CHECK(updates_of(b) == before);
  return st;
}

/* The live replay: every frame of the key applies in order (positions tracked as an adapter would). */
static void replay(const corpus* c, hft_depth* d, hft_book* live) {
  int synced = 0;
  double pos = 0;
  int32_t applied = 0;
  int32_t key_frames = 0;
  char probe[HFT_DEPTH_KEY_MAX + 16];
  snprintf(probe, sizeof probe, c->venue == HFT_VENUE_OKX ? "\"instId\":\"%s\"},\"action\"" : "\"stream\":\"%s\"", c->key);
  for (int32_t i = 0; i < c->count; i++) {
    const char* f = c->frames[i];
    const int is_key = strstr(f, probe) != NULL;
    if (c->venue == HFT_VENUE_BINANCE && !synced && is_key) {
      const char* u = strstr(f, "\"U\":");
      pos = u != NULL ? strtod(u + 4, NULL) - 1 : 0;
      synced = 1;
    }
    const int32_t st = decode_checked(d, live, f, (int32_t)strlen(f), synced ? HFT_DEPTH_LIVE : HFT_DEPTH_UNSYNCED, pos);
    key_frames += is_key;
    if (st == HFT_DEPTH_APPLIED || st == HFT_DEPTH_KEEPALIVE) {
      applied++;
      synced = 1;
      pos = hft_depth_result(d)[HFT_DR_LAST];
    }
    if (is_key && st != HFT_DEPTH_APPLIED && st != HFT_DEPTH_KEEPALIVE)
      fprintf(stderr, "corpus frame %d of key %s: %s\n", i, c->key, hft_depth_status_name(st));
  }
  CHECK(applied == key_frames);
}

/* Hostile variants and strict prefixes of every frame, in every mode, on a scratch book. */
static void fuzz(const corpus* c, hft_depth* d, hft_book* scratch, int32_t variants, char* buf) {
  static const int32_t modes[] = {HFT_DEPTH_LIVE, HFT_DEPTH_UNSYNCED, HFT_DEPTH_REHEARSE};
  for (int32_t i = 0; i < c->count; i++) {
    const char* f = c->frames[i];
    const int32_t n = (int32_t)strlen(f);
    for (int32_t v = 0; v < variants; v++) {
      const int32_t m = variant(f, n, buf);
      const double pos = (double)below(2) * hft_depth_result(d)[HFT_DR_FIRST] + (double)below(3) - 1.0;
      const int32_t st = decode_checked(d, scratch, buf, m, modes[below(3)], pos);
      if (st == HFT_DEPTH_CROSSED || st == HFT_DEPTH_BOOK_REFUSED) hft_book_clear(scratch);
    }
    const int32_t cut = (int32_t)below((uint32_t)n);
    CHECK(decode_checked(d, scratch, f, cut, modes[below(3)], 0) == HFT_DEPTH_BAD_JSON);
  }
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: fuzz_depth <seed> <variants per frame> <corpus file>...\n");
    return 2;
  }
  const uint64_t seed = strtoull(argv[1], NULL, 10);
  const int32_t variants = (int32_t)strtol(argv[2], NULL, 10);
  rng_state = seed;
  char* buf = malloc(MAX_FRAME);
  int64_t decodes = 0;
  for (int a = 3; a < argc; a++) {
    corpus c;
    memset(&c, 0, sizeof c);
    if (!load(argv[a], &c)) {
      fprintf(stderr, "cannot read corpus %s\n", argv[a]);
      return 2;
    }
    hft_depth* d = decoder_for(&c);
    hft_book* live = book_new();
    hft_book* scratch = book_new();
    replay(&c, d, live);
    fuzz(&c, d, scratch, variants, buf);
    decodes += (int64_t)c.count * (variants + 2);
    hft_depth_destroy(d);
    hft_book_destroy(live);
    hft_book_destroy(scratch);
    free(c.frames);
    free(c.text);
  }
  free(buf);
  printf("fuzz_depth: seed %llu, %lld decodes, %d checks, %d failed\n", (unsigned long long)seed, (long long)decodes,
         check_count, check_failures);
  if (check_failures != 0) fprintf(stderr, "fuzz_depth failed: replay with seed %llu\n", (unsigned long long)seed);
  return check_failures == 0 ? 0 : 1;
}
