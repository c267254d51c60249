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
  /* manual only: (element-type gint64) the deadline of each thread waiting on the clock */
  GArray *deadlines;
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
  clock->deadlines = g_array_new (FALSE, FALSE, sizeof (gint64));
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
  g_array_unref (clock->deadlines);
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

/* Under the lock: a thread starts waiting on the clock until @deadline. */
static void
begin_wait_locked (TocsinClock *clock, gint64 deadline)
{
  g_array_append_val (clock->deadlines, deadline);
}

/* Under the lock: a thread that waited until @deadline stops. */
static void
end_wait_locked (TocsinClock *clock, gint64 deadline)
{
  for (guint i = 0; i < clock->deadlines->len; i++)
    if (g_array_index (clock->deadlines, gint64, i) == deadline)
      {
        g_array_remove_index_fast (clock->deadlines, i);
        return;
      }
  g_return_if_reached ();
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
  begin_wait_locked (clock, deadline_usec);
  while (clock->now < deadline_usec)
    g_cond_wait (&clock->moved, &clock->lock);
  end_wait_locked (clock, deadline_usec);
  g_mutex_unlock (&clock->lock);
}

guint
tocsin_clock_get_n_sleepers (TocsinClock *clock)
{
  guint n = 0;

  g_return_val_if_fail (clock != NULL, 0);
  if (!clock->manual)
    return 0;
  g_mutex_lock (&clock->lock);
  /* A thread whose time has come no longer counts, even before it has run again: a test that
   * advances only while every thread it expects is counted cannot outrun a woken one. */
  for (guint i = 0; i < clock->deadlines->len; i++)
    n += g_array_index (clock->deadlines, gint64, i) > clock->now;
  g_mutex_unlock (&clock->lock);
  return n;
}

void
priv_tocsin_clock_begin_wait (TocsinClock *clock, gint64 deadline)
{
  if (!clock->manual)
    return;
  g_mutex_lock (&clock->lock);
  begin_wait_locked (clock, deadline);
  g_mutex_unlock (&clock->lock);
}

void
priv_tocsin_clock_end_wait (TocsinClock *clock, gint64 deadline)
{
  if (!clock->manual)
    return;
  g_mutex_lock (&clock->lock);
  end_wait_locked (clock, deadline);
  g_mutex_unlock (&clock->lock);
}
