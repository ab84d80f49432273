/*
 * Internal: invariant assertions. In debug and test builds a broken invariant stops the process
 * with file and line (so fuzzing and sanitizer runs point at the cause); release builds
 * (-DNDEBUG) compile them away because the integrity check covers the same ground on demand.
 */
#ifndef HFT_ASSERT_H
#define HFT_ASSERT_H

void hft_assert_fail(const char* expr, const char* file, int line);

#ifdef NDEBUG
#define HFT_ASSERT(cond) ((void)0)
#else
#define HFT_ASSERT(cond) ((cond) ? (void)0 : hft_assert_fail(#cond, __FILE__, __LINE__))
#endif

#endif
