/*
 * Depth frame decoder: a venue's depth message from bytes to the book in one call.
 * What it promises and why it exists: see the depth section of include/hftcore.h.
 *
 * How: ONE pass over the frame validates it as JSON (RFC 8259, as JSON.parse accepts it) and, at the
 * few paths the venue's depth message uses, records where each field's value is (the last occurrence
 * of a key wins, as in JSON.parse) and reads the level arrays into a per-side scratch area as it goes,
 * so the level bytes are read once. Then the fields are checked in the order the TypeScript reference
 * (src/gateways/depth-frame.ts) checks them, and only a frame that is to be applied is written to the
 * book's staging area and applied with the book's own batch or snapshot call.
 */
#define _GNU_SOURCE /* strtod_l, newlocale: JSON numbers are read in the C locale whatever the process uses */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "book_internal.h"

#if defined(__x86_64__) && defined(__SSE2__)
#include <emmintrin.h>
#define HFT_SSE2 1
#else
#define HFT_SSE2 0
#endif

#define DEPTH_MAGIC UINT64_C(0x6866742d64707468) /* "hft-dpth" */
#define NO_INDEX INT32_MAX
#define MAX_SAFE INT64_C(9007199254740991)

/* What a JSON value is, as far as the checks care. */
enum { J_NONE = 0, J_STR, J_NUM, J_OBJ, J_ARR, J_LIT };

/* Where a value is: strings are their content between the quotes (esc: it holds a backslash),
 * numbers their literal, anything else only its kind. */
typedef struct jval {
  const uint8_t* p;
  const uint8_t* e;
  int32_t kind;
  int32_t esc;
} jval;

/* One side's level array as read from the frame (the last occurrence of its key). */
typedef struct side_read {
  int32_t present;   /* the key was seen */
  int32_t is_array;  /* and its value is an array */
  int32_t total;     /* elements in it */
  int32_t sem_index; /* first malformed or out-of-range level (only levels 0..cap are judged), or NO_INDEX */
  int32_t sem_code;  /* HFT_LEVEL_MALFORMED or HFT_LEVEL_OUT_OF_RANGE */
  int32_t stored;    /* good levels kept in lv (those before sem_index, at most cap) */
  int64_t* lv;       /* {ticks, lots} per level */
} side_read;

/* Everything one frame yields; reset at the start of each decode. */
typedef struct frame {
  int32_t top_kind;
  jval stream;    /* Binance */
  int32_t data_kind;
  jval first;     /* Binance U / OKX prevSeqId */
  jval last;      /* Binance u / OKX seqId */
  jval time;      /* Binance E / OKX ts */
  jval event;     /* OKX */
  jval action;
  int32_t arg_kind;
  jval channel;
  jval inst;
  int32_t data_count;
  int32_t item_kind;
  side_read side[2];
} frame;

struct hft_depth {
  uint64_t magic;
  hft_depth_params params;
  int32_t key_len;
  int32_t reserved;
  locale_t c_locale;
  uint8_t* nest;  /* one bit per open container while skipping a value: 1 object, 0 array */
  int64_t* lv[2]; /* scratch levels per side, params.max_levels + 1 each */
  double result[HFT_DR_LEN];
};

/* The state of one decode call. */
typedef struct dctx {
  const hft_depth* d;
  const uint8_t* end;
  uint8_t* nest;
  int32_t cap; /* the book's staging capacity */
  frame f;
} dctx;

/* ---- JSON scanning (validating) ---- */

static inline const uint8_t* ws(const uint8_t* p, const uint8_t* end) {
  if (__builtin_expect(p < end && *p > ' ', 1)) return p; /* frames seldom hold whitespace: one test */
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  return p;
}

static inline int is_hex(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* p at a byte >= 0x80 in a string: the byte after its UTF-8 sequence, or NULL when the sequence is
 * not well-formed (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). A frame encoded
 * from a JS string always is; bytes straight off a socket may not be, and a WebSocket text frame that
 * is not UTF-8 must fail the connection, which the adapter's general path does. */
static const uint8_t* skip_utf8(const uint8_t* p, const uint8_t* end) {
  const uint8_t c = p[0];
  if (c >= 0xC2 && c <= 0xDF) return (end - p >= 2 && (p[1] & 0xC0) == 0x80) ? p + 2 : NULL;
  const uint8_t lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
  const uint8_t hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
  if (c >= 0xE0 && c <= 0xEF)
    return (end - p >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80) ? p + 3 : NULL;
  if (c >= 0xF0 && c <= 0xF4)
    return (end - p >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80) ? p + 4
                                                                                                          : NULL;
  return NULL;
}

/* p inside a string: the closing quote's position, or NULL (control byte, bad escape, bytes that are
 * not UTF-8, unterminated). *esc is set when the string holds an escape. The byte by byte reader:
 * escapes, bytes >= 0x80 and the frame's last bytes. */
static __attribute__((noinline)) const uint8_t* scan_string_bytes(const uint8_t* p, const uint8_t* end,
                                                                  int32_t* esc) {
  for (;;) {
    if (p >= end) return NULL;
    const uint8_t c = *p;
    if (c == '"') return p;
    if (c < 0x20) return NULL;
    if (c >= 0x80) {
      p = skip_utf8(p, end);
      if (p == NULL) return NULL;
      continue;
    }
    if (c == '\\') {
      *esc = 1;
      if (p + 1 >= end) return NULL;
      const uint8_t k = p[1];
      if (k == 'u') {
        if (p + 5 >= end || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]) || !is_hex(p[5])) return NULL;
        p += 6;
        continue;
      }
      if (k != '"' && k != '\\' && k != '/' && k != 'b' && k != 'f' && k != 'n' && k != 'r' && k != 't') return NULL;
      p += 2;
      continue;
    }
    p++;
  }
}

/* p just after an opening quote: scan_string_bytes's answer, the plain run of the string read 16
 * bytes at a time (SSE2) up to its first quote, backslash, control byte or byte >= 0x80 (UTF-8 to
 * check). Inlined where strings are read, so a short key costs no call. */
static inline __attribute__((always_inline)) const uint8_t* scan_string(const uint8_t* p, const uint8_t* end,
                                                                        int32_t* esc) {
#if HFT_SSE2
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x1f);
  while (end - p >= 16) {
    const __m128i b = _mm_loadu_si128((const __m128i*)p);
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(b, space), b); /* b <= 0x1f */
    const __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(b, quote), _mm_cmpeq_epi8(b, backslash));
    /* movemask of b itself: its bytes >= 0x80 */
    const uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_or_si128(stop, control)) | (uint32_t)_mm_movemask_epi8(b);
    if (m != 0) {
      p += __builtin_ctz(m);
      if (*p == '"') return p;
      break;
    }
    p += 16;
  }
#endif
  return scan_string_bytes(p, end, esc);
}

static inline int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* p at '-' or a digit: the end of a JSON number literal, or NULL. */
static inline const uint8_t* scan_number(const uint8_t* p, const uint8_t* end) {
  if (p < end && *p == '-') p++;
  if (p >= end || !is_digit(*p)) return NULL;
  if (*p == '0') {
    p++;
  } else {
#if HFT_SSE2
    if (end - p >= 16) { /* ids and times: up to 16 digits classified at once */
      const __m128i nine = _mm_set1_epi8(9);
      const __m128i value = _mm_sub_epi8(_mm_loadu_si128((const __m128i*)p), _mm_set1_epi8('0'));
      const uint32_t digit = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(value, nine), nine));
      p += __builtin_ctz(~digit); /* bits 16-31 of ~digit are set: at most 16 */
    }
#endif
    while (p < end && is_digit(*p)) p++;
  }
  if (p < end && *p == '.') {
    p++;
    if (p >= end || !is_digit(*p)) return NULL;
    while (p < end && is_digit(*p)) p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end || !is_digit(*p)) return NULL;
    while (p < end && is_digit(*p)) p++;
  }
  return p;
}

static inline const uint8_t* scan_literal(const uint8_t* p, const uint8_t* end) {
  const char* word = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
  const size_t n = strlen(word);
  if ((size_t)(end - p) < n || memcmp(p, word, n) != 0) return NULL;
  return p + n;
}

