/* clock-private.h
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tocsin/tocsin.h>

G_BEGIN_DECLS

/* Counts a thread that waits on @clock until @deadline by other means than
 * tocsin_clock_sleep_until() (begin when it starts waiting, end with the same @deadline when it
 * stops), so that tocsin_clock_get_n_sleepers() tells a test that the wait has begun and that
 * advancing the clock to @deadline ends it. No-op for the system clock. */
void priv_tocsin_clock_begin_wait (TocsinClock *clock, gint64 deadline);
void priv_tocsin_clock_end_wait (TocsinClock *clock, gint64 deadline);

/* The reading @timeout seconds after @now: G_MAXINT64 (no deadline) for a timeout too large for
 * the clock, INFINITY included; @now for a negative or NaN one. Computed in floating point, so
 * that neither a large timeout nor a negative reading (a manual clock may start anywhere)
 * overflows. */
gint64 priv_tocsin_clock_deadline (gint64 now, double timeout);

G_END_DECLS
