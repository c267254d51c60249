/* clock.c: the system clock and manual clocks for tests.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "clock-private.h"

#include <math.h>

struct _TocsinClock {
  gatomicrefcount ref;
  gboolean manual;
  GMutex lock;  /* manual only: guards now */
  GCond moved;  /* manual only: broadcast on every advance */
  gint64 now;
  guint sleepers; /* manual only: threads in tocsin_clock_sleep_until() */
};

static TocsinClock system_clock = { .manual = FALSE };

TocsinClock *
tocsin_clock_get_system (void)
{
  return &system_clock;
}

TocsinClock *
tocsin_clock_new_manual (gint64 start_usec)
{
  TocsinClock *clock = g_new0 (TocsinClock, 1);

  g_atomic_ref_count_init (&clock->ref);
  clock->manual = TRUE;
  clock->now = start_usec;
  g_mutex_init (&clock->lock);
  g_cond_init (&clock->moved);
  return clock;
}

TocsinClock *
tocsin_clock_ref (TocsinClock *clock)
{
  g_return_val_if_fail (clock != NULL, NULL);
  if (clock->manual)
    g_atomic_ref_count_inc (&clock->ref);
  return clock;
}

void
tocsin_clock_unref (TocsinClock *clock)
{
  g_return_if_fail (clock != NULL);
  /* The system clock is static and never freed. */
  if (!clock->manual || !g_atomic_ref_count_dec (&clock->ref))
    return;
  g_mutex_clear (&clock->lock);
  g_cond_clear (&clock->moved);
  g_free (clock);
}

gint64
tocsin_clock_now (TocsinClock *clock)
{
  gint64 now;

  g_return_val_if_fail (clock != NULL, 0);
  if (!clock->manual)
    return g_get_monotonic_time ();
  g_mutex_lock (&clock->lock);
  now = clock->now;
  g_mutex_unlock (&clock->lock);
  return now;
}

gint64
priv_tocsin_clock_deadline (gint64 now, double timeout)
{
  if (isnan (timeout) || timeout <= 0)
    return now;
  if (timeout * G_USEC_PER_SEC >= (double) G_MAXINT64 - (double) now)
    return G_MAXINT64;
  return now + (gint64) (timeout * G_USEC_PER_SEC);
}

void
tocsin_clock_advance (TocsinClock *clock, gint64 usec)
{
  g_return_if_fail (clock != NULL && clock->manual);
  g_return_if_fail (usec >= 0);
  g_mutex_lock (&clock->lock);
  /* Saturating: a test that jumps "to the end of time" must not wrap around to the past. */
  clock->now = usec > G_MAXINT64 - clock->now ? G_MAXINT64 : clock->now + usec;
  g_cond_broadcast (&clock->moved);
  g_mutex_unlock (&clock->lock);
}

void
tocsin_clock_sleep_until (TocsinClock *clock, gint64 deadline_usec)
{
  g_return_if_fail (clock != NULL);
  if (!clock->manual)
    {
      gint64 now;
      while ((now = g_get_monotonic_time ()) < deadline_usec)
        g_usleep ((gulong) (deadline_usec - now));
      return;
    }
  g_mutex_lock (&clock->lock);
  clock->sleepers++;
  while (clock->now < deadline_usec)
    g_cond_wait (&clock->moved, &clock->lock);
  clock->sleepers--;
  g_mutex_unlock (&clock->lock);
}

guint
tocsin_clock_get_n_sleepers (TocsinClock *clock)
{
  guint n;

  g_return_val_if_fail (clock != NULL, 0);
  if (!clock->manual)
    return 0;
  g_mutex_lock (&clock->lock);
  n = clock->sleepers;
  g_mutex_unlock (&clock->lock);
  return n;
}

void
priv_tocsin_clock_count_sleeper (TocsinClock *clock, int delta)
{
  if (!clock->manual)
    return;
  g_mutex_lock (&clock->lock);
  clock->sleepers = (guint) ((int) clock->sleepers + delta);
  g_mutex_unlock (&clock->lock);
}