/* p at a member's key (whitespace skipped): past `"key" :` and whitespace, or NULL. */
static inline const uint8_t* member_key(const uint8_t* p, const uint8_t* end, jval* key) {
  if (p >= end || *p != '"') return NULL;
  key->p = p + 1;
  key->esc = 0;
  const uint8_t* q;
  if (end - p >= 3 && p[2] == '"' && p[1] >= 0x20 && p[1] < 0x80 && p[1] != '\\' && p[1] != '"') {
    q = p + 2; /* a one-character ASCII key, as all of Binance's depth fields */
  } else {
    q = scan_string(p + 1, end, &key->esc);
    if (q == NULL) return NULL;
  }
  key->e = q;
  key->kind = J_STR;
  q = ws(q + 1, end);
  if (q >= end || *q != ':') return NULL;
  q = ws(q + 1, end);
  return q < end ? q : NULL;
}

static inline uint64_t load64(const uint8_t* p) {
  uint64_t x;
  memcpy(&x, p, sizeof x);
  return x;
}

static inline uint32_t load32(const uint8_t* p) {
  uint32_t x;
  memcpy(&x, p, sizeof x);
  return x;
}

/* member_key for a one-character ASCII key followed by ':' and a value with no whitespace between,
 * as all of Binance's depth fields are: `"U":` checked as one word, inline; anything else member_key
 * reads. */
static inline __attribute__((always_inline)) const uint8_t* short_member_key(const uint8_t* p, const uint8_t* end,
                                                                             jval* key) {
  if (__builtin_expect(end - p >= 5, 1)) {
    const uint32_t w = load32(p);
    const uint32_t ch = (w >> 8) & 0xFFu;
    if ((w & 0xFFFF00FFu) == ((uint32_t)'"' | (uint32_t)'"' << 16 | (uint32_t)':' << 24) && ch >= 0x20 &&
        ch < 0x80 && ch != '\\' && ch != '"' && p[4] > ' ') {
      key->p = p + 1;
      key->e = p + 2;
      key->kind = J_STR;
      key->esc = 0;
      return p + 4;
    }
  }
  return member_key(p, end, key);
}

/* member_key for a key of at most 15 plain ASCII bytes followed by ':' and a value with no whitespace
 * between, as all of the venues' keys are: the key's 16 bytes classified at once (SSE2), inline;
 * anything else member_key reads. */
static inline __attribute__((always_inline)) const uint8_t* plain_member_key(const uint8_t* p, const uint8_t* end,
                                                                             jval* key) {
#if HFT_SSE2
  if (__builtin_expect(end - p >= 19 && *p == '"', 1)) {
    const __m128i b = _mm_loadu_si128((const __m128i*)(p + 1));
    const uint32_t quotes = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b, _mm_set1_epi8('"')));
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(b, _mm_set1_epi8(0x1f)), b); /* b <= 0x1f */
    /* backslashes, control bytes and bytes >= 0x80 (movemask of b itself): the general reader's */
    const uint32_t odd = (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('\\')), control)) |
                         (uint32_t)_mm_movemask_epi8(b);
    const uint32_t close = quotes & (0u - quotes);
    if (close != 0 && (odd & (close - 1u)) == 0) {
      const uint8_t* q = p + 1 + __builtin_ctz(close); /* the closing quote, at most p + 16 */
      if (q[1] == ':' && q[2] > ' ') {
        key->p = p + 1;
        key->e = q;
        key->kind = J_STR;
        key->esc = 0;
        return q + 2;
      }
    }
  }
#endif
  return member_key(p, end, key);
}

static inline void nest_set(uint8_t* nest, int32_t depth, int is_obj) {
  const uint8_t bit = (uint8_t)(1u << (depth & 7));
  nest[depth >> 3] = is_obj ? (uint8_t)(nest[depth >> 3] | bit) : (uint8_t)(nest[depth >> 3] & ~bit);
}

static inline int nest_get(const uint8_t* nest, int32_t depth) { return (nest[depth >> 3] >> (depth & 7)) & 1; }

/* p at a value (whitespace skipped): just past it, or NULL when it is not valid JSON. Nesting of any
 * depth is followed with a bit stack (JSON.parse has no depth limit either); no recursion. */
static const uint8_t* skip_value(dctx* c, const uint8_t* p) {
  const uint8_t* end = c->end;
  int32_t depth = 0;
  jval key;
  for (;;) {
    /* a value starts at p */
    if (p >= end) return NULL;
    const uint8_t b = *p;
    if (b == '{' || b == '[') {
      const uint8_t close = b == '{' ? '}' : ']';
      p = ws(p + 1, end);
      if (p < end && *p == close) {
        p++;
      } else {
        HFT_ASSERT(depth <= c->d->params.max_frame);
        nest_set(c->nest, depth++, b == '{');
        if (b == '{' && (p = member_key(p, end, &key)) == NULL) return NULL;
        continue;
      }
    } else if (b == '"') {
      int32_t esc = 0;
      p = scan_string(p + 1, end, &esc);
      if (p == NULL) return NULL;
      p++;
    } else if (b == '-' || is_digit(b)) {
      if ((p = scan_number(p, end)) == NULL) return NULL;
    } else if (b == 't' || b == 'f' || b == 'n') {
      if ((p = scan_literal(p, end)) == NULL) return NULL;
    } else {
      return NULL;
    }
    /* a value ended at p: close containers until one continues */
    for (;;) {
      if (depth == 0) return p;
      p = ws(p, end);
      if (p >= end) return NULL;
      const int is_obj = nest_get(c->nest, depth - 1);
      if (*p == ',') {
        p = ws(p + 1, end);
        if (is_obj && (p = member_key(p, end, &key)) == NULL) return NULL;
        break;
      }
      if (*p != (is_obj ? '}' : ']')) return NULL;
      p++;
      depth--;
    }
  }
}

/* Iterates an object's members. p is just after '{' (first) or just after a member's value. Returns
 * the next member's value position (its key in *key), or the position after '}' with *done set, or
 * NULL on a syntax error. */
static inline __attribute__((always_inline)) const uint8_t* next_member(const uint8_t* p, const uint8_t* end,
                                                                        int first, jval* key, int* done,
                                                                        int short_keys) {
  p = ws(p, end);
  if (p >= end) return NULL;
  if (*p == '}') {
    *done = 1;
    return p + 1;
  }
  if (!first) {
    if (*p != ',') return NULL;
    p = ws(p + 1, end);
  }
  return short_keys ? short_member_key(p, end, key) : plain_member_key(p, end, key);
}

/* The same for an array's elements (p just after '[' or after an element). */
static inline const uint8_t* next_element(const uint8_t* p, const uint8_t* end, int first, int* done) {
  p = ws(p, end);
  if (p >= end) return NULL;
  if (*p == ']') {
    *done = 1;
    return p + 1;
  }
  if (!first) {
    if (*p != ',') return NULL;
    p = ws(p + 1, end);
    if (p >= end) return NULL;
  }
  return p;
}

static inline int32_t kind_at(uint8_t b) {
  if (b == '"') return J_STR;
  if (b == '{') return J_OBJ;
  if (b == '[') return J_ARR;
  if (b == '-' || is_digit(b)) return J_NUM;
  return J_LIT;
}

/* p at a value: records where it is (strings: content; numbers: literal) and skips it. */
static inline const uint8_t* read_scalar(dctx* c, const uint8_t* p, jval* v) {
  v->kind = kind_at(*p);
  v->esc = 0;
  if (v->kind == J_STR) {
    const uint8_t* q = scan_string(p + 1, c->end, &v->esc);
    if (q == NULL) return NULL;
    v->p = p + 1;
    v->e = q;
    return q + 1;
  }
  if (v->kind == J_NUM) {
    const uint8_t* q = scan_number(p, c->end);
    v->p = p;
    v->e = q;
    return q;
  }
  return skip_value(c, p);
}

/* ---- strings, numbers and decimals ---- */

