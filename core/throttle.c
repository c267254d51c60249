/* throttle.c: a thread-safe token bucket on an injectable clock.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>
#include <math.h>

#include "clock-private.h"

struct _TocsinThrottle {
  gatomicrefcount ref;
  TocsinClock *clock; /* (owned) */
  double rate;        /* tokens per period, also the capacity */
  double per;         /* period, seconds */
  double burst;       /* initial tokens */
  GMutex lock;        /* guards tokens and last */
  double tokens;
  gint64 last;        /* clock reading of the last refill */
};

TocsinThrottle *
tocsin_throttle_new (double rate, double per, double burst)
{
  return tocsin_throttle_new_with_clock (rate, per, burst, tocsin_clock_get_system ());
}

TocsinThrottle *
tocsin_throttle_new_with_clock (double rate, double per, double burst, TocsinClock *clock)
{
  TocsinThrottle *throttle;

  g_return_val_if_fail (clock != NULL, NULL);
  throttle = g_new0 (TocsinThrottle, 1);
  g_atomic_ref_count_init (&throttle->ref);
  throttle->clock = tocsin_clock_ref (clock);
  /* NaN fails every comparison; treat it as the lower bound rather than propagate it. */
  throttle->rate = isnan (rate) ? TOCSIN_THROTTLE_RATE_MIN
                                : CLAMP (rate, TOCSIN_THROTTLE_RATE_MIN, TOCSIN_THROTTLE_RATE_MAX);
  throttle->per = isnan (per) ? TOCSIN_THROTTLE_PER_MIN
                              : CLAMP (per, TOCSIN_THROTTLE_PER_MIN, TOCSIN_THROTTLE_PER_MAX);
  throttle->burst = (isnan (burst) || burst <= 0) ? throttle->rate : CLAMP (burst, 1.0, throttle->rate);
  throttle->tokens = throttle->burst;
  throttle->last = tocsin_clock_now (clock);
  g_mutex_init (&throttle->lock);
  return throttle;
}

TocsinThrottle *
tocsin_throttle_ref (TocsinThrottle *throttle)
{
  g_return_val_if_fail (throttle != NULL, NULL);
  g_atomic_ref_count_inc (&throttle->ref);
  return throttle;
}

void
tocsin_throttle_unref (TocsinThrottle *throttle)
{
  g_return_if_fail (throttle != NULL);
  if (!g_atomic_ref_count_dec (&throttle->ref))
    return;
  tocsin_clock_unref (throttle->clock);
  g_mutex_clear (&throttle->lock);
  g_free (throttle);
}

double
tocsin_throttle_get_rate (TocsinThrottle *throttle)
{
  g_return_val_if_fail (throttle != NULL, 0);
  return throttle->rate;
}

double
tocsin_throttle_get_per (TocsinThrottle *throttle)
{
  g_return_val_if_fail (throttle != NULL, 0);
  return throttle->per;
}

double
tocsin_throttle_get_burst (TocsinThrottle *throttle)
{
  g_return_val_if_fail (throttle != NULL, 0);
  return throttle->burst;
}

/* Called with the lock held. After idling the bucket fills up to rate, not to burst: burst only
 * limits the start, as in the original. */
static void
refill_locked (TocsinThrottle *throttle)
{
  gint64 now = tocsin_clock_now (throttle->clock);

  if (now > throttle->last)
    {
      double elapsed = (double) (now - throttle->last) / G_USEC_PER_SEC;
      double tokens = throttle->tokens + elapsed * throttle->rate / throttle->per;
      /* Refilling in several steps accumulates rounding error: 0.9999999999 must count as the
       * whole token it is, or a waiter would sleep again for a microsecond that never comes on
       * a manual clock. */
      if (tokens - floor (tokens) > 1.0 - 1e-9)
        tokens = ceil (tokens);
      throttle->tokens = MIN (throttle->rate, tokens);
      throttle->last = now;
    }
}

/* Seconds until one token is there; lock held, after a refill. */
static double
wait_locked (TocsinThrottle *throttle)
{
  if (throttle->tokens >= 1.0)
    return 0;
  return (1.0 - throttle->tokens) * throttle->per / throttle->rate;
}

double
tocsin_throttle_get_available (TocsinThrottle *throttle)
{
  double tokens;

  g_return_val_if_fail (throttle != NULL, 0);
  g_mutex_lock (&throttle->lock);
  refill_locked (throttle);
  tokens = throttle->tokens;
  g_mutex_unlock (&throttle->lock);
  return tokens;
}

gboolean
tocsin_throttle_try_acquire (TocsinThrottle *throttle)
{
  gboolean acquired;

  g_return_val_if_fail (throttle != NULL, FALSE);
  g_mutex_lock (&throttle->lock);
  refill_locked (throttle);
  acquired = throttle->tokens >= 1.0;
  if (acquired)
    throttle->tokens -= 1.0;
  g_mutex_unlock (&throttle->lock);
  return acquired;
}

double
tocsin_throttle_time_until_available (TocsinThrottle *throttle)
{
  double wait;

  g_return_val_if_fail (throttle != NULL, 0);
  g_mutex_lock (&throttle->lock);
  refill_locked (throttle);
  wait = wait_locked (throttle);
  g_mutex_unlock (&throttle->lock);
  return wait;
}

gboolean
tocsin_throttle_acquire (TocsinThrottle *throttle, double timeout, double *retry_after,
                         GError **error)
{
  gint64 now, deadline;

  g_return_val_if_fail (throttle != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  now = tocsin_clock_now (throttle->clock);
  deadline = priv_tocsin_clock_deadline (now, timeout);
  for (;;)
    {
      double wait;
      gint64 wake;

      g_mutex_lock (&throttle->lock);
      refill_locked (throttle);
      wait = wait_locked (throttle);
      if (wait == 0)
        {
          throttle->tokens -= 1.0;
          g_mutex_unlock (&throttle->lock);
          return TRUE;
        }
      /* Counted from the reading the refill used (another thread may move a manual clock at any
       * moment), rounded up so the wake-up lands on or after the moment a whole token exists. */
      wake = throttle->last + (gint64) ceil (wait * G_USEC_PER_SEC);
      g_mutex_unlock (&throttle->lock);
      if (wake > deadline)
        {
          if (retry_after)
            *retry_after = wait;
          g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_THROTTLED,
                       "Rate limit exceeded: no token within %.3g s; retry after %.3f s "
                       "(throttle %g per %g s)", timeout, wait, throttle->rate, throttle->per);
          return FALSE;
        }
      tocsin_clock_sleep_until (throttle->clock, wake);
    }
}

void
tocsin_throttle_reset (TocsinThrottle *throttle)
{
  g_return_if_fail (throttle != NULL);
  g_mutex_lock (&throttle->lock);
  throttle->tokens = throttle->rate;
  throttle->last = tocsin_clock_now (throttle->clock);
  g_mutex_unlock (&throttle->lock);
}
