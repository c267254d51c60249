/* tocsin-clock.h: the time source of throttles and delivery deadlines, injectable for tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-macros.h>

G_BEGIN_DECLS

/**
 * TocsinClock:
 * A monotonic time source. The system clock follows g_get_monotonic_time(); a manual clock only
 * moves when tocsin_clock_advance() is called, and whatever waits on it (a blocking throttle
 * acquire, a delivery deadline) wakes when it is advanced far enough. Tests use a manual clock so
 * they never sleep.
 */
typedef struct _TocsinClock TocsinClock;

/** tocsin_clock_get_system: Returns: (transfer none): the process-wide system clock */
TOCSIN_AVAILABLE_IN_1_0
TocsinClock *tocsin_clock_get_system (void);

/**
 * tocsin_clock_new_manual:
 * @start_usec: the initial reading, in microseconds
 * Returns: (transfer full): a clock that moves only through tocsin_clock_advance()
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinClock *tocsin_clock_new_manual (gint64 start_usec);

TOCSIN_AVAILABLE_IN_1_0
TocsinClock *tocsin_clock_ref (TocsinClock *clock);

TOCSIN_AVAILABLE_IN_1_0
void tocsin_clock_unref (TocsinClock *clock);

/** tocsin_clock_now: Returns: the current reading, in microseconds (monotonic) */
TOCSIN_AVAILABLE_IN_1_0
gint64 tocsin_clock_now (TocsinClock *clock);

/**
 * tocsin_clock_advance:
 * Moves a manual clock forward by @usec (>= 0) and wakes everything waiting on it.
 * Calling it on the system clock is a programmer error.
 */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_clock_advance (TocsinClock *clock, gint64 usec);

/**
 * tocsin_clock_sleep_until:
 * Blocks the calling thread until the clock reads at least @deadline_usec.
 */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_clock_sleep_until (TocsinClock *clock, gint64 deadline_usec);

/**
 * tocsin_clock_get_n_sleepers:
 * Returns: how many threads are waiting on @clock for a reading it has not reached yet: blocked
 * in tocsin_clock_sleep_until(), or in one of tocsin's own timed waits (a blocking send, a full
 * queue with overflow block). Always 0 for the system clock. A thread whose time has come no
 * longer counts, even before it has run again. A test that drives a manual clock advances it only
 * while every waiter it expects is counted, so the clock never runs ahead of a thread that has
 * not started waiting, nor of one it has just woken.
 */
TOCSIN_AVAILABLE_IN_1_0
guint tocsin_clock_get_n_sleepers (TocsinClock *clock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinClock, tocsin_clock_unref)

G_END_DECLS
