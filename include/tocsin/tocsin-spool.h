/* tocsin-spool.h: the durable spool, read and tidied from outside a running manager (the
 * `tocsin spool` command uses this).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-alert.h>

G_BEGIN_DECLS

/**
 * TocsinSpool:
 * An SQLite database (WAL mode) holding every accepted alert and, for each channel it goes to,
 * its delivery: pending (not delivered yet: re-queued when a manager with this spool starts,
 * keeping its attempt count and the alert's id) or dead (it failed for good: a dead letter, kept
 * with its last error until retried or purged). Delivered ones are removed. Thread-safe; several
 * processes may open the same file (SQLite's locking serialises them).
 */
typedef struct _TocsinSpool TocsinSpool;

/** The state of a spooled delivery. */
typedef enum {
  TOCSIN_SPOOL_PENDING = 0,
  TOCSIN_SPOOL_DEAD = 1,
} TocsinSpoolState;

/**
 * tocsin_spool_open:
 * @path: the database file; created (with its tables) if it does not exist, mode 0600
 * Returns: (transfer full): the spool, or %NULL with @error (%TOCSIN_ERROR_IO naming the file)
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinSpool *tocsin_spool_open (const char *path, GError **error);

TOCSIN_AVAILABLE_IN_1_0
void tocsin_spool_close (TocsinSpool *spool);

/**
 * TocsinSpoolEntryFunc:
 * @alert: (transfer none): the alert as it was accepted (same id, time, labels)
 * @channel: the channel key
 * @state: pending or dead
 * @attempts: delivery attempts made so far
 * @last_error: (nullable): why the last attempt failed (redacted)
 * @updated: when the entry last changed, in microseconds since the Unix epoch
 */
typedef void (*TocsinSpoolEntryFunc) (TocsinAlert *alert, const char *channel,
                                      TocsinSpoolState state, guint attempts,
                                      const char *last_error, gint64 updated, gpointer user_data);

/** tocsin_spool_foreach: calls @func for each delivery in the spool, oldest alert first. */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_spool_foreach (TocsinSpool *spool, TocsinSpoolEntryFunc func, gpointer user_data,
                               GError **error);

/**
 * tocsin_spool_retry:
 * @channel: (nullable): only this channel's dead letters
 * Makes dead letters pending again, with their attempt count reset: the next manager started
 * with this spool delivers them.
 * Returns: how many, or -1 with @error
 */
TOCSIN_AVAILABLE_IN_1_0
gint64 tocsin_spool_retry (TocsinSpool *spool, const char *channel, GError **error);

/**
 * tocsin_spool_purge:
 * @channel: (nullable): only this channel's deliveries
 * @pending_too: also remove pending deliveries (they would otherwise be delivered at the next
 *   start), not only dead letters
 * Removes deliveries, and the alerts left with none.
 * Returns: how many deliveries, or -1 with @error
 */
TOCSIN_AVAILABLE_IN_1_0
gint64 tocsin_spool_purge (TocsinSpool *spool, const char *channel, gboolean pending_too,
                           GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinSpool, tocsin_spool_close)

G_END_DECLS
