/*
 * hftcore.h - the one public header of the engine's C core (L2 order books; later the router).
 *
 * Why a C core: the books are the hottest data structure of the engine; keeping them in flat,
 * preallocated C memory behind one FFI call per venue frame beats JS objects and keeps the GC
 * out of the data path. The TypeScript face lives in src/book/ (ffi.ts is its only bun:ffi user).
 *
 * Conventions (TigerBeetle tb_client style):
 *   - handle based: hft_book_create(&params, &handle) ... hft_book_destroy(handle);
 *   - every call returns an hft_status (0 = HFT_OK) unless it is a documented "_f64" fast
 *     accessor, which returns a double (NaN on any bad argument) or a count (negative status);
 *   - POD structs only; every allocation happens in create (one malloc), none afterwards;
 *   - limits (levels per side, price range, batch size) are fixed at create and checked on every
 *     call; a rejected call leaves the book exactly as it was (batches are atomic);
 *   - prices are integer ticks in [min_price, max_price] (min_price >= 0), quantities integer lots
 *     in [0, HFT_MAX_QTY] (2^53-1, so every value survives a trip through a JS double).
 *
 * Data structure (chosen for speed near the touch; measured, see below): per side, a price-indexed
 * LADDER over a window of `slots` ticks (4 ticks per allowed level, a power of two in [256, 65536])
 * plus a SORTED ARRAY for the levels deeper than the window. Keys are price for bids and -price
 * for asks, so "better" is always "larger" and one code path serves both sides.
 *   - an update inside the window (nearly all of them) is O(1): slot = key - base, store the qty;
 *     the best slot is tracked, and only deleting the best level scans down to the next one (levels
 *     near the touch are dense, so the scan is short);
 *   - an update above the window (the price rose past it) moves the window up first, so that key
 *     sits a quarter window below its top; ladder levels falling out of the bottom go to the sorted
 *     array. After a batch, a side whose best level drifted into the lowest quarter of its window
 *     (the price fell) gets its window moved down, pulling levels back from the sorted array. Both
 *     moves are O(window + levels moved) and rare (hysteresis of half a window);
 *   - deep levels (below the window) live in the sorted array: branch-free count of the last 16
 *     levels, then galloping search and memmove, O(log d + d) for a level d away from the window;
 *   - best bid/ask: O(1), and mirrored into a summary record of doubles after every change, which
 *     TypeScript reads straight from C memory (no FFI call at all);
 *   - top-N / depth: walk the ladder downwards skipping empty slots, then the sorted array;
 *   - snapshot: sorted in a spare array (sorted and reversed inputs are O(n), else heapsort), checked
 *     for duplicates and limits, and only then written into the live book, so a rejected snapshot
 *     leaves it intact;
 *   - f64 batches: the whole batch is tested first, branch-free (SSE2, two doubles at a time: every
 *     value an integer, each lane within its field's bounds, converted to int64s as it goes), then
 *     applied in one pass with no per-record checks and, when no side can fill up, no branch on the
 *     data (each side's level count and a bound on its best slot kept in registers, the best slot
 *     settled once per batch: the time per level no longer follows the share of deletes), logging
 *     old qtys only when a side could fill up. Anything unusual (a bad
 *     record, legal oddities such as values >= 2^52, a side filling up, which undoes the pass) runs
 *     the batch on the exact path (validate fully in documented order, then apply with rollback on
 *     HFT_E_BOOK_FULL), so statuses and the all-or-nothing guarantee do not depend on which path
 *     ran. bench/book-ir.ts counts the instructions per level update (callgrind).
 * The first version was sorted arrays alone (best at the tail): on the benchmark stream it cost
 * ~30-45 ns per level update in C (binary searches mispredict); the ladder brought that to ~12-16 ns.
 *
 * Measured cost (bench/book.bench.ts: ~1000 levels/side Binance-like stream, batches of 20 level
 * updates; AMD EPYC, 2 vCPUs, quiet machine, bench/RESULTS.md 2026-12-05 21:22): through bun:ffi
 * including TypeScript staging 5.3-5.5 ns per level update (mitata p50 of a 20-level frame / 20), of
 * which the C pass ~3.7 ns (`bun bench/book-ir.ts time`, native, the same whatever the share of
 * deletes); 72.9 instructions per level update (bench/book-ir.ts, callgrind: more than the 55.5 of the
 * branchy loop, and less time); best bid/ask read ~1-5 ns (summary record, no FFI call); top-10 read
 * ~25-50 ns per call (one FFI call). The sorted-array TypeScript book: ~84 ns per level. A 20-level
 * depth frame decoded and applied (hft_depth_decode): ~6.5k instructions for Binance, ~7.4k for OKX
 * (bench/depth-ir.ts), 0.57 us (Binance) and 0.84 us (OKX) of CPU through the adapter in process.
 */
