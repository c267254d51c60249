/* tocsin-throttle.h: a thread-safe token bucket.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-clock.h>

G_BEGIN_DECLS

typedef struct _TocsinThrottle TocsinThrottle;

/* Hard limits; values outside them are clamped. */
#define TOCSIN_THROTTLE_RATE_MIN 1.0
#define TOCSIN_THROTTLE_RATE_MAX 1000.0
#define TOCSIN_THROTTLE_PER_MIN 1.0
#define TOCSIN_THROTTLE_PER_MAX 86400.0

/**
 * tocsin_throttle_new:
 * @rate: tokens per period, clamped to [1, 1000]; it is also the bucket's capacity
 * @per: the period in seconds, clamped to [1, 86400]
 * @burst: tokens available at the start, clamped to [1, @rate]; 0 or less means @rate
 *
 * The bucket refills continuously at @rate / @per tokens per second, up to @rate tokens.
 *
 * Returns: (transfer full): a throttle on the system clock
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinThrottle *tocsin_throttle_new (double rate, double per, double burst);

/**
 * tocsin_throttle_new_with_clock:
 * As tocsin_throttle_new(), reading time from @clock (a reference is taken).
 * Returns: (transfer full): a throttle
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinThrottle *tocsin_throttle_new_with_clock (double rate, double per, double burst,
                                                TocsinClock *clock);

TOCSIN_AVAILABLE_IN_1_0
TocsinThrottle *tocsin_throttle_ref (TocsinThrottle *throttle);

TOCSIN_AVAILABLE_IN_1_0
void tocsin_throttle_unref (TocsinThrottle *throttle);

/** tocsin_throttle_get_rate: Returns: the rate after clamping */
TOCSIN_AVAILABLE_IN_1_0
double tocsin_throttle_get_rate (TocsinThrottle *throttle);

/** tocsin_throttle_get_per: Returns: the period in seconds after clamping */
TOCSIN_AVAILABLE_IN_1_0
double tocsin_throttle_get_per (TocsinThrottle *throttle);

/** tocsin_throttle_get_burst: Returns: the initial tokens after clamping */
TOCSIN_AVAILABLE_IN_1_0
double tocsin_throttle_get_burst (TocsinThrottle *throttle);

/** tocsin_throttle_get_available: Returns: tokens available now (fractional) */
TOCSIN_AVAILABLE_IN_1_0
double tocsin_throttle_get_available (TocsinThrottle *throttle);

/** tocsin_throttle_try_acquire: takes one token if there is one. Returns: whether it did */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_throttle_try_acquire (TocsinThrottle *throttle);

/**
 * tocsin_throttle_acquire:
 * @timeout: seconds to wait at most (0: do not wait)
 * @retry_after: (out) (optional): on failure, seconds until a token will be available
 * @error: on failure, %TOCSIN_ERROR_THROTTLED whose message gives the retry-after time
 *
 * Takes one token, waiting on the throttle's clock until one is available or @timeout passed.
 *
 * Returns: %TRUE when a token was taken
 */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_throttle_acquire (TocsinThrottle *throttle, double timeout, double *retry_after,
                                  GError **error);

/** tocsin_throttle_time_until_available: Returns: seconds until one token is available (0: now) */
TOCSIN_AVAILABLE_IN_1_0
double tocsin_throttle_time_until_available (TocsinThrottle *throttle);

/** tocsin_throttle_reset: refills the bucket to its capacity */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_throttle_reset (TocsinThrottle *throttle);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinThrottle, tocsin_throttle_unref)

G_END_DECLS
