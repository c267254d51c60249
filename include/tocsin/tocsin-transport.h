/* tocsin-transport.h: a mail transport instance, as a channel plugin (the `email` channel, or a
 * third party's) creates and uses one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-result.h>
#include <tocsin/tocsin-config-node.h>
#include <tocsin/tocsin-plugin-context.h>
#include <tocsin/tocsin-mail-message.h>

G_BEGIN_DECLS

/**
 * TocsinTransport:
 * An instance of a transport class (#TocsinTransportClass) made from a `<transport type="...">`
 * element of a channel's settings. Safe to use from every worker thread of the channel: the core
 * serialises the sends of a class that does not declare %TOCSIN_TRANSPORT_CLASS_THREAD_SAFE.
 */
typedef struct _TocsinTransport TocsinTransport;

/**
 * tocsin_transport_new:
 * @ctx: the channel's plugin context; the transport logs and times out as part of that channel
 * @node: the `<transport>` element: its `type` attribute names the transport class, its
 *   children are the transport's settings
 * @error: return location for a #GError
 *
 * Finds the transport class named by `type` (a type no loaded plugin provides is looked up as
 * `<type>.so` on the plugin search path), checks the settings against the class's declaration
 * (unknown, missing, mistyped settings are errors citing file and line) and creates the
 * instance. The core loads the plugins of the transports a configuration names before it
 * creates channels, so plugin directories declared in the configuration count too.
 *
 * Returns: (transfer full): the transport, or %NULL with @error set
 *   (%TOCSIN_ERROR_UNKNOWN_TYPE, %TOCSIN_ERROR_MISSING_SETTING, ... or the class's own error)
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinTransport *tocsin_transport_new (TocsinPluginContext *ctx, const TocsinConfigNode *node,
                                       GError **error);

/**
 * tocsin_transport_send:
 * @transport: the transport
 * @message: (transfer none): the message
 * @result: (nullable): the result to record a message id, retryability and Retry-After on
 * @error: return location for a #GError
 *
 * Hands @message to the transport's send method, which blocks until the message is accepted or
 * refused. The transport's message id (if it reports one) is set on @result.
 *
 * Returns: %TRUE when the remote side accepted the message
 */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_transport_send (TocsinTransport *transport, TocsinMailMessage *message,
                                TocsinResult *result, GError **error);

/** tocsin_transport_get_type_name: Returns: (transfer none): the class's type name ("smtp") */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_transport_get_type_name (const TocsinTransport *transport);

/** tocsin_transport_free: destroys the instance; no send may be running */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_transport_free (TocsinTransport *transport);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinTransport, tocsin_transport_free)

G_END_DECLS