static inline int hex_value(uint8_t c) {
  return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* The next UTF-16 code unit of a validated string's content (an escape decoded), as JSON.parse
 * would produce it; bytes >= 0x80 come back as themselves, which no ASCII comparison accepts. */
static inline int32_t next_unit(const uint8_t** pp) {
  const uint8_t* p = *pp;
  if (*p != '\\') {
    *pp = p + 1;
    return *p;
  }
  const uint8_t k = p[1];
  *pp = p + 2;
  switch (k) {
    case 'b': return 8;
    case 'f': return 12;
    case 'n': return 10;
    case 'r': return 13;
    case 't': return 9;
    case 'u':
      *pp = p + 6;
      return (hex_value(p[2]) << 12) | (hex_value(p[3]) << 8) | (hex_value(p[4]) << 4) | hex_value(p[5]);
    default: return k; /* " \ / */
  }
}

/* Whether a string value equals an ASCII literal, escapes decoded. */
static int str_equals(const jval* v, const char* lit, int32_t n) {
  if (v->kind != J_STR) return 0;
  if (!v->esc) return v->e - v->p == n && memcmp(v->p, lit, (size_t)n) == 0;
  const uint8_t* p = v->p;
  for (int32_t i = 0; i < n; i++) {
    if (p >= v->e || next_unit(&p) != (uint8_t)lit[i]) return 0;
  }
  return p == v->e;
}

static inline __attribute__((always_inline)) int key_is(const jval* k, const char* lit, int32_t n) {
  if (__builtin_expect(k->esc, 0)) return str_equals(k, lit, n);
  if (k->e - k->p != n) return 0;
  for (int32_t i = 0; i < n; i++) /* short constant keys: compared inline, no memcmp call */
    if (k->p[i] != (uint8_t)lit[i]) return 0;
  return 1;
}

static const uint64_t POW10[20] = {UINT64_C(1),
                                   UINT64_C(10),
                                   UINT64_C(100),
                                   UINT64_C(1000),
                                   UINT64_C(10000),
                                   UINT64_C(100000),
                                   UINT64_C(1000000),
                                   UINT64_C(10000000),
                                   UINT64_C(100000000),
                                   UINT64_C(1000000000),
                                   UINT64_C(10000000000),
                                   UINT64_C(100000000000),
                                   UINT64_C(1000000000000),
                                   UINT64_C(10000000000000),
                                   UINT64_C(100000000000000),
                                   UINT64_C(1000000000000000),
                                   UINT64_C(10000000000000000),
                                   UINT64_C(100000000000000000),
                                   UINT64_C(1000000000000000000),
                                   UINT64_C(10000000000000000000)};

#if HFT_SSE2
/* Eight ASCII digits, the first in the lowest byte, as their value; bytes of 0 stand for leading
 * zeros. Three multiplies combine neighbours pairwise (1+1, 2+2, 4+4 digits) instead of a multiply
 * and an add per digit. */
static inline uint64_t eight_digits(uint64_t x) {
  x = ((x & UINT64_C(0x0F0F0F0F0F0F0F0F)) * 2561) >> 8;
  x = ((x & UINT64_C(0x00FF00FF00FF00FF)) * 6553601) >> 16;
  return ((x & UINT64_C(0x0000FFFF0000FFFF)) * UINT64_C(42949672960001)) >> 32;
}

/* eight_digits of a and of b side by side in one register (SSE2: pmullw for the digit pairs, pmaddwd
 * for 4 then 8 digits), a's value in the low 32 bits and b's in the high: a decimal's integer and
 * fraction words in about half the instructions of two scalar conversions. */
static inline uint64_t two_eight_digits(uint64_t a, uint64_t b) {
  const __m128i x = _mm_and_si128(_mm_set_epi64x((long long)b, (long long)a), _mm_set1_epi8(0x0F));
  /* each 16-bit word holds two digits, the first in its low byte */
  const __m128i pairs =
      _mm_add_epi16(_mm_mullo_epi16(_mm_and_si128(x, _mm_set1_epi16(0xFF)), _mm_set1_epi16(10)), _mm_srli_epi16(x, 8));
  const __m128i quads = _mm_madd_epi16(pairs, _mm_set1_epi32(100 | 1 << 16));
  const __m128i eights = _mm_madd_epi16(_mm_packs_epi32(quads, quads), _mm_set1_epi32(10000 | 1 << 16));
  return (uint64_t)_mm_cvtsi128_si64(eights);
}

/* The first n (1..8) bytes of x, digits, moved to its top bytes with zeros below them: the form
 * eight_digits reads. */
static inline uint64_t top_digits(uint64_t x, uint32_t n) { return x << (64 - 8 * n); }

#endif

#if HFT_SSE2
/* The value of the n (1..16) bytes at p when all are digits, else -1; 16 bytes at p must be readable.
 * Used for the integer fields (update ids, times): ~25 instructions instead of ~9 per digit. */
static inline int64_t digit_run(const uint8_t* p, uint32_t n) {
  const __m128i nine = _mm_set1_epi8(9);
  const __m128i value = _mm_sub_epi8(_mm_loadu_si128((const __m128i*)p), _mm_set1_epi8('0'));
  const uint32_t digit = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(value, nine), nine));
  const uint32_t want = (1u << n) - 1;
  if ((digit & want) != want) return -1;
  if (n <= 8) return (int64_t)eight_digits(top_digits(load64(p), n));
  return (int64_t)(eight_digits(load64(p)) * POW10[n - 8] + eight_digits(top_digits(load64(p + 8), n - 8)));
}
#endif

/* A number literal that is not a plain integer of at most 15 digits, read as JSON.parse reads it:
 * strtod in the C locale rounds correctly. 1 with the value when that is a safe integer. */
static int number_by_strtod(const dctx* c, const jval* v, int64_t* out) {
  /* the literal is followed by a delimiter inside the frame (the frame's top value is a container),
   * so strtod stops at its end */
  char* stop = NULL;
  const double dv = strtod_l((const char*)v->p, &stop, c->d->c_locale);
  if ((const uint8_t*)stop != v->e) return 0;
  if (!(dv >= -9007199254740991.0 && dv <= 9007199254740991.0) || dv != __builtin_trunc(dv)) return 0;
  *out = (int64_t)dv;
  return 1;
}

/* safe_int's answer for anything but its hot case (see safe_int); kept out of line. */
static __attribute__((noinline)) int safe_int_general(const dctx* c, const jval* v, int64_t* out) {
  const uint8_t* p = v->p;
  const int neg = *p == '-';
  const uint8_t* q = p + neg;
#if HFT_SSE2
  if (v->e - q <= 15 && c->end - q >= 16) {
    const int64_t r = digit_run(q, (uint32_t)(v->e - q)); /* a number has at least one digit */
    if (r < 0) return number_by_strtod(c, v, out);          /* a fraction or an exponent */
    *out = neg ? -r : r;
    return 1;
  }
#endif
  int64_t x = 0;
  int32_t n = 0;
  while (q < v->e && is_digit(*q) && n < 16) {
    x = x * 10 + (*q - '0');
    q++;
    n++;
  }
  if (q == v->e && n <= 15) {
    *out = neg ? -x : x;
    return 1;
  }
  return number_by_strtod(c, v, out);
}

/* A number value as JSON.parse reads it (the correctly rounded double) when that is a safe integer
 * (|x| <= 2^53-1, -0 reads as 0); 0 otherwise. Plain integers of up to 15 digits are read directly,
 * anything else (fractions, exponents, more digits) by strtod, so "1e3", "1000.0" and
 * "5.00000000000000000001" read as 1000, 1000 and 5 here too. Inline, the hot case (update ids and
 * times: 1 to 15 digits, no sign, 16 bytes readable) is 16 bytes classified and two eight-digit words
 * converted side by side; the rest is safe_int_general's. */
static inline __attribute__((always_inline)) int safe_int(const dctx* c, const jval* v, int64_t* out) {
  if (v->kind != J_NUM) return 0;
#if HFT_SSE2
  const uint8_t* p = v->p;
  const uint32_t n = (uint32_t)(v->e - p);
  if (__builtin_expect(n <= 15 && c->end - p >= 16, 1)) {
    const __m128i nine = _mm_set1_epi8(9);
    const __m128i value = _mm_sub_epi8(_mm_loadu_si128((const __m128i*)p), _mm_set1_epi8('0'));
    const uint32_t digit = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(value, nine), nine));
    const uint32_t want = (1u << n) - 1;
    if ((digit & want) == want) { /* n >= 1: a number has a digit; '-' is not one */
      const uint32_t low_digits = n < 8 ? n : 8;
      const uint64_t low = top_digits(load64(p + n - low_digits), low_digits);
      const uint64_t high = n > 8 ? top_digits(load64(p), n - 8) : 0;
      const uint64_t both = two_eight_digits(high, low);
      *out = (int64_t)((both & 0xFFFFFFFFu) * UINT64_C(100000000) + (both >> 32));
      return 1;
    }
  }
#endif
  return safe_int_general(c, v, out);
}