#ifndef HFTCORE_H
#define HFTCORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define HFT_API __declspec(dllexport)
#else
#define HFT_API __attribute__((visibility("default")))
#endif

/* Status codes: stable numbers, mirrored by BookStatus in src/book/layout.ts (a test checks). */
typedef int32_t hft_status;
enum {
  HFT_OK = 0,
  HFT_E_NULL_HANDLE = 1,        /* handle is NULL (or not a live handle of this kind) */
  HFT_E_NULL_POINTER = 2,       /* a required pointer argument is NULL */
  HFT_E_BAD_PARAMS = 3,         /* create: limits out of their allowed ranges */
  HFT_E_NO_MEMORY = 4,          /* create: allocation failed */
  HFT_E_BAD_SIDE = 5,           /* side is not HFT_SIDE_BID (0) or HFT_SIDE_ASK (1) */
  HFT_E_NOT_INTEGER = 6,        /* a double argument is not an exact integer of magnitude < 2^53 */
  HFT_E_PRICE_OUT_OF_RANGE = 7, /* price outside [min_price, max_price] */
  HFT_E_NEGATIVE_QTY = 8,       /* quantity < 0 */
  HFT_E_QTY_TOO_LARGE = 9,      /* quantity > HFT_MAX_QTY */
  HFT_E_BOOK_FULL = 10,         /* a side would hold more than max_levels levels */
  HFT_E_BATCH_TOO_LARGE = 11,   /* batch has more than max_batch updates */
  HFT_E_BAD_COUNT = 12,         /* a count or level number is negative */
  HFT_E_DUPLICATE_LEVEL = 13,   /* a snapshot names the same price twice on one side */
  HFT_E_EMPTY_SIDE = 14,        /* the question needs a level the side does not have */
  HFT_E_OVERFLOW = 15,          /* an int64 result would overflow */
  HFT_E_CORRUPT = 16,           /* integrity check failed: an invariant is broken */
  HFT_STATUS_COUNT = 17
};

enum { HFT_SIDE_BID = 0, HFT_SIDE_ASK = 1 };

/* Largest quantity or price a book accepts: 2^53 - 1, exact in a double. */
#define HFT_MAX_QTY INT64_C(9007199254740991)
#define HFT_MAX_PRICE INT64_C(9007199254740991)
/* Bounds on the create-time limits (keep one allocation sane). */
#define HFT_MAX_LEVELS_LIMIT (1 << 20)
#define HFT_MAX_BATCH_LIMIT (1 << 22)

/* Limits of one book, fixed at create. */
typedef struct hft_book_params {
  int64_t min_price;  /* lowest accepted price in ticks, >= 0 */
  int64_t max_price;  /* highest accepted price in ticks, <= HFT_MAX_PRICE */
  int32_t max_levels; /* levels per side, 1 .. HFT_MAX_LEVELS_LIMIT */
  int32_t max_batch;  /* updates per batch call, 1 .. HFT_MAX_BATCH_LIMIT */
} hft_book_params;

/* One level update: absolute quantity at a price; qty 0 deletes the level. */
typedef struct hft_level_update {
  int64_t price;
  int64_t qty;
  int32_t side;
  int32_t reserved; /* set to 0 */
} hft_level_update;

/* Staging record of the _f64 batch/snapshot calls: HFT_F64_STRIDE doubles per level. */
#define HFT_F64_STRIDE 3
enum { HFT_F64_SIDE = 0, HFT_F64_PRICE = 1, HFT_F64_QTY = 2 };

/* The summary record: doubles kept current after every successful change (see hft_book_summary). */
enum {
  HFT_SUM_BID_PRICE = 0,  /* best bid price, -1 when empty */
  HFT_SUM_BID_QTY = 1,    /* best bid qty, 0 when empty */
  HFT_SUM_ASK_PRICE = 2,  /* best ask price, -1 when empty */
  HFT_SUM_ASK_QTY = 3,    /* best ask qty, 0 when empty */
  HFT_SUM_UPDATES = 4,    /* update counter */
  HFT_SUM_BID_LEVELS = 5, /* number of bid levels */
  HFT_SUM_ASK_LEVELS = 6, /* number of ask levels */
  HFT_SUM_CROSSED = 7,    /* 1 when both sides exist and best bid >= best ask */
  HFT_SUM_LEN = 8
};

