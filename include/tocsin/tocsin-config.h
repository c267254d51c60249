/* tocsin-config.h: the XML configuration file.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-error.h>

G_BEGIN_DECLS

/**
 * TocsinConfig:
 * A parsed and validated configuration: plugin paths and plugins to load, credentials (resolved
 * while loading), the optional global throttle, and the channels. Plugins are loaded and
 * channels created by tocsin_manager_new_from_config().
 */
typedef struct _TocsinConfig TocsinConfig;

/**
 * tocsin_config_new_from_file:
 * Reads and validates @path against the RelaxNG schema and the rules of the format; never
 * touches the network and never expands external entities.
 * Returns: (transfer full): the config, or %NULL with @error citing file:line
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinConfig *tocsin_config_new_from_file (const char *path, GError **error);

/**
 * tocsin_config_new_from_data:
 * @data: the XML text
 * @length: its length, or -1 when NUL-terminated
 * @base_dir: (nullable): the folder relative paths are taken from (default: the current one)
 * Returns: (transfer full): the config, or %NULL with @error citing "<data>:line"
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinConfig *tocsin_config_new_from_data (const char *data, gssize length, const char *base_dir,
                                           GError **error);

TOCSIN_AVAILABLE_IN_1_0
TocsinConfig *tocsin_config_ref (TocsinConfig *config);

TOCSIN_AVAILABLE_IN_1_0
void tocsin_config_unref (TocsinConfig *config);

/** tocsin_config_get_path: Returns: (transfer none) (nullable): the file it was read from */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_config_get_path (TocsinConfig *config);

/**
 * tocsin_config_get_spool_path:
 * Returns: (transfer none) (nullable): the <spool path="..."> file, absolute, or %NULL
 */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_config_get_spool_path (TocsinConfig *config);

/**
 * tocsin_config_get_plugin_paths:
 * Returns: (transfer none) (array zero-terminated=1): the <plugin-path> folders, absolute, in
 * the order of the file (searched in that order before the rest of the plugin search path);
 * an empty array when there is none. Pass it as the @extra_dirs of tocsin_plugin_scan().
 */
TOCSIN_AVAILABLE_IN_1_0
const char *const *tocsin_config_get_plugin_paths (TocsinConfig *config);

/** tocsin_config_get_n_channels: Returns: the number of <channel> elements */
TOCSIN_AVAILABLE_IN_1_0
guint tocsin_config_get_n_channels (TocsinConfig *config);

/**
 * tocsin_config_find:
 * @explicit_path: (nullable): a path given by the user (e.g. --config), used as is
 * Returns: (transfer full): @explicit_path if given, else $TOCSIN_CONFIG if set, else the first
 * of $XDG_CONFIG_HOME/tocsin/tocsin.xml and SYSCONFDIR/tocsin/tocsin.xml that exists; %NULL
 * with %TOCSIN_ERROR_CONFIG_NOT_FOUND listing every place tried when there is none. A setuid or
 * setgid process ignores $TOCSIN_CONFIG and the user's config folder: its environment belongs
 * to a less privileged user, who must not choose the config (and so the plugins it loads).
 */
TOCSIN_AVAILABLE_IN_1_0
char *tocsin_config_find (const char *explicit_path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinConfig, tocsin_config_unref)

G_END_DECLS