/* A string of decimal digits only (OKX "ts") as a number, when it is at most 2^53-1; -1 otherwise. */
static double digits_value(const dctx* c, const jval* v) {
  if (v->kind != J_STR || v->p == v->e) return -1.0;
  const uint8_t* p = v->p;
#if HFT_SSE2
  if (!v->esc && v->e - p <= 15 && c->end - p >= 16) { /* at most 15 digits: below 2^53 */
    const int64_t r = digit_run(p, (uint32_t)(v->e - p));
    return r >= 0 ? (double)r : -1.0;
  }
#else
  (void)c;
#endif
  uint64_t x = 0;
  int big = 0;
  while (p < v->e) {
    const int32_t u = v->esc ? next_unit(&p) : *p++;
    if (u < '0' || u > '9') return -1.0;
    if (x > (uint64_t)MAX_SAFE) big = 1;
    else x = x * 10 + (uint64_t)(u - '0');
  }
  return big || x > (uint64_t)MAX_SAFE ? -1.0 : (double)x;
}

/* The body of parse_decimal for plain and escaped strings (esc is a constant at each call). */
static inline __attribute__((always_inline)) int decimal_body(const uint8_t* p, const uint8_t* e, int esc,
                                                              int32_t decimals, int64_t unit, int64_t* out) {
  if (p == e) return 0;
  uint64_t units = 0;
  int big = 0;
  int32_t digits = 0;
  int32_t frac = 0;
  int dot = 0;
  while (p < e) {
    const int32_t u = esc ? next_unit(&p) : *p++;
    if (u == '.') {
      dot = 1;
      break;
    }
    if (u < '0' || u > '9') return 0;
    if (units >= (UINT64_C(1) << 53)) big = 1;
    else units = units * 10 + (uint64_t)(u - '0');
    digits++;
  }
  if (dot) {
    if (p == e && digits == 0) return 0;
    while (p < e) {
      const int32_t u = esc ? next_unit(&p) : *p++;
      if (u < '0' || u > '9') return 0;
      if (frac < decimals) {
        if (units >= (UINT64_C(1) << 53)) big = 1;
        else units = units * 10 + (uint64_t)(u - '0');
        frac++;
      } else if (u != '0') {
        return 0; /* more precision than the grid has */
      }
      digits++;
    }
  }
  if (digits == 0) return 0;
  for (; frac < decimals && !big; frac++) {
    if (units >= (UINT64_C(1) << 53)) big = 1;
    else units *= 10;
  }
  if (big || units > (uint64_t)MAX_SAFE) return 0;
  if (units % (uint64_t)unit != 0) return 0;
  *out = (int64_t)(units / (uint64_t)unit);
  return 1;
}

/* Whole grid increments in a decimal string, exactly as DecimalGrid.parse (src/types/values.ts) reads
 * it: digits, an optional point and more digits; extra fraction digits must be zeros; the value must be
 * a multiple of the increment and at most 2^53-1 units of 10^-decimals. 0 when it is not. */
static inline int parse_decimal(const jval* v, int32_t decimals, int64_t unit, int64_t* out) {
  return v->esc ? decimal_body(v->p, v->e, 1, decimals, unit, out) : decimal_body(v->p, v->e, 0, decimals, unit, out);
}

/* ---- levels ---- */

/* Any level value: an array whose first two elements are decimal strings is good (*good); anything
 * else is malformed. Returns the position after the value, or NULL when it is not valid JSON. */
static const uint8_t* read_level_general(dctx* c, const uint8_t* p, int64_t* ticks, int64_t* lots, int* good) {
  const hft_depth_params* prm = &c->d->params;
  *good = 0;
  if (*p != '[') return skip_value(c, p);
  jval px = {NULL, NULL, J_NONE, 0};
  jval qx = {NULL, NULL, J_NONE, 0};
  int32_t n = 0;
  int done = 0;
  p++;
  for (;;) {
    p = next_element(p, c->end, n == 0, &done);
    if (p == NULL) return NULL;
    if (done) break;
    p = n == 0 ? read_scalar(c, p, &px) : n == 1 ? read_scalar(c, p, &qx) : skip_value(c, p);
    if (p == NULL) return NULL;
    n++;
  }
  *good = n >= 2 && px.kind == J_STR && qx.kind == J_STR &&
          parse_decimal(&px, prm->price_decimals, prm->price_unit, ticks) &&
          parse_decimal(&qx, prm->qty_decimals, prm->qty_unit, lots);
  return p;
}

/*
 * The hot case of a decimal string, p just after its opening quote: digits, an optional point and at
 * most the grid's digits after it (then only zeros), a value on the grid and within 2^53-1 units.
 * Returns the closing quote's position with the increments in *out; NULL, having decided nothing,
 * for anything else (escapes, a second point, off the grid, too precise, too long, too large), which
 * parse_decimal then judges the slow way. So the fast path only ever says "good", and says it exactly
 * when parse_decimal would.
 */
#if HFT_SSE2
#define BYTES_INLINE __attribute__((noinline)) /* the rare case: kept out of the hot loop's registers */
#else
#define BYTES_INLINE inline __attribute__((always_inline))
#endif
static BYTES_INLINE const uint8_t* plain_decimal_bytes(const uint8_t* p, const uint8_t* end, int32_t decimals,
                                                       int64_t unit, int64_t* out) {
  const uint8_t* start = p;
  uint64_t v = 0;
  uint32_t d;
  while (p < end && (d = (uint32_t)*p - '0') < 10u) {
    v = v * 10 + d;
    p++;
  }
  const int32_t int_digits = (int32_t)(p - start);
  int32_t frac = 0;
  int32_t digits = int_digits;
  if (p < end && *p == '.') {
    const uint8_t* f = ++p;
    const uint8_t* lim = end - p > decimals ? p + decimals : end;
    while (p < lim && (d = (uint32_t)*p - '0') < 10u) {
      v = v * 10 + d;
      p++;
    }
    frac = (int32_t)(p - f);
    while (p < end && *p == '0') p++; /* digits the grid does not have must be zeros */
    digits += (int32_t)(p - f);
  }
  if (p >= end || *p != '"' || digits == 0 || int_digits + decimals > 18) return NULL;
  v *= POW10[decimals - frac];
  if (v > (uint64_t)MAX_SAFE) return NULL;
  if (unit != 1) {
    if (v % (uint64_t)unit != 0) return NULL;
    v /= (uint64_t)unit;
  }
  *out = (int64_t)v;
  return p;
}

/* A side's grids and level bounds, copied out of the handle once per run of levels: the hot loop
 * then reads them from registers or its own frame, not through two pointers per level. */
typedef struct level_grid {
  int64_t price_unit;
  int64_t qty_unit;
  int64_t max_ticks;
  int64_t max_lots;
  int32_t price_decimals;
  int32_t qty_decimals;
  uint64_t price_scale; /* 10^price_decimals */
  uint64_t qty_scale;
  uint32_t price_shift; /* where grid_decimal puts the fraction digits: 8 * (8 - decimals) bits, 0 for none
                         * (read only when the run is fast: at most 8 decimals) */
  uint32_t qty_shift;
  uint32_t price_past; /* 2 << decimals: times the bit of the point, the first bit past the grid */
  uint32_t qty_past;
} level_grid;

#if HFT_SSE2
/* KEEP_BYTES[n + 1]: the low n (0..8) bytes of a word, the fraction digits a grid keeps (index 0: no
 * point, none kept). */
static const uint64_t KEEP_BYTES[10] = {0,
                                       0,
                                       UINT64_C(0xFF),
                                       UINT64_C(0xFFFF),
                                       UINT64_C(0xFFFFFF),
                                       UINT64_C(0xFFFFFFFF),
                                       UINT64_C(0xFFFFFFFFFF),
                                       UINT64_C(0xFFFFFFFFFFFF),
                                       UINT64_C(0xFFFFFFFFFFFFFF),
                                       ~UINT64_C(0)};

/*
 * The hot case of plain_decimal_bytes, p just after the opening quote with 17 bytes left in the frame:
 * 1 to 8 integer digits, an optional point, fraction digits and the closing quote within 16 bytes,
 * and a grid of at most 8 decimals. The 16 bytes are classified at once (SSE2) and the string's shape
 * is read off the masks with no branch per case: the first non-digit, when it is the point, is passed
 * over, and the next one must be the quote. The digits are then converted as two eight-digit words,
 * the integer digits and the kept fraction digits padded to the grid's length, so every length takes
 * the same instructions. Returns the closing quote with the value in 10^-decimals units in *out (not
 * yet bounded: up to 10^16 - 1), or NULL, having decided nothing, for anything else (no integer digit,
 * a non-zero digit past the grid: plain_decimal_bytes judges those).
 */