typedef struct hft_book hft_book;

/* Name of a status ("HFT_E_BOOK_FULL"), "HFT_E_UNKNOWN" for unknown codes; never NULL. */
HFT_API const char* hft_status_name(hft_status status);

/* Fills out[0..cap) with the layout table (sizes, offsets, constants) that the TypeScript layout
 * test compares with its own constants; returns the table length (call with cap 0 to size it). */
HFT_API int32_t hft_layout(int32_t* out, int32_t cap);

/* Lifecycle. create allocates everything the book will ever use; destroy(NULL) is a no-op error. */
HFT_API hft_status hft_book_create(const hft_book_params* params, hft_book** out);
HFT_API hft_status hft_book_destroy(hft_book* book);
/* Empties both sides (counts as a change). */
HFT_API hft_status hft_book_clear(hft_book* book);

/* Applies count updates in order, atomically: all or (with the status of the first problem) none.
 * Duplicates in one batch: the last one wins. Deleting an absent level is a no-op. */
HFT_API hft_status hft_book_apply_batch(hft_book* book, const hft_level_update* updates, int32_t count);
/* Replaces both sides with the given levels (qty 0 entries are skipped; order is free; a price may
 * appear once per side). Checks: entries in order, then HFT_E_BOOK_FULL, then duplicates. */
HFT_API hft_status hft_book_apply_snapshot(hft_book* book, const hft_level_update* levels, int32_t count);
/* Same as above from count records of HFT_F64_STRIDE doubles {side, price, qty}, each an exact
 * integer (checked: HFT_E_NOT_INTEGER). This is the form TypeScript stages in a Float64Array. */
HFT_API hft_status hft_book_apply_batch_f64(hft_book* book, const double* records, int32_t count);
HFT_API hft_status hft_book_apply_snapshot_f64(hft_book* book, const double* records, int32_t count);

/* Best level of a side; HFT_E_EMPTY_SIDE when the side has none (outputs untouched). */
HFT_API hft_status hft_book_best(const hft_book* book, int32_t side, int64_t* price, int64_t* qty);
/* Copies up to n best levels (best first) into prices/qtys; *filled = number copied. */
HFT_API hft_status hft_book_top(const hft_book* book, int32_t side, int32_t n, int64_t* prices, int64_t* qtys,
                                int32_t* filled);
/* Cumulative qty and notional (sum price*qty) over the best n levels / over levels priced as good as
 * limit or better (bids >= limit, asks <= limit). HFT_E_OVERFLOW if a sum leaves int64. */
HFT_API hft_status hft_book_depth_levels(const hft_book* book, int32_t side, int32_t n, int64_t* qty,
                                         int64_t* notional);
HFT_API hft_status hft_book_depth_to_price(const hft_book* book, int32_t side, int64_t limit, int64_t* qty,
                                           int64_t* notional);
/* (best bid + best ask) / 2 and the size-weighted microprice, in ticks; HFT_E_EMPTY_SIDE if a side
 * is empty. imbalance = (bid depth - ask depth) / (bid depth + ask depth) over the best n levels. */
HFT_API hft_status hft_book_mid(const hft_book* book, double* out);
HFT_API hft_status hft_book_microprice(const hft_book* book, double* out);
HFT_API hft_status hft_book_imbalance(const hft_book* book, int32_t n, double* out);
HFT_API hft_status hft_book_level_count(const hft_book* book, int32_t side, int32_t* out);
/* +1 on every successful mutating call (batch, snapshot, clear), so readers can skip unchanged books. */
HFT_API hft_status hft_book_update_count(const hft_book* book, uint64_t* out);
HFT_API hft_status hft_book_is_crossed(const hft_book* book, int32_t* out);
/* Walks the whole book and checks every invariant; HFT_OK or HFT_E_CORRUPT. */
HFT_API hft_status hft_book_check_integrity(const hft_book* book);

/* ---- Fast accessors for bun:ffi (no 64-bit integers cross the boundary) ---- */
/* The book's staging area: max_batch records of HFT_F64_STRIDE doubles {side, price, qty}, valid until
 * destroy. TypeScript stages levels here and the depth decoder (below) writes the levels of every frame
 * it applies here, so after an apply the staged records are exactly what was applied. */
