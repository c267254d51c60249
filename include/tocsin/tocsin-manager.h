/* tocsin-manager.h: the manager fans alerts out to its channels.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <tocsin/tocsin-alert.h>
#include <tocsin/tocsin-result.h>
#include <tocsin/tocsin-throttle.h>
#include <tocsin/tocsin-channel.h>
#include <tocsin/tocsin-channel-spec.h>
#include <tocsin/tocsin-config.h>
#include <tocsin/tocsin-stats.h>

G_BEGIN_DECLS

/**
 * TocsinManager:
 * Holds channels, each with its own queue and worker thread(s), and delivers alerts to them.
 * All functions may be called from any thread. Channels are added before the first send.
 */
typedef struct _TocsinManager TocsinManager;

/** tocsin_manager_new: Returns: (transfer full): a manager with no channels, on the system clock */
TOCSIN_AVAILABLE_IN_1_0
TocsinManager *tocsin_manager_new (void);

/**
 * tocsin_manager_new_with_clock:
 * Returns: (transfer full): a manager whose delivery deadlines follow @clock (a reference is taken)
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinManager *tocsin_manager_new_with_clock (TocsinClock *clock);

/**
 * tocsin_manager_new_from_config:
 * Loads the plugins @config declares, then creates every channel it describes.
 * Returns: (transfer full): the manager, or %NULL with @error naming the file, line, channel or
 * plugin at fault
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinManager *tocsin_manager_new_from_config (TocsinConfig *config, GError **error);

/** tocsin_manager_new_from_file: tocsin_config_new_from_file() then tocsin_manager_new_from_config() */
TOCSIN_AVAILABLE_IN_1_0
TocsinManager *tocsin_manager_new_from_file (const char *path, GError **error);

TOCSIN_AVAILABLE_IN_1_0
TocsinManager *tocsin_manager_ref (TocsinManager *manager);

/**
 * tocsin_manager_unref:
 * Drops a reference. The last one stops accepting alerts, lets every channel deliver what it
 * had accepted, joins the workers and destroys the channels. A channel whose worker hangs in a
 * delivery past its timeout has its remaining alerts reported failed instead of waiting forever.
 */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_manager_unref (TocsinManager *manager);

/**
 * tocsin_manager_set_throttle:
 * @throttle: (nullable): the bucket shared by every channel that has no throttle of its own
 */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_manager_set_throttle (TocsinManager *manager, TocsinThrottle *throttle);

/**
 * tocsin_manager_add_channel:
 * Creates a channel from @spec (copied) and starts its workers.
 * Returns: %FALSE with @error for a duplicate key or alias, an unknown type, an unknown or
 * missing setting, or a plugin's create failure
 */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_manager_add_channel (TocsinManager *manager, const TocsinChannelSpec *spec,
                                     GError **error);

TOCSIN_AVAILABLE_IN_1_0
guint tocsin_manager_get_n_channels (TocsinManager *manager);

/** tocsin_manager_get_channel: Returns: (transfer none): channel @index, in the order added */
TOCSIN_AVAILABLE_IN_1_0
TocsinChannel *tocsin_manager_get_channel (TocsinManager *manager, guint index);

/**
 * tocsin_manager_find_channel:
 * Resolves a target as a targeted send does: the first channel whose key equals @target, else
 * the first whose alias does, else the first whose type name does.
 * Returns: (transfer none) (nullable): the channel, or %NULL
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinChannel *tocsin_manager_find_channel (TocsinManager *manager, const char *target);

/**
 * tocsin_manager_send:
 * @target: (nullable): %NULL to broadcast to every channel whose min level <= the alert's level;
 *   else a key, alias or type name: that one channel, whatever its min level
 * Blocks until every matching channel has delivered or failed (or timed out).
 * Returns: (transfer full) (element-type TocsinResult): one result per matching channel, in
 * channel order; empty (with a warning logged) when there are no channels or @target is unknown
 */
TOCSIN_AVAILABLE_IN_1_0
GPtrArray *tocsin_manager_send (TocsinManager *manager, TocsinAlert *alert, const char *target);

/**
 * tocsin_manager_send_many:
 * As tocsin_manager_send() for @n_alerts alerts at once; each channel receives them in order.
 * Returns: (transfer full) (element-type TocsinResult): one flat list, alert by alert, each in
 * channel order
 */
TOCSIN_AVAILABLE_IN_1_0
GPtrArray *tocsin_manager_send_many (TocsinManager *manager, TocsinAlert *const *alerts,
                                     guint n_alerts, const char *target);

/**
 * tocsin_manager_send_async:
 * Starts delivering @alerts as tocsin_manager_send_many() does and returns at once. When a
 * channel they go to has a full queue with the "block" overflow policy, they are queued from a
 * thread of tocsin's, which waits for room there (up to the channel's block-timeout); alerts
 * posted meanwhile may then be queued before them. @callback runs in the thread-default main
 * context of the caller once every delivery has finished.
 * Cancelling @cancellable makes the call finish early with %G_IO_ERROR_CANCELLED; the
 * deliveries themselves go on (they count in the statistics). The manager is not a GObject:
 * the callback's source object is %NULL; pass @manager to tocsin_manager_send_finish().
 */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_manager_send_async (TocsinManager *manager, TocsinAlert *const *alerts, guint n_alerts,
                                const char *target, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);

/**
 * tocsin_manager_send_finish:
 * Returns: (transfer full) (element-type TocsinResult): the results, or %NULL with @error
 */
TOCSIN_AVAILABLE_IN_1_0
GPtrArray *tocsin_manager_send_finish (TocsinManager *manager, GAsyncResult *result,
                                       GError **error);

/**
 * tocsin_manager_post:
 * Fire and forget: queues @alert (a reference is taken) for the matching channels and returns
 * at once, unless a channel's queue is full with the "block" overflow policy: it then waits for
 * room there, up to the channel's block-timeout, once the other channels have the alert (use
 * tocsin_manager_send_async(), or a drop policy, where the caller must never wait). Outcomes
 * reach only the statistics and the log.
 * Returns: the number of channels it was queued for (throttled ones excluded)
 */
TOCSIN_AVAILABLE_IN_1_0
guint tocsin_manager_post (TocsinManager *manager, TocsinAlert *alert, const char *target);

/**
 * tocsin_manager_flush:
 * @timeout: seconds to wait at most; a negative value waits as long as it takes
 * Waits until every alert accepted so far is delivered or failed.
 * Returns: %TRUE when nothing is left in flight
 */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_manager_flush (TocsinManager *manager, double timeout);

/** tocsin_manager_get_stats: Returns: (transfer full): a snapshot of the statistics */
TOCSIN_AVAILABLE_IN_1_0
TocsinStats *tocsin_manager_get_stats (TocsinManager *manager);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinManager, tocsin_manager_unref)

G_END_DECLS