static inline __attribute__((always_inline)) const uint8_t* grid_decimal(const uint8_t* p, int32_t decimals,
                                                                         uint64_t scale, uint32_t frac_shift,
                                                                         uint32_t past, uint64_t* out) {
  const __m128i chunk = _mm_loadu_si128((const __m128i*)p);
  const __m128i nine = _mm_set1_epi8(9);
  const __m128i value = _mm_sub_epi8(chunk, _mm_set1_epi8('0'));
  const uint32_t digits = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(value, nine), nine));
  const uint32_t points = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, _mm_set1_epi8('.')));
  const uint32_t quotes = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, _mm_set1_epi8('"')));
  const uint32_t stops = ~digits;                 /* bits 16-31 set: a stop just past the chunk */
  const uint32_t first = stops & (0u - stops);    /* the first non-digit */
  const uint32_t rest = stops ^ (first & points); /* without it when it is the point */
  const uint32_t close = rest & (0u - rest);      /* must be the closing quote */
  const uint32_t int_digits = (uint32_t)__builtin_ctz(stops);
  if ((close & quotes) == 0 || int_digits - 1u > 7u) return NULL;
  /* digits past the grid's (from int_digits + 1 + decimals up to the quote) must be zeros */
  const uint32_t nonzero = digits & ~(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(value, _mm_setzero_si128()));
  if ((nonzero & (close - 1u)) >= first * past) return NULL; /* first * past: the bit of the first one */
  const uint32_t length = (uint32_t)__builtin_ctz(close);
  /* 0 without a point, else 1 + the fraction digits kept */
  const uint32_t after = length - int_digits;
  const uint32_t keep = after < (uint32_t)decimals + 1u ? after : (uint32_t)decimals + 1u;
  const uint64_t whole = load64(p) << (64 - 8 * int_digits);
  const uint64_t frac = (load64(p + int_digits + 1) & KEEP_BYTES[keep]) << frac_shift;
  const uint64_t both = two_eight_digits(whole, frac);
  *out = (both & 0xFFFFFFFFu) * scale + (both >> 32);
  return p + length;
}
#endif

/*
 * One decimal of the plain level shape: grid_decimal when the run may use it (fast: a grid of at most
 * 8 decimals, both sides), else or when it decides nothing plain_decimal_bytes. With unit_one (both
 * units 1, the common grid) the value is stored unbounded: the caller's level bounds (at most 2^53 - 1)
 * refuse what plain_decimal_bytes would, and the division is skipped. fast and unit_one are constants
 * at each call, so each run's loop is compiled for its case.
 */
static inline __attribute__((always_inline)) const uint8_t* level_decimal(const uint8_t* p, const uint8_t* end,
                                                                          int32_t decimals, uint64_t scale,
                                                                          uint32_t shift, uint32_t past, int64_t unit,
                                                                          int fast, int unit_one, int64_t* out) {
#if HFT_SSE2
  if (fast && __builtin_expect(end - p >= 17, 1)) {
    uint64_t v;
    const uint8_t* q = grid_decimal(p, decimals, scale, shift, past, &v);
    if (__builtin_expect(q != NULL, 1)) {
      if (unit_one) {
        *out = (int64_t)v;
        return q;
      }
      if (v > (uint64_t)MAX_SAFE || v % (uint64_t)unit != 0) return NULL;
      *out = (int64_t)(v / (uint64_t)unit);
      return q;
    }
  }
#else
  (void)scale;
  (void)shift;
  (void)past;
  (void)fast;
  (void)unit_one;
#endif
  return plain_decimal_bytes(p, end, decimals, unit, out);
}

static inline uint32_t load16(const uint8_t* p) {
  uint16_t x;
  memcpy(&x, p, sizeof x);
  return x;
}

#define PAIR(a, b) ((uint32_t)(uint8_t)(a) | (uint32_t)(uint8_t)(b) << 8) /* two bytes as load16 reads them */

/* Bytes from a level's '[' that cover every read of grid_level: the price's 16 bytes and word end by
 * p + 19, the qty's 16 bytes start by p + 20 and its word ends by p + 37, its quote is by p + 35. */
#define GRID_LEVEL_BYTES 40

/* The two decimals of a level at p ('[', GRID_LEVEL_BYTES readable) read by grid_decimal alone, with
 * one bound check for the level instead of one per read: the position just after the qty's closing
 * quote, or NULL (nothing decided: plain_decimals then reads the level). */
static inline __attribute__((always_inline)) const uint8_t* grid_level(const level_grid* g, const uint8_t* p,
                                                                       int64_t* ticks, int64_t* lots,
                                                                       int unit_one) {
#if HFT_SSE2
  uint64_t price;
  uint64_t qty;
  const uint8_t* q = grid_decimal(p + 2, g->price_decimals, g->price_scale, g->price_shift, g->price_past, &price);
  if (q == NULL || load16(q + 1) != PAIR(',', '"')) return NULL;
  q = grid_decimal(q + 3, g->qty_decimals, g->qty_scale, g->qty_shift, g->qty_past, &qty);
  if (q == NULL) return NULL;
  if (!unit_one) {
    if (price > (uint64_t)MAX_SAFE || qty > (uint64_t)MAX_SAFE) return NULL;
    if (price % (uint64_t)g->price_unit != 0 || qty % (uint64_t)g->qty_unit != 0) return NULL;
    price /= (uint64_t)g->price_unit;
    qty /= (uint64_t)g->qty_unit;
  }
  *ticks = (int64_t)price;
  *lots = (int64_t)qty;
  return q + 1;
#else
  (void)g;
  (void)p;
  (void)ticks;
  (void)lots;
  (void)unit_one;
  return NULL;
#endif
}

/* The two decimals of a level at p ('[') read one by one, each with its own bounds (the frame's last
 * levels, grids of more than 8 decimals, the cases grid_level hands on): the position just after the
 * qty's closing quote, or NULL. */
static inline __attribute__((always_inline)) const uint8_t* plain_decimals(const level_grid* g, const uint8_t* p,
                                                                           const uint8_t* end, int64_t* ticks,
                                                                           int64_t* lots, int fast, int unit_one) {
  const uint8_t* q = level_decimal(p + 2, end, g->price_decimals, g->price_scale, g->price_shift, g->price_past,
                                   g->price_unit, fast, unit_one, ticks);
  if (q == NULL || end - q < 4 || load16(q + 1) != PAIR(',', '"')) return NULL;
  q = level_decimal(q + 3, end, g->qty_decimals, g->qty_scale, g->qty_shift, g->qty_past, g->qty_unit, fast,
                    unit_one, lots);
  return q == NULL ? NULL : q + 1;
}

/* q just after a level's second string: past the strings that follow it (skipped, still validated)
 * and the level's ']', or NULL. */
static inline __attribute__((always_inline)) const uint8_t* level_close(const uint8_t* q, const uint8_t* end) {
  if (__builtin_expect(q < end && *q == ']', 1)) return q + 1;
  while (q + 1 < end && load16(q) == PAIR(',', '"')) {
    if (q + 3 < end && q[3] == '"' && q[2] >= 0x20 && q[2] < 0x80 && q[2] != '\\' && q[2] != '"') {
      q += 4; /* one plain ASCII character, as OKX's "0" and order counts below 10 */
      continue;
    }
    int32_t esc = 0;
    q = scan_string(q + 2, end, &esc);
    if (q == NULL) return NULL;
    q++;
  }
  return q < end && *q == ']' ? q + 1 : NULL;
}

/* ticks in [1, max_ticks], lots in [0, max_lots] (decimals are never negative) */
static inline int within_bounds(const level_grid* g, int64_t ticks, int64_t lots) {
  return (uint64_t)ticks - 1u < (uint64_t)g->max_ticks && (uint64_t)lots <= (uint64_t)g->max_lots;
}

/*
 * The common shape of a good level, `["price","qty"]` or OKX's `["price","qty","n","n"]`, plain
 * decimals, no whitespace, within the bounds: read in one pass, returning the position after its
 * ']'. NULL (nothing decided) for anything else, which read_level then reads and judges the general
 * way.
 */
