/* cli-check.c: `tocsin check`: validates a config, loads its plugins, creates its channels and
 * lists them; sends nothing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cli.h"

#define CHECK_SUMMARY \
  "Validates a config file: checks it against the schema and the format's rules, resolves its\n" \
  "credentials, loads its plugins and creates its channels (nothing is sent), then lists the\n" \
  "channels."

#define CHECK_DESCRIPTION \
  "THROTTLE reads RATE/PERs burst BURST: at most RATE alerts per PER seconds, BURST of them at\n" \
  "once; (own) is the channel's own bucket, (shared) the config's global one, - none.\n" \
  "\n" \
  "Config: --config FILE, else $TOCSIN_CONFIG, else $XDG_CONFIG_HOME/tocsin/tocsin.xml\n" \
  "(default ~/.config/tocsin/tocsin.xml), else " TOCSIN_CLI_SYSCONFDIR "/tocsin/tocsin.xml.\n" \
  "\n" \
  "Exit status: 0 the config is valid, 2 it is not (or none was found; the error says why)."

/* "5/60s burst 5 (own)", "10/60s burst 10 (shared)" or "-" */
static char *
throttle_cell (const TocsinChannel *channel)
{
  TocsinThrottle *throttle = tocsin_channel_get_throttle (channel);

  if (throttle == NULL)
    return g_strdup ("-");
  return g_strdup_printf ("%g/%gs burst %g (%s)", tocsin_throttle_get_rate (throttle),
                          tocsin_throttle_get_per (throttle), tocsin_throttle_get_burst (throttle),
                          tocsin_channel_has_own_throttle (channel) ? "own" : "shared");
}

static void
print_channels (TocsinManager *manager)
{
  static const char *const headers[] = { "KEY", "ALIAS", "TYPE", "MIN-LEVEL", "THROTTLE",
                                         "WORKERS", "TIMEOUT", NULL };
  g_autoptr (CliTable) table = cli_table_new (headers);

  for (guint i = 0; i < tocsin_manager_get_n_channels (manager); i++)
    {
      TocsinChannel *channel = tocsin_manager_get_channel (manager, i);
      g_autofree char *throttle = throttle_cell (channel);
      g_autofree char *workers = g_strdup_printf ("%u", tocsin_channel_get_workers (channel));
      g_autofree char *timeout = g_strdup_printf ("%gs", tocsin_channel_get_timeout (channel));

      cli_table_add_row (table, tocsin_channel_get_key (channel), tocsin_channel_get_alias (channel),
                         tocsin_channel_get_type_name (channel),
                         tocsin_level_to_string (tocsin_channel_get_min_level (channel)), throttle,
                         workers, timeout, NULL);
    }
  cli_table_print (table, "  ");
}

static int
run_check (const char *config)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (TocsinManager) manager = cli_load_manager (config, &path, &error);
  guint n;

  if (manager == NULL)
    return cli_report_gerror (error);
  n = tocsin_manager_get_n_channels (manager);
  g_print ("%s: valid, %u channel%s\n", path, n, n == 1 ? "" : "s");
  if (n > 0)
    print_channels (manager);
  return CLI_EXIT_OK;
}

int
cli_check_main (int argc, char **argv)
{
  g_autofree char *config = NULL;
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "The config file to check", "FILE" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) context = cli_context_new ("check", NULL, CHECK_SUMMARY, CHECK_DESCRIPTION,
                                                        entries);
  int status = cli_parse (context, "check", &argc, &argv);

  if (status != CLI_EXIT_OK)
    return status;
  return run_check (config);
}
