/* spool-private.h: the manager's side of the durable spool (see tocsin-spool.h).
 *
 * Every function is thread-safe. The write functions never fail loudly: a spool that cannot be
 * written logs a warning (naming the file and SQLite's message) and the delivery goes on; only
 * priv_tocsin_spool_add(), which decides whether an alert is accepted, reports an error.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tocsin/tocsin.h>
#include <tocsin/tocsin-spool.h>

G_BEGIN_DECLS

/* Commits @alert and one pending delivery per key of @channels (NULL-terminated) in one
 * transaction, before the manager accepts the alert. An alert id already in the spool (a
 * re-queued one) is left as it is. */
gboolean priv_tocsin_spool_add (TocsinSpool *spool, TocsinAlert *alert,
                                const char *const *channels, GError **error);

/* Records that the delivery of @alert_id to @channel has made @attempts attempts (before a
 * retry). */
void priv_tocsin_spool_attempted (TocsinSpool *spool, const char *alert_id, const char *channel,
                                  guint attempts);

/* The delivery succeeded: removes it, and the alert once it has no delivery left. */
void priv_tocsin_spool_delivered (TocsinSpool *spool, const char *alert_id, const char *channel);

/* The delivery failed for good after @attempts attempts: it becomes a dead letter with @error. */
void priv_tocsin_spool_dead (TocsinSpool *spool, const char *alert_id, const char *channel,
                             guint attempts, const char *error);

/* The delivery will not happen and is no failure to keep (a throttle refused it): removes it. */
void priv_tocsin_spool_forget (TocsinSpool *spool, const char *alert_id, const char *channel);

typedef void (*PrivTocsinSpoolPendingFunc) (TocsinAlert *alert, const char *channel,
                                            guint attempts, gpointer user_data);

/* Calls @func for every pending delivery, oldest alert first, with the alert rebuilt as it was
 * accepted (same id, title, body, level, time, timestamp flag, labels). */
gboolean priv_tocsin_spool_foreach_pending (TocsinSpool *spool, PrivTocsinSpoolPendingFunc func,
                                            gpointer user_data, GError **error);

const char *priv_tocsin_spool_get_path (TocsinSpool *spool);

G_END_DECLS