static inline __attribute__((always_inline)) const uint8_t* plain_level(const level_grid* g, const uint8_t* p,
                                                                        const uint8_t* end, int64_t* ticks,
                                                                        int64_t* lots, int fast, int unit_one) {
  if (end - p < 8 || load16(p) != PAIR('[', '"')) return NULL;
  const uint8_t* q = NULL;
  if (fast && __builtin_expect(end - p >= GRID_LEVEL_BYTES, 1)) q = grid_level(g, p, ticks, lots, unit_one);
  if (q == NULL) q = plain_decimals(g, p, end, ticks, lots, fast, unit_one);
  if (q == NULL) return NULL;
  q = level_close(q, end);
  return q != NULL && within_bounds(g, *ticks, *lots) ? q : NULL;
}

/* p at level k of a side (k <= cap): reads ["price","qty",...] and judges it as stageLevels does. */
static const uint8_t* read_level(dctx* c, const uint8_t* p, side_read* sr, int32_t k) {
  const hft_depth_params* prm = &c->d->params;
  int64_t ticks = 0;
  int64_t lots = 0;
  int good = 0;
  p = read_level_general(c, p, &ticks, &lots, &good);
  if (p == NULL) return NULL;
  if (!good) {
    sr->sem_index = k;
    sr->sem_code = HFT_LEVEL_MALFORMED;
  } else if (ticks <= 0 || ticks > prm->max_ticks || lots > prm->max_lots) {
    sr->sem_index = k;
    sr->sem_code = HFT_LEVEL_OUT_OF_RANGE;
  } else if (k < c->cap) {
    sr->lv[2 * k] = ticks;
    sr->lv[2 * k + 1] = lots;
    sr->stored = k + 1;
  }
  return p;
}

static void side_reset(side_read* sr) {
  sr->present = 0;
  sr->is_array = 0;
  sr->total = 0;
  sr->sem_index = NO_INDEX;
  sr->sem_code = 0;
  sr->stored = 0;
}

/* Whether 8 bytes after a level's qty are OKX's two one-digit strings, `,"0","5"` (its deprecated
 * field and the order count below 10): the rest of its hot level shape, one compare for the word. */
static inline int okx_tail(uint64_t w) {
  const uint64_t shape = (uint64_t)',' | (uint64_t)'"' << 8 | (uint64_t)'"' << 24 | (uint64_t)',' << 32 |
                         (uint64_t)'"' << 40 | (uint64_t)'"' << 56;
  return (w & UINT64_C(0xFF00FFFFFF00FFFF)) == shape && ((w >> 16) & 0xFFu) - '0' < 10u &&
         ((w >> 48) & 0xFFu) - '0' < 10u;
}

/* Good levels in the plain shape, one after another, from out up to full (the staging capacity): the
 * loop of plain_run, compiled once per case of plain_level (fast and unit_one are constants). */
static inline __attribute__((always_inline)) const uint8_t* level_loop(const level_grid* g, const uint8_t* p,
                                                                       const uint8_t* end, int64_t** outp,
                                                                       int64_t* full, int* closed, int fast,
                                                                       int unit_one) {
  int64_t* out = *outp;
  while (out < full) {
    int64_t ticks;
    int64_t lots;
    const uint8_t* q = NULL;
    if (fast && end - p >= GRID_LEVEL_BYTES && load16(p) == PAIR('[', '"')) {
      /* the hot shape, `["price","qty"]` then ',' or ']': GRID_LEVEL_BYTES cover its reads */
      q = grid_level(g, p, &ticks, &lots, unit_one);
      const uint32_t next = q != NULL ? load16(q) : 0;
      if ((next == PAIR(']', ',') || next == PAIR(']', ']')) && within_bounds(g, ticks, lots)) {
        out[0] = ticks;
        out[1] = lots;
        out += 2;
        p = q + 2;
        if (next == PAIR(']', ']')) {
          *closed = 1;
          break;
        }
        continue;
      }
      if (q != NULL && end - q >= 10 && okx_tail(load64(q)) && q[8] == ']' && (q[9] == ',' || q[9] == ']') &&
          within_bounds(g, ticks, lots)) {
        out[0] = ticks;
        out[1] = lots;
        out += 2;
        p = q + 10;
        if (q[9] == ']') {
          *closed = 1;
          break;
        }
        continue;
      }
      /* read, but more follows or out of bounds: closed here, judged below */
      if (q != NULL && ((q = level_close(q, end)) == NULL || !within_bounds(g, ticks, lots))) break;
    }
    if (q == NULL) q = plain_level(g, p, end, &ticks, &lots, fast, unit_one);
    if (q == NULL || q >= end || (*q != ',' && *q != ']')) break;
    out[0] = ticks;
    out[1] = lots;
    out += 2;
    p = q + 1;
    if (*q == ']') {
      *closed = 1;
      break;
    }
  }
  *outp = out;
  return p;
}

/* Good levels in the plain shape, one after another: the run stops at the first level that is not
 * (or at the staging capacity) and returns where it stopped, just after a '[' or a ','. Sets *closed
 * when the array ended in the run; returns NULL never (anything odd is left to the general loop). */
static inline const uint8_t* plain_run(dctx* c, const uint8_t* p, side_read* sr, int* closed) {
  const uint8_t* end = c->end;
  const hft_depth_params* prm = &c->d->params;
  const int fast = HFT_SSE2 && prm->price_decimals <= 8 && prm->qty_decimals <= 8;
  const level_grid g = {prm->price_unit,
                        prm->qty_unit,
                        prm->max_ticks,
                        prm->max_lots,
                        prm->price_decimals,
                        prm->qty_decimals,
                        POW10[prm->price_decimals],
                        POW10[prm->qty_decimals],
                        prm->price_decimals == 0 ? 0u : 8u * (8u - (uint32_t)prm->price_decimals),
                        prm->qty_decimals == 0 ? 0u : 8u * (8u - (uint32_t)prm->qty_decimals),
                        2u << (prm->price_decimals & 15),
                        2u << (prm->qty_decimals & 15)};
  int64_t* const first = sr->lv + 2 * (size_t)sr->total;
  int64_t* out = first;
  int64_t* const full = sr->lv + 2 * (size_t)c->cap;
  if (fast && prm->price_unit == 1 && prm->qty_unit == 1) p = level_loop(&g, p, end, &out, full, closed, 1, 1);
  else if (fast) p = level_loop(&g, p, end, &out, full, closed, 1, 0);
  else p = level_loop(&g, p, end, &out, full, closed, 0, 0);
  sr->total = sr->stored = sr->total + (int32_t)((out - first) / 2);
  return p;
}

/* p at the value of a side's key: reads every level (judging those up to the staging capacity). */
static const uint8_t* read_levels(dctx* c, const uint8_t* p, side_read* sr) {
  side_reset(sr);
  sr->present = 1;
  if (*p != '[') return skip_value(c, p);
  sr->is_array = 1;
  const uint8_t* end = c->end;
  p = ws(p + 1, end);
  if (p < end && *p == ']') return p + 1;
  int closed = 0;
  p = plain_run(c, p, sr, &closed);
  if (closed) return p;
  for (;;) {
    p = ws(p, end); /* an element must follow '[' or ',' */
    if (p >= end) return NULL;
    const int32_t k = sr->total++;
    p = (k > c->cap || sr->sem_index != NO_INDEX) ? skip_value(c, p) : read_level(c, p, sr, k);
    if (p == NULL) return NULL;
    p = ws(p, end);
    if (p >= end) return NULL;
    if (*p == ']') return p + 1;
    if (*p != ',') return NULL;
    p++;
  }
}

/* How many of a side's levels stageLevels would stage with `room` records left, and its error (0 or
 * HFT_LEVEL_*): a malformed or out-of-range level is judged before the staging buffer is found full. */
static int32_t side_outcome(const side_read* sr, int32_t room, int32_t* count) {
  if (!sr->present || !sr->is_array) {
    *count = 0;
    return HFT_LEVEL_NOT_ARRAY;
  }
  const int32_t full = room < sr->total ? room : NO_INDEX;
  if (sr->sem_index == NO_INDEX && full == NO_INDEX) {
    *count = sr->total;
    return 0;
  }
  if (sr->sem_index <= full) {
    *count = sr->sem_index;
    return sr->sem_code;
  }
  *count = full;
  return HFT_LEVEL_STAGING_FULL;
}

static void stage_side(double* out, const side_read* sr, int32_t side, int32_t n) {
  HFT_ASSERT(n <= sr->stored);
  for (int32_t i = 0; i < n; i++) {
    out[0] = (double)side;
    out[1] = (double)sr->lv[2 * i];
    out[2] = (double)sr->lv[2 * i + 1];
    out += HFT_F64_STRIDE;
  }
}

