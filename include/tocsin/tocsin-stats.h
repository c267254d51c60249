/* tocsin-stats.h: a snapshot of a manager's delivery statistics.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-macros.h>

G_BEGIN_DECLS

/**
 * TocsinStats:
 * Counters read without stopping delivery: each counter is exact, the set is not one atomic cut.
 * Channels appear in the order they were added.
 */
typedef struct _TocsinStats TocsinStats;

TOCSIN_AVAILABLE_IN_1_0
void tocsin_stats_free (TocsinStats *stats);

/** tocsin_stats_get_sent: Returns: deliveries that succeeded, over every channel */
TOCSIN_AVAILABLE_IN_1_0
guint64 tocsin_stats_get_sent (const TocsinStats *stats);

/** tocsin_stats_get_failed: Returns: deliveries that failed (throttled ones excluded) */
TOCSIN_AVAILABLE_IN_1_0
guint64 tocsin_stats_get_failed (const TocsinStats *stats);

/** tocsin_stats_get_throttled: Returns: deliveries a throttle refused */
TOCSIN_AVAILABLE_IN_1_0
guint64 tocsin_stats_get_throttled (const TocsinStats *stats);

/** tocsin_stats_get_queued: Returns: deliveries accepted and not finished yet */
TOCSIN_AVAILABLE_IN_1_0
guint64 tocsin_stats_get_queued (const TocsinStats *stats);

/** tocsin_stats_get_retried: Returns: retries scheduled after retryable failures */
TOCSIN_AVAILABLE_IN_1_0
guint64 tocsin_stats_get_retried (const TocsinStats *stats);

/** tocsin_stats_get_dropped: Returns: alerts a full channel queue dropped */
TOCSIN_AVAILABLE_IN_1_0
guint64 tocsin_stats_get_dropped (const TocsinStats *stats);

TOCSIN_AVAILABLE_IN_1_0
guint tocsin_stats_get_n_channels (const TocsinStats *stats);

/** tocsin_stats_find_channel: Returns: the index of channel @key, or -1 */
TOCSIN_AVAILABLE_IN_1_0
int tocsin_stats_find_channel (const TocsinStats *stats, const char *key);

/** tocsin_stats_get_channel_key: Returns: (transfer none): the key of channel @index */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_stats_get_channel_key (const TocsinStats *stats, guint index);

TOCSIN_AVAILABLE_IN_1_0
guint64 tocsin_stats_get_channel_sent (const TocsinStats *stats, guint index);

TOCSIN_AVAILABLE_IN_1_0
guint64 tocsin_stats_get_channel_failed (const TocsinStats *stats, guint index);

TOCSIN_AVAILABLE_IN_1_0
guint64 tocsin_stats_get_channel_throttled (const TocsinStats *stats, guint index);

/** tocsin_stats_get_channel_queued: Returns: deliveries waiting in or being run by that channel */
TOCSIN_AVAILABLE_IN_1_0
guint64 tocsin_stats_get_channel_queued (const TocsinStats *stats, guint index);

TOCSIN_AVAILABLE_IN_1_0
guint64 tocsin_stats_get_channel_retried (const TocsinStats *stats, guint index);

TOCSIN_AVAILABLE_IN_1_0
guint64 tocsin_stats_get_channel_dropped (const TocsinStats *stats, guint index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinStats, tocsin_stats_free)

G_END_DECLS
