/* Tiny test harness shared by the C tests: counts failures and reports file and line. */
#ifndef HFT_TEST_CHECK_H
#define HFT_TEST_CHECK_H
#include <stdio.h>

static int check_failures = 0;
static int check_count = 0;

#define CHECK(cond)                                                        \
  do {                                                                     \
    check_count++;                                                         \
    if (!(cond)) {                                                         \
      check_failures++;                                                    \
      fprintf(stderr, "CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
    }                                                                      \
  } while (0)

#define CHECK_EQ_STATUS(got, want)                                                                 \
  do {                                                                                             \
    int got_ = (int)(got);                                                                         \
    int want_ = (int)(want);                                                                       \
    check_count++;                                                                                 \
    if (got_ != want_) {                                                                           \
      check_failures++;                                                                            \
      fprintf(stderr, "status %s (%d), want %s (%d): %s at %s:%d\n", hft_status_name(got_), got_, \
              hft_status_name(want_), want_, #got, __FILE__, __LINE__);                            \
    }                                                                                              \
  } while (0)

#endif