/* Stages bids then asks in the book's staging area and applies them (a snapshot replaces the book). */
static int32_t stage_and_apply(dctx* c, hft_book* book, int snapshot, double* r) {
  const frame* f = &c->f;
  double* staging = book->stage_f64;
  int32_t nb = 0;
  int32_t na = 0;
  int32_t err = side_outcome(&f->side[0], c->cap, &nb);
  stage_side(staging, &f->side[0], HFT_SIDE_BID, nb);
  r[HFT_DR_BIDS] = nb;
  if (err == 0) {
    err = side_outcome(&f->side[1], c->cap - nb, &na);
    stage_side(staging + (size_t)nb * HFT_F64_STRIDE, &f->side[1], HFT_SIDE_ASK, na);
    r[HFT_DR_ASKS] = na;
  }
  if (err != 0) {
    r[HFT_DR_LEVEL_ERROR] = err;
    return HFT_DEPTH_BAD_LEVELS;
  }
  r[HFT_DR_SNAPSHOT] = snapshot;
  const hft_status st = snapshot ? hft_book_apply_snapshot_f64(book, staging, nb + na)
                                 : hft_book_apply_levels(book, staging, f->side[0].lv, nb, f->side[1].lv, na,
                                                         c->d->params.max_ticks);
  if (st != HFT_OK) {
    r[HFT_DR_BOOK_STATUS] = st;
    return HFT_DEPTH_BOOK_REFUSED;
  }
  return book->summary[HFT_SUM_CROSSED] != 0.0 ? HFT_DEPTH_CROSSED : HFT_DEPTH_APPLIED;
}

/* ---- Binance: {"stream":"<key>","data":{"e":"depthUpdate","E":..,"s":..,"U":..,"u":..,"b":[..],"a":[..]}} ---- */

/* The names a venue gives the fields of its depth object: bid and ask levels, first and last update
 * ids, event time. Both venues' objects are read by one loop (read_depth_object), by these names. */
typedef struct {
  const char* bids;
  const char* asks;
  const char* first;
  const char* last;
  const char* time;
  int32_t bids_len, asks_len, first_len, last_len, time_len;
  int32_t short_keys; /* the venue's keys are one character: next_member tries that shape first */
} depth_keys;

static const depth_keys BINANCE_KEYS = {"b", "a", "U", "u", "E", 1, 1, 1, 1, 1, 1};
static const depth_keys OKX_KEYS = {"bids", "asks", "prevSeqId", "seqId", "ts", 4, 4, 9, 5, 2, 0};

/* Reads the members of the depth object at p ('{') into the frame by the venue's field names and
 * skips the others. Inlined per venue, so the names stay constants compared inline. */
static inline __attribute__((always_inline)) const uint8_t* read_depth_object(dctx* c, const uint8_t* p,
                                                                               const depth_keys* k) {
  frame* f = &c->f;
  jval key;
  int done = 0;
  p++;
  for (int first = 1;; first = 0) {
    p = next_member(p, c->end, first, &key, &done, k->short_keys);
    if (p == NULL || done) return p;
    if (key_is(&key, k->bids, k->bids_len)) p = read_levels(c, p, &f->side[0]);
    else if (key_is(&key, k->asks, k->asks_len)) p = read_levels(c, p, &f->side[1]);
    else if (key_is(&key, k->first, k->first_len)) p = read_scalar(c, p, &f->first);
    else if (key_is(&key, k->last, k->last_len)) p = read_scalar(c, p, &f->last);
    else if (key_is(&key, k->time, k->time_len)) p = read_scalar(c, p, &f->time);
    else p = skip_value(c, p);
    if (p == NULL) return NULL;
  }
}

static const uint8_t* binance_data(dctx* c, const uint8_t* p) {
  frame* f = &c->f;
  f->first.kind = f->last.kind = f->time.kind = J_NONE;
  side_reset(&f->side[0]);
  side_reset(&f->side[1]);
  f->data_kind = kind_at(*p);
  if (*p != '{') return skip_value(c, p);
  return read_depth_object(c, p, &BINANCE_KEYS);
}

static const uint8_t* binance_top(dctx* c, const uint8_t* p) {
  jval key;
  int done = 0;
  p++;
  for (int first = 1;; first = 0) {
    p = next_member(p, c->end, first, &key, &done, 0);
    if (p == NULL || done) return p;
    if (key_is(&key, "stream", 6)) p = read_scalar(c, p, &c->f.stream);
    else if (key_is(&key, "data", 4)) p = binance_data(c, p);
    else p = skip_value(c, p);
    if (p == NULL) return NULL;
  }
}

static int32_t binance_check(dctx* c, hft_book* book, int32_t mode, double position, double* r) {
  const frame* f = &c->f;
  const hft_depth* d = c->d;
  if (f->top_kind != J_OBJ || !str_equals(&f->stream, d->params.key, d->key_len)) return HFT_DEPTH_OTHER;
  if (f->data_kind != J_OBJ && f->data_kind != J_ARR) return HFT_DEPTH_OTHER;
  int64_t first = 0;
  int64_t last = 0;
  if (!safe_int(c, &f->first, &first) || !safe_int(c, &f->last, &last) || first > last) return HFT_DEPTH_BAD_FIELDS;
  int64_t time = 0;
  r[HFT_DR_FIRST] = (double)first;
  r[HFT_DR_LAST] = (double)last;
  r[HFT_DR_EVENT_TIME] = safe_int(c, &f->time, &time) ? (double)time : -1.0;
  if (mode == HFT_DEPTH_UNSYNCED) return HFT_DEPTH_NOT_SYNCED;
  if (mode == HFT_DEPTH_LIVE) {
    if ((double)last <= position) return HFT_DEPTH_DUPLICATE;
    if ((double)first > position + 1.0) return HFT_DEPTH_GAP;
  }
  return stage_and_apply(c, book, 0, r);
}

/* ---- OKX: {"arg":{"channel":"books","instId":"<key>"},"action":"snapshot"|"update","data":[{"asks":[..],
 * "bids":[..],"ts":"..","checksum":0,"prevSeqId":..,"seqId":..}]} ---- */

static const uint8_t* okx_item(dctx* c, const uint8_t* p) {
  c->f.item_kind = kind_at(*p);
  if (*p != '{') return skip_value(c, p);
  return read_depth_object(c, p, &OKX_KEYS);
}

static const uint8_t* okx_data(dctx* c, const uint8_t* p) {
  frame* f = &c->f;
  f->first.kind = f->last.kind = f->time.kind = J_NONE;
  side_reset(&f->side[0]);
  side_reset(&f->side[1]);
  f->data_count = 0;
  f->item_kind = J_NONE;
  f->data_kind = kind_at(*p);
  if (*p != '[') return skip_value(c, p);
  int done = 0;
  p++;
  for (;;) {
    p = next_element(p, c->end, f->data_count == 0, &done);
    if (p == NULL || done) return p;
    p = f->data_count++ == 0 ? okx_item(c, p) : skip_value(c, p);
    if (p == NULL) return NULL;
  }
}

static const uint8_t* okx_arg(dctx* c, const uint8_t* p) {
  frame* f = &c->f;
  f->channel.kind = f->inst.kind = J_NONE;
  f->arg_kind = kind_at(*p);
  if (*p != '{') return skip_value(c, p);
  jval key;
  int done = 0;
  p++;
  for (int first = 1;; first = 0) {
    p = next_member(p, c->end, first, &key, &done, 0);
    if (p == NULL || done) return p;
    if (key_is(&key, "channel", 7)) p = read_scalar(c, p, &f->channel);
    else if (key_is(&key, "instId", 6)) p = read_scalar(c, p, &f->inst);
    else p = skip_value(c, p);
    if (p == NULL) return NULL;
  }
}

static const uint8_t* okx_top(dctx* c, const uint8_t* p) {
  jval key;
  int done = 0;
  p++;
  for (int first = 1;; first = 0) {
    p = next_member(p, c->end, first, &key, &done, 0);
    if (p == NULL || done) return p;
    if (key_is(&key, "arg", 3)) p = okx_arg(c, p);
    else if (key_is(&key, "data", 4)) p = okx_data(c, p);
    else if (key_is(&key, "action", 6)) p = read_scalar(c, p, &c->f.action);
    else if (key_is(&key, "event", 5)) p = read_scalar(c, p, &c->f.event);
    else p = skip_value(c, p);
    if (p == NULL) return NULL;
  }
}