HFT_API double* hft_book_staging_f64(hft_book* book);
/* The book's summary record (HFT_SUM_LEN doubles), valid until destroy; NULL for a NULL handle. */
HFT_API const double* hft_book_summary(const hft_book* book);
/* Copies up to n best levels into doubles; returns the count, or -status on a bad argument. The
 * caller guarantees both arrays hold n doubles. */
HFT_API int32_t hft_book_top_f64(const hft_book* book, int32_t side, int32_t n, double* prices, double* qtys);
/* Sums as doubles (exact while < 2^53; larger sums are rounded once); NaN on a bad argument. */
HFT_API double hft_book_depth_levels_f64(const hft_book* book, int32_t side, int32_t n);
HFT_API double hft_book_depth_to_price_f64(const hft_book* book, int32_t side, double limit);
HFT_API double hft_book_notional_to_price_f64(const hft_book* book, int32_t side, double limit);
HFT_API double hft_book_imbalance_f64(const hft_book* book, int32_t n);


/* ---- Depth frame decoder (csrc/src/depth.c) ----
 * Why: a venue's depth frame used to cross from bytes to the book through JSON.parse (or a JS
 * scanner), per-level JS work and one FFI call. Here the frame's bytes go to C in ONE call that
 * validates the whole frame as JSON (exactly what JSON.parse accepts: any nesting, escapes, duplicate
 * keys where the last one wins), reads the venue's fields, converts the decimal strings straight to
 * integer ticks and lots (as DecimalGrid.parse does: anything off the grid, too large or malformed is
 * refused), checks the sequence fields by the venue's rules, writes the levels to the book's staging
 * area and applies them. The TypeScript reference (src/gateways/depth-frame.ts) defines the same
 * statuses; a differential test holds the two together.
 *
 * One decoder per book subscription (one instrument on one venue): the venue kind, the frame's
 * routing key (Binance combined-stream name, OKX instId), the price and quantity grids and the level
 * bounds are fixed at create. The sequence position is the caller's (its sync state machine owns it)
 * and is passed in with each frame; the decoder keeps no state between frames. */
enum { HFT_VENUE_BINANCE = 0, HFT_VENUE_OKX = 1, HFT_VENUE_COUNT = 2 };

/* How hft_depth_decode treats the sequence fields. */
enum {
  HFT_DEPTH_LIVE = 0,     /* the book is synced at `position` (Binance: last update id; OKX: last seqId) */
  HFT_DEPTH_UNSYNCED = 1, /* no position: only an OKX snapshot can be applied */
  HFT_DEPTH_REHEARSE = 2  /* keep-warm: decode and apply to a scratch book, no sequence check */
};

/* Outcomes of hft_depth_decode (stable numbers, mirrored by DepthStatus in src/book/layout.ts).
 * Negative returns are -hft_status for bad arguments. */
enum {
  HFT_DEPTH_APPLIED = 0,      /* levels applied (an update, or an OKX snapshot: see HFT_DR_SNAPSHOT) */
  HFT_DEPTH_DUPLICATE = 1,    /* already in the book: nothing done */
  HFT_DEPTH_KEEPALIVE = 2,    /* OKX empty update with seqId == prevSeqId: nothing done */
  HFT_DEPTH_GAP = 3,          /* the sequence is broken: resync */
  HFT_DEPTH_NOT_SYNCED = 4,   /* a valid update, but the book has no position */
  HFT_DEPTH_OTHER = 5,        /* valid JSON but not a depth frame for this key (another stream, an event) */
  HFT_DEPTH_BAD_JSON = 6,     /* not valid JSON */
  HFT_DEPTH_BAD_FIELDS = 7,   /* a depth frame for this key whose sequence fields are missing or not integers */
  HFT_DEPTH_BAD_LEVELS = 8,   /* a level is malformed, off the grid, out of bounds, or too many (HFT_DR_LEVEL_ERROR) */
  HFT_DEPTH_BOOK_REFUSED = 9, /* the book refused the levels (HFT_DR_BOOK_STATUS); the book is unchanged */
  HFT_DEPTH_CROSSED = 10,     /* applied, and the book is now crossed */
  HFT_DEPTH_TOO_LONG = 11,    /* the frame is longer than max_frame: nothing read */
  HFT_DEPTH_STATUS_COUNT = 12
};

