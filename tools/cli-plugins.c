/* cli-plugins.c: `tocsin plugins`: the plugin search path and every plugin found on it, with the
 * types it provides, or why it could not be loaded.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cli.h"

#define PLUGINS_SUMMARY \
  "Lists the plugin search path and every plugin (NAME.so) found on it: its version, license and\n" \
  "the channel and mail-transport types it provides, or why it could not be loaded. The first\n" \
  "file of each name on the path wins."

#define PLUGINS_DESCRIPTION \
  "Search path: with --config, the config's <plugin-path> folders first; then $TOCSIN_PLUGIN_PATH\n" \
  "(colon-separated; ignored by setuid/setgid processes), then the installed plugin folder.\n" \
  "A plugin a config declares by file (<plugin path=\"...\">) is not on the search path:\n" \
  "`tocsin check` loads it and reports why it cannot be loaded.\n" \
  "\n" \
  "Exit status: 0 (plugins that failed to load are listed with their error), 2 usage error or a\n" \
  "config that does not load."

static char *
join_types (const char *const *types)
{
  if (types == NULL || types[0] == NULL)
    return g_strdup ("-");
  return g_strjoinv (", ", (char **) types);
}

static void
print_plugin (const TocsinPluginInfo *info)
{
  const GError *error = tocsin_plugin_info_get_error (info);
  const char *version = tocsin_plugin_info_get_version (info);
  const char *description = tocsin_plugin_info_get_description (info);
  const char *license = tocsin_plugin_info_get_license (info);
  g_autofree char *channels = join_types (tocsin_plugin_info_get_channel_types (info));
  g_autofree char *transports = join_types (tocsin_plugin_info_get_transport_types (info));

  if (error != NULL || version == NULL)
    {
      g_autofree char *message = tocsin_redact (error ? error->message : "not loaded");

      g_print ("  %s: NOT LOADED\n", tocsin_plugin_info_get_name (info));
      g_print ("    file:            %s\n", tocsin_plugin_info_get_path (info));
      g_print ("    error:           %s\n", message);
      return;
    }
  g_print ("  %s %s (%s)%s%s\n", tocsin_plugin_info_get_name (info), version,
           license ? license : "license unknown", description ? ": " : "",
           description ? description : "");
  g_print ("    file:            %s\n", tocsin_plugin_info_get_path (info));
  g_print ("    channel types:   %s\n", channels);
  g_print ("    transport types: %s\n", transports);
}

static int
run_plugins (const char *config_file)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;
  const char *const *config_dirs = NULL;
  g_auto (GStrv) search_path = NULL;
  g_autoptr (GPtrArray) plugins = NULL;

  /* Only an explicit --config: without one, the listing does not depend on which config the
   * environment would pick. */
  if (config_file != NULL)
    {
      config = cli_load_config (config_file, NULL, &error);
      if (config == NULL)
        return cli_report_gerror (error);
      config_dirs = tocsin_config_get_plugin_paths (config);
    }
  search_path = tocsin_plugin_get_search_path (config_dirs);
  plugins = tocsin_plugin_scan (config_dirs);

  g_print ("Search path:\n");
  for (guint i = 0; search_path[i] != NULL; i++)
    g_print ("  %s\n", search_path[i]);
  g_print ("Plugins:\n");
  if (plugins->len == 0)
    g_print ("  (none found)\n");
  for (guint i = 0; i < plugins->len; i++)
    print_plugin (g_ptr_array_index (plugins, i));
  return CLI_EXIT_OK;
}

int
cli_plugins_main (int argc, char **argv)
{
  g_autofree char *config = NULL;
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
      "Also search the <plugin-path> folders of this config, first", "FILE" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) context = cli_context_new ("plugins", NULL, PLUGINS_SUMMARY,
                                                        PLUGINS_DESCRIPTION, entries);
  int status = cli_parse (context, "plugins", &argc, &argv);

  if (status != CLI_EXIT_OK)
    return status;
  return run_plugins (config);
}