/* The OKX `books` sequence rules (src/venues/okx/book-sync.ts): HFT_DEPTH_APPLIED to go on. */
static int32_t okx_sequence(int32_t mode, double position, int64_t prev, int64_t seq, double* r) {
  if (mode == HFT_DEPTH_UNSYNCED) return HFT_DEPTH_NOT_SYNCED;
  const double pv = (double)prev;
  const double sq = (double)seq;
  if (pv == position) {
    if (seq == prev) return HFT_DEPTH_KEEPALIVE;
    if (seq < prev) r[HFT_DR_SEQ_RESET] = 1.0;
    return HFT_DEPTH_APPLIED;
  }
  if (sq <= position && pv < position && seq > prev) return HFT_DEPTH_DUPLICATE; /* an old frame replayed */
  return HFT_DEPTH_GAP;
}

static int32_t okx_check(dctx* c, hft_book* book, int32_t mode, double position, double* r) {
  const frame* f = &c->f;
  const hft_depth* d = c->d;
  if (f->top_kind != J_OBJ || f->event.kind == J_STR) return HFT_DEPTH_OTHER;
  if (f->arg_kind != J_OBJ || f->data_kind != J_ARR) return HFT_DEPTH_OTHER;
  if (!str_equals(&f->inst, d->params.key, d->key_len) || !str_equals(&f->channel, "books", 5)) return HFT_DEPTH_OTHER;
  if (f->data_count != 1 || f->item_kind != J_OBJ) return HFT_DEPTH_OTHER;
  int64_t prev = 0;
  int64_t seq = 0;
  if (!safe_int(c, &f->last, &seq) || !safe_int(c, &f->first, &prev)) return HFT_DEPTH_BAD_FIELDS;
  r[HFT_DR_FIRST] = (double)prev;
  r[HFT_DR_LAST] = (double)seq;
  r[HFT_DR_EVENT_TIME] = digits_value(c, &f->time);
  const int snapshot = str_equals(&f->action, "snapshot", 8) || prev == -1;
  if (!snapshot && mode != HFT_DEPTH_REHEARSE) {
    const int32_t verdict = okx_sequence(mode, position, prev, seq, r);
    if (verdict != HFT_DEPTH_APPLIED) return verdict;
  }
  return stage_and_apply(c, book, snapshot, r);
}

/* ---- the public calls ---- */

static int valid_depth(const hft_depth* d) { return d != NULL && d->magic == DEPTH_MAGIC; }

static int valid_key(const char* key, int32_t* len) {
  int32_t n = 0;
  while (n < HFT_DEPTH_KEY_MAX && key[n] != '\0') {
    const char ch = key[n];
    if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\') return 0;
    n++;
  }
  if (n == 0 || n == HFT_DEPTH_KEY_MAX) return 0;
  *len = n;
  return 1;
}

static int valid_params(const hft_depth_params* p, int32_t* key_len) {
  if (p->venue < 0 || p->venue >= HFT_VENUE_COUNT) return 0;
  if (p->price_decimals < 0 || p->price_decimals > 18 || p->qty_decimals < 0 || p->qty_decimals > 18) return 0;
  if (p->price_unit < 1 || p->price_unit > MAX_SAFE || p->qty_unit < 1 || p->qty_unit > MAX_SAFE) return 0;
  if (p->max_ticks < 0 || p->max_ticks > MAX_SAFE || p->max_lots < 0 || p->max_lots > MAX_SAFE) return 0;
  if (p->max_frame < 1 || p->max_frame > HFT_DEPTH_MAX_FRAME_LIMIT) return 0;
  if (p->max_levels < 1 || p->max_levels > HFT_MAX_BATCH_LIMIT) return 0;
  return valid_key(p->key, key_len);
}

hft_status hft_depth_create(const hft_depth_params* params, hft_depth** out) {
  if (params == NULL || out == NULL) return HFT_E_NULL_POINTER;
  int32_t key_len = 0;
  if (!valid_params(params, &key_len)) return HFT_E_BAD_PARAMS;
  const size_t nest_bytes = (size_t)params->max_frame / 8 + 1;
  const size_t lv_bytes = ((size_t)params->max_levels + 1) * 2 * sizeof(int64_t);
  unsigned char* mem = (unsigned char*)calloc(1, sizeof(hft_depth) + 2 * lv_bytes + nest_bytes);
  if (mem == NULL) return HFT_E_NO_MEMORY;
  hft_depth* d = (hft_depth*)mem;
  d->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
  if (d->c_locale == (locale_t)0) {
    free(mem);
    return HFT_E_NO_MEMORY;
  }
  d->magic = DEPTH_MAGIC;
  d->params = *params;
  d->key_len = key_len;
  d->lv[0] = (int64_t*)(mem + sizeof(hft_depth));
  d->lv[1] = (int64_t*)(mem + sizeof(hft_depth) + lv_bytes);
  d->nest = mem + sizeof(hft_depth) + 2 * lv_bytes;
  d->result[HFT_DR_EVENT_TIME] = -1.0;
  *out = d;
  return HFT_OK;
}

hft_status hft_depth_destroy(hft_depth* d) {
  if (!valid_depth(d)) return HFT_E_NULL_HANDLE;
  d->magic = 0;
  freelocale(d->c_locale);
  free(d);
  return HFT_OK;
}

const double* hft_depth_result(const hft_depth* d) { return valid_depth(d) ? d->result : NULL; }

static void reset_frame(dctx* c) {
  frame* f = &c->f;
  memset(f, 0, sizeof(*f));
  for (int s = 0; s < 2; s++) {
    side_reset(&f->side[s]);
    f->side[s].lv = c->d->lv[s];
  }
}

/* Validates the whole frame, reading the venue's fields on the way; 0 when it is not valid JSON. */
static int scan_frame(dctx* c, const uint8_t* frame_bytes, int32_t venue) {
  const uint8_t* p = ws(frame_bytes, c->end);
  if (p >= c->end) return 0;
  c->f.top_kind = kind_at(*p);
  if (*p == '{') p = venue == HFT_VENUE_BINANCE ? binance_top(c, p) : okx_top(c, p);
  else p = skip_value(c, p);
  return p != NULL && ws(p, c->end) == c->end;
}

int32_t hft_depth_decode(hft_depth* d, hft_book* book, const uint8_t* frame_bytes, int32_t len, int32_t mode,
                         double position) {
  if (!valid_depth(d) || !valid_book(book)) return -HFT_E_NULL_HANDLE;
  if (len < 0) return -HFT_E_BAD_COUNT;
  if (frame_bytes == NULL && len > 0) return -HFT_E_NULL_POINTER;
  if (mode < HFT_DEPTH_LIVE || mode > HFT_DEPTH_REHEARSE) return -HFT_E_BAD_PARAMS;
  if (book->params.max_batch > d->params.max_levels) return -HFT_E_BATCH_TOO_LARGE;
  double* r = d->result;
  memset(r, 0, sizeof(d->result));
  r[HFT_DR_EVENT_TIME] = -1.0;
  if (len > d->params.max_frame) return HFT_DEPTH_TOO_LONG;
  dctx c;
  c.d = d;
  c.end = frame_bytes + len;
  c.nest = d->nest;
  c.cap = book->params.max_batch;
  reset_frame(&c);
  if (len == 0 || !scan_frame(&c, frame_bytes, d->params.venue)) return HFT_DEPTH_BAD_JSON;
  return d->params.venue == HFT_VENUE_BINANCE ? binance_check(&c, book, mode, position, r)
                                              : okx_check(&c, book, mode, position, r);
}

const char* hft_depth_status_name(int32_t status) {
  static const char* const names[HFT_DEPTH_STATUS_COUNT] = {
      "HFT_DEPTH_APPLIED",    "HFT_DEPTH_DUPLICATE",  "HFT_DEPTH_KEEPALIVE",   "HFT_DEPTH_GAP",
      "HFT_DEPTH_NOT_SYNCED", "HFT_DEPTH_OTHER",      "HFT_DEPTH_BAD_JSON",    "HFT_DEPTH_BAD_FIELDS",
      "HFT_DEPTH_BAD_LEVELS", "HFT_DEPTH_BOOK_REFUSED", "HFT_DEPTH_CROSSED",   "HFT_DEPTH_TOO_LONG",
  };
  if (status < 0 || status >= HFT_DEPTH_STATUS_COUNT) return "HFT_DEPTH_UNKNOWN";
  return names[status];
}