/* Why levels were refused (HFT_DR_LEVEL_ERROR), the numbers of LevelError in src/gateways/levels.ts. */
enum {
  HFT_LEVEL_NOT_ARRAY = -1,
  HFT_LEVEL_MALFORMED = -2,
  HFT_LEVEL_OUT_OF_RANGE = -3,
  HFT_LEVEL_STAGING_FULL = -4
};

/* The decoder's result record (doubles, rewritten by every decode; hft_depth_result). */
enum {
  HFT_DR_FIRST = 0,       /* Binance U / OKX prevSeqId (when the fields were read) */
  HFT_DR_LAST = 1,        /* Binance u / OKX seqId */
  HFT_DR_EVENT_TIME = 2,  /* Binance E / OKX ts in ms; -1 when absent or not an integer */
  HFT_DR_BIDS = 3,        /* bid levels staged */
  HFT_DR_ASKS = 4,        /* ask levels staged (bids first, then asks, in frame order) */
  HFT_DR_SNAPSHOT = 5,    /* 1 when the frame replaced the book (OKX snapshot) */
  HFT_DR_LEVEL_ERROR = 6, /* HFT_LEVEL_* when HFT_DEPTH_BAD_LEVELS, else 0 */
  HFT_DR_BOOK_STATUS = 7, /* the book's status when HFT_DEPTH_BOOK_REFUSED, else 0 */
  HFT_DR_SEQ_RESET = 8,   /* OKX: 1 when an applied update's seqId went down (maintenance reset) */
  HFT_DR_LEN = 9
};

#define HFT_DEPTH_KEY_MAX 64 /* bytes of the routing key, NUL included */
#define HFT_DEPTH_MAX_FRAME_LIMIT (1 << 26)

typedef struct hft_depth_params {
  int64_t price_unit;     /* the tick size in units of 10^-price_decimals (DecimalGrid.unit), >= 1 */
  int64_t qty_unit;       /* the step size in units of 10^-qty_decimals */
  int64_t max_ticks;      /* a level priced above this (or at 0) is out of range */
  int64_t max_lots;       /* a level with more lots is out of range */
  int32_t venue;          /* HFT_VENUE_* */
  int32_t price_decimals; /* digits after the point in the tick size, 0 .. 18 */
  int32_t qty_decimals;
  int32_t max_frame;      /* longest frame in bytes, 1 .. HFT_DEPTH_MAX_FRAME_LIMIT */
  int32_t max_levels;     /* levels per frame (both sides), the book's max_batch or less, >= 1 */
  int32_t reserved;       /* set to 0 */
  char key[HFT_DEPTH_KEY_MAX]; /* printable ASCII without '"' or '\\', NUL-terminated, not empty */
} hft_depth_params;

typedef struct hft_depth hft_depth;

HFT_API hft_status hft_depth_create(const hft_depth_params* params, hft_depth** out);
HFT_API hft_status hft_depth_destroy(hft_depth* d);
/* The result record (HFT_DR_LEN doubles), valid until destroy; NULL for a bad handle. */
HFT_API const double* hft_depth_result(const hft_depth* d);
/* Decodes one frame of len bytes and, when its sequence fields allow, applies its levels to book (whose
 * max_batch must be at least the decoder's max_levels). Returns HFT_DEPTH_* or -hft_status. mode is
 * HFT_DEPTH_*; position is read in HFT_DEPTH_LIVE mode only. A frame that is not applied leaves the book
 * and its staging area untouched, except HFT_DEPTH_BAD_LEVELS, which stages the levels read before the
 * bad one (as the TypeScript reference does). */
HFT_API int32_t hft_depth_decode(hft_depth* d, hft_book* book, const uint8_t* frame, int32_t len, int32_t mode,
                                 double position);
/* Name of a decode outcome ("HFT_DEPTH_GAP"), "HFT_DEPTH_UNKNOWN" otherwise; never NULL. */
HFT_API const char* hft_depth_status_name(int32_t status);

/* ---- Consolidated book and smart order router (csrc/src/consolidated.c, router.c) ----
 * Why: one instrument trades on several venues; strategies want one merged view and orders want
 * the cheapest split after fees. The consolidated book does not copy levels: it reads the venues'
 * live hft_book objects in place and merges them on demand (a k-way merge, best first), so it is
 * always as current as the venue books and costs nothing while nobody asks.
 * Prices and quantities are converted to a common grid per venue: common = venue * mult (the common
 * grid is the finest tick/step among the venues). Fees are integer parts per million of notional.
 * A venue takes part only while it has a book, is healthy, and (if stale_after_ns > 0) was updated
 * within stale_after_ns of the caller's now_ns; the router also needs rate-limit headroom > 0. */
