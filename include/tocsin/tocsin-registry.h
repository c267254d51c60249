/* tocsin-registry.h: the process-wide registry of plugins and the channel and transport types
 * they provide.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-error.h>
#include <tocsin/tocsin-channel-class.h>
#include <tocsin/tocsin-transport-class.h>

G_BEGIN_DECLS

/**
 * TocsinPluginInfo:
 * What `tocsin plugins` shows about one plugin file.
 */
typedef struct _TocsinPluginInfo TocsinPluginInfo;

/**
 * tocsin_plugin_get_search_path:
 * @extra_dirs: (nullable): directories searched first (a config's <plugin-path> entries)
 * Returns: (transfer full): @extra_dirs, then the entries of $TOCSIN_PLUGIN_PATH (ignored in
 * setuid/setgid processes), then the installed plugin directory. Free with g_strfreev().
 */
TOCSIN_AVAILABLE_IN_1_0
char **tocsin_plugin_get_search_path (const char *const *extra_dirs);

/**
 * tocsin_plugin_load:
 * @name_or_path: a plugin name ([a-z0-9][a-z0-9_-]*), looked up as <name>.so on the search
 *   path, or a path to a file: text that contains a '/' and ends in ".so". Anything else that is
 *   not a valid name is refused with %TOCSIN_ERROR_INVALID_ARGUMENT before any path is built.
 * Loads a plugin into the process (once; loading it again does nothing) and registers its types.
 * A plugin is never unloaded. On error nothing is registered.
 * Returns: %FALSE with a TOCSIN_ERROR_PLUGIN_* error naming the file and the cause
 */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_plugin_load (const char *name_or_path, const char *const *extra_dirs,
                             GError **error);

/**
 * tocsin_register_channel_class:
 * Registers a channel class compiled into the application, as if a plugin provided it. The
 * class is copied; its strings and settings must stay valid for the life of the process.
 * Returns: %FALSE with an error when the class is malformed or its type is taken
 */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_register_channel_class (const TocsinChannelClass *klass, GError **error);

/** tocsin_register_transport_class: as tocsin_register_channel_class(), for a mail transport */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_register_transport_class (const TocsinTransportClass *klass, GError **error);

/**
 * tocsin_plugin_scan:
 * Loads every <name>.so found on the search path (the first of each name wins).
 * Returns: (transfer full) (element-type TocsinPluginInfo): one entry per file, sorted by name;
 * those that could not be loaded carry their error
 */
TOCSIN_AVAILABLE_IN_1_0
GPtrArray *tocsin_plugin_scan (const char *const *extra_dirs);

TOCSIN_AVAILABLE_IN_1_0
void tocsin_plugin_info_free (TocsinPluginInfo *info);

TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_plugin_info_get_name (const TocsinPluginInfo *info);

TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_plugin_info_get_path (const TocsinPluginInfo *info);

/** tocsin_plugin_info_get_version: Returns: (transfer none) (nullable): %NULL when not loaded */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_plugin_info_get_version (const TocsinPluginInfo *info);

TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_plugin_info_get_description (const TocsinPluginInfo *info);

TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_plugin_info_get_license (const TocsinPluginInfo *info);

/** tocsin_plugin_info_get_channel_types: Returns: (transfer none): NULL-terminated type names */
TOCSIN_AVAILABLE_IN_1_0
const char *const *tocsin_plugin_info_get_channel_types (const TocsinPluginInfo *info);

/** tocsin_plugin_info_get_transport_types: Returns: (transfer none): NULL-terminated type names */
TOCSIN_AVAILABLE_IN_1_0
const char *const *tocsin_plugin_info_get_transport_types (const TocsinPluginInfo *info);

/** tocsin_plugin_info_get_error: Returns: (transfer none) (nullable): why it could not be loaded */
TOCSIN_AVAILABLE_IN_1_0
const GError *tocsin_plugin_info_get_error (const TocsinPluginInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinPluginInfo, tocsin_plugin_info_free)

G_END_DECLS
