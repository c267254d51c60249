/* tocsin-plugin-context.h: what the core offers a plugin instance.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-macros.h>

G_BEGIN_DECLS

/**
 * TocsinPluginContext:
 * Handed to a class's create method. It stays valid until the instance's destroy method has
 * returned, so an instance may keep it to log from its send method.
 */
typedef struct _TocsinPluginContext TocsinPluginContext;

/** tocsin_plugin_context_get_channel_key: Returns: (transfer none): the key of the channel */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_plugin_context_get_channel_key (const TocsinPluginContext *ctx);

/**
 * tocsin_plugin_context_get_timeout:
 * Returns: the channel's delivery timeout in seconds. A send method should give up by then
 * (e.g. CURLOPT_TIMEOUT_MS); the core reports a delivery that runs past it as failed anyway.
 */
TOCSIN_AVAILABLE_IN_1_0
double tocsin_plugin_context_get_timeout (const TocsinPluginContext *ctx);

/** tocsin_plugin_context_get_workers: Returns: how many threads call send concurrently */
TOCSIN_AVAILABLE_IN_1_0
guint tocsin_plugin_context_get_workers (const TocsinPluginContext *ctx);

/**
 * tocsin_plugin_context_log:
 * Logs through GLib's structured logging (domain "tocsin", field TOCSIN_CHANNEL set to the
 * channel key). The formatted text goes through tocsin_redact() first. Debug and info messages
 * are dropped (and not even formatted) unless enabled (G_MESSAGES_DEBUG); as everywhere in
 * GLib, %G_LOG_LEVEL_ERROR aborts the process: a plugin never uses it.
 */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_plugin_context_log (const TocsinPluginContext *ctx, GLogLevelFlags level,
                                const char *format, ...) G_GNUC_PRINTF (3, 4);

/** tocsin_plugin_context_get_core_abi_minor: Returns: the plugin ABI minor the running core implements */
TOCSIN_AVAILABLE_IN_1_0
guint tocsin_plugin_context_get_core_abi_minor (const TocsinPluginContext *ctx);

G_END_DECLS