#define HFT_MAX_VENUES_LIMIT 64
/* Merged level record of hft_cbook_top_f64: {price, qty, venue} in common ticks/lots. */
#define HFT_CB_STRIDE 3
/* Router output: a header of HFT_ROUTE_HEADER doubles {filled, unfilled, notional, fees}, then one
 * record of HFT_ROUTE_STRIDE doubles per child {venue, venue_qty, venue_limit_price, notional, fee}
 * (venue_* in the venue's own ticks and lots; notional and fee in common ticks x common lots). */
#define HFT_ROUTE_HEADER 4
#define HFT_ROUTE_STRIDE 5

typedef struct hft_cbook hft_cbook;

typedef struct hft_cbook_params {
  int32_t max_venues; /* 1 .. HFT_MAX_VENUES_LIMIT */
  int32_t reserved;   /* set to 0 */
} hft_cbook_params;

HFT_API hft_status hft_cbook_create(const hft_cbook_params* params, hft_cbook** out);
HFT_API hft_status hft_cbook_destroy(hft_cbook* cb);
/* Attaches venue `venue`'s book (NULL detaches). The book must outlive the attachment. mults >= 1,
 * 0 <= taker_fee_ppm < 1000000. A new attachment starts healthy, with headroom 1 and never stale. */
HFT_API hft_status hft_cbook_set_venue(hft_cbook* cb, int32_t venue, const hft_book* book, int32_t price_mult,
                                       int32_t qty_mult, int32_t taker_fee_ppm);
/* Venue health (0/1), rate-limit headroom (child orders it may take now) and last book update time. */
HFT_API hft_status hft_cbook_set_state(hft_cbook* cb, int32_t venue, int32_t healthy, int32_t headroom,
                                       double last_update_ns);
/* Staleness threshold; 0 disables the staleness rule. */
HFT_API hft_status hft_cbook_set_stale_after(hft_cbook* cb, double stale_after_ns);
/* Merged best-first levels of a side across live venues, at most n records into out (n * HFT_CB_STRIDE
 * doubles); equal prices keep venue order. Returns the count or -status. */
HFT_API int32_t hft_cbook_top_f64(const hft_cbook* cb, int32_t side, int32_t n, double now_ns, double* out);
/* Routes a parent order: side HFT_SIDE_BID buys (takes asks), HFT_SIDE_ASK sells (takes bids);
 * qty in common lots; limit in common ticks (buys take prices <= limit, sells >= limit); urgency in
 * per mille is the share of each displayed level the router counts on (1000 = all of it).
 * Levels are taken greedily by effective price (price with the taker fee added for buys, taken off
 * for sells), venue by venue in whole venue lots, never more than qty in total, never beyond the
 * limit, one child per venue (an IOC at the child's limit sweeps exactly the levels counted).
 * out holds HFT_ROUTE_HEADER + max_children * HFT_ROUTE_STRIDE doubles. Returns the number of
 * children or -status. */
HFT_API int32_t hft_route_f64(const hft_cbook* cb, int32_t side, double qty, double limit, int32_t urgency_permille,
                              double now_ns, double* out, int32_t max_children);

/* ---- CPU affinity of the calling thread (Linux; src/book/affinity.ts) ---- */

/* CPU ids accepted by the affinity calls: [0, HFT_MAX_CPUS) (glibc's cpu_set_t holds 1024). */
#define HFT_MAX_CPUS 1024
/* Pins the calling thread (not the process) to the n CPUs listed. HFT_E_BAD_COUNT for n outside
 * [1, HFT_MAX_CPUS], HFT_E_BAD_PARAMS for an id out of range or when the OS refuses (no listed CPU
 * exists or is allowed to this process); the affinity is unchanged on any error. */
HFT_API hft_status hft_cpu_pin(const int32_t* cpus, int32_t n);
/* The CPUs the calling thread may run on, ascending, at most cap of them into out; returns how many
 * there are (may exceed cap; call with cap 0 to size), or -status. */
HFT_API int32_t hft_cpu_allowed(int32_t* out, int32_t cap);

#ifdef __cplusplus
}
#endif
#endif
