/* cli-spool.c: `tocsin spool list|retry|purge|deliver`: shows the deliveries kept in a config's
 * spool (pending ones and dead letters), makes dead letters pending again, removes them, or
 * delivers what is pending.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cli.h"

#include <json-glib/json-glib.h>

#define SPOOL_SUMMARY \
  "Shows and tidies the spool of a config (its <spool path=\"...\"/>): every accepted alert's\n" \
  "deliveries that are pending (not delivered yet: the next tocsin started with this config\n" \
  "delivers them) or dead (failed for good: dead letters, kept with their last error).\n" \
  "\n" \
  "Actions (the first argument):\n" \
  "  list     list the deliveries, oldest alert first\n" \
  "  retry    make dead letters pending again, with their attempts reset\n" \
  "  purge    remove dead letters; with --all, pending deliveries too\n" \
  "  deliver  start the config's channels, deliver what is pending (after a crash, say) and\n" \
  "           exit once done; prints the statistics"

#define SPOOL_DESCRIPTION \
  "Config: --config FILE, else $TOCSIN_CONFIG, else $XDG_CONFIG_HOME/tocsin/tocsin.xml\n" \
  "(default ~/.config/tocsin/tocsin.xml), else " TOCSIN_CLI_SYSCONFDIR "/tocsin/tocsin.xml.\n" \
  "\n" \
  "Exit status: 0 done (also when there was nothing to do), 1 deliver: a delivery failed,\n" \
  "2 usage error, a config that does not load or has no <spool>, or a spool that cannot be read.\n" \
  "\n" \
  "Examples:\n" \
  "  tocsin spool list --channel slack\n" \
  "  tocsin spool retry --channel slack\n" \
  "  tocsin spool purge --all"

/* Table cells are cut so that one delivery stays on one line. */
#define TITLE_CELL_CHARS 40
#define ERROR_CELL_CHARS 60

typedef struct {
  char *config;
  char *channel;
  gboolean all;
  gboolean json;
} SpoolOptions;

typedef int (*SpoolAction) (TocsinSpool *spool, const char *path, const SpoolOptions *options);

/* ---- list ----------------------------------------------------------------------------------- */

typedef struct {
  const SpoolOptions *options;
  CliTable *table;       /* text output */
  JsonBuilder *builder;  /* --json output */
  guint n_pending;
  guint n_dead;
} ListData;

static const char *
state_name (TocsinSpoolState state)
{
  return state == TOCSIN_SPOOL_DEAD ? "dead" : "pending";
}

/* @text on one line, at most @max characters, "…" marking a cut. (transfer full) */
static char *
table_cell (const char *text, glong max)
{
  g_autofree char *flat = NULL;
  g_autofree char *head = NULL;

  if (text == NULL || *text == '\0')
    return g_strdup ("-");
  flat = g_strdup (text);
  for (char *p = flat; *p != '\0'; p++)
    if (*p == '\n' || *p == '\r' || *p == '\t')
      *p = ' ';
  if (!g_utf8_validate (flat, -1, NULL) || g_utf8_strlen (flat, -1) <= max)
    return g_steal_pointer (&flat);
  head = g_utf8_substring (flat, 0, max - 1);
  return g_strconcat (head, "…", NULL);
}

/* Local time, to the second: when an operator looks at the spool, their clock is what counts. */
static char *
format_local_time (gint64 unix_usec)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_local (unix_usec / G_USEC_PER_SEC);

  return time ? g_date_time_format (time, "%Y-%m-%d %H:%M:%S") : g_strdup ("-");
}

/* ISO 8601 in UTC, for scripts. */
static char *
format_utc_time (gint64 unix_usec)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_utc (unix_usec / G_USEC_PER_SEC);

  return time ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("");
}

static void
add_table_row (ListData *list, TocsinAlert *alert, const char *channel, TocsinSpoolState state,
               guint attempts, const char *error, gint64 updated)
{
  g_autofree char *attempts_text = g_strdup_printf ("%u", attempts);
  g_autofree char *updated_text = format_local_time (updated);
  g_autofree char *title = table_cell (tocsin_alert_get_title (alert), TITLE_CELL_CHARS);
  g_autofree char *error_text = table_cell (error, ERROR_CELL_CHARS);

  cli_table_add_row (list->table, tocsin_alert_get_id (alert), channel, state_name (state),
                     attempts_text, updated_text, title, error_text, NULL);
}

static void
add_json_member (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_json_entry (ListData *list, TocsinAlert *alert, const char *channel, TocsinSpoolState state,
                guint attempts, const char *error, gint64 updated)
{
  JsonBuilder *builder = list->builder;
  g_autofree char *updated_text = format_utc_time (updated);

  json_builder_begin_object (builder);
  add_json_member (builder, "alert_id", tocsin_alert_get_id (alert));
  add_json_member (builder, "channel", channel);
  add_json_member (builder, "state", state_name (state));
  json_builder_set_member_name (builder, "attempts");
  json_builder_add_int_value (builder, attempts);
  add_json_member (builder, "updated", updated_text);
  add_json_member (builder, "title", tocsin_alert_get_title (alert));
  add_json_member (builder, "last_error", error);
  json_builder_end_object (builder);
}

static void
list_entry (TocsinAlert *alert, const char *channel, TocsinSpoolState state, guint attempts,
            const char *last_error, gint64 updated, gpointer user_data)
{
  ListData *list = user_data;
  /* The manager redacts errors before spooling them; a spool written by another tool may not
   * have, and redacting twice changes nothing. */
  g_autofree char *error = last_error ? tocsin_redact (last_error) : NULL;

  if (list->options->channel != NULL && g_strcmp0 (list->options->channel, channel) != 0)
    return;
  if (state == TOCSIN_SPOOL_DEAD)
    list->n_dead++;
  else
    list->n_pending++;
  if (list->builder != NULL)
    add_json_entry (list, alert, channel, state, attempts, error, updated);
  else
    add_table_row (list, alert, channel, state, attempts, error, updated);
}

static void
print_json (JsonBuilder *builder)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* @spool is NULL when its file does not exist yet: nothing was ever spooled. */
static int
run_list (TocsinSpool *spool, const char *path, const SpoolOptions *options)
{
  static const char *const headers[] = { "ALERT", "CHANNEL", "STATE", "ATTEMPTS", "UPDATED",
                                         "TITLE", "ERROR", NULL };
  g_autoptr (CliTable) table = cli_table_new (headers);
  g_autoptr (JsonBuilder) builder = options->json ? json_builder_new () : NULL;
  g_autoptr (GError) error = NULL;
  ListData list = { options, table, builder, 0, 0 };

  if (builder != NULL)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "deliveries");
      json_builder_begin_array (builder);
    }
  if (spool != NULL && !tocsin_spool_foreach (spool, list_entry, &list, &error))
    return cli_report_gerror (error);
  if (builder != NULL)
    {
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      print_json (builder);
      return CLI_EXIT_OK;
    }
  g_print ("%s: %u pending, %u dead%s%s\n", path, list.n_pending, list.n_dead,
           options->channel ? " for channel " : "", options->channel ? options->channel : "");
  if (list.n_pending + list.n_dead > 0)
    cli_table_print (table, "  ");
  return CLI_EXIT_OK;
}

/* ---- retry and purge ------------------------------------------------------------------------ */

static void
print_count (const SpoolOptions *options, const char *member, const char *path, gint64 count,
             const char *what)
{
  if (options->json)
    g_print ("{\n  \"%s\" : %" G_GINT64_FORMAT "\n}\n", member, count);
  else
    g_print ("%s: %" G_GINT64_FORMAT " %s%s%s\n", path, count, what,
             options->channel ? " for channel " : "", options->channel ? options->channel : "");
}

static int
run_retry (TocsinSpool *spool, const char *path, const SpoolOptions *options)
{
  g_autoptr (GError) error = NULL;
  gint64 count = spool ? tocsin_spool_retry (spool, options->channel, &error) : 0;

  if (count < 0)
    return cli_report_gerror (error);
  print_count (options, "retried", path, count,
               count == 1 ? "dead letter made pending again" : "dead letters made pending again");
  if (count > 0 && !options->json)
    cli_note ("the next tocsin started with this config delivers them");
  return CLI_EXIT_OK;
}

static int
run_purge (TocsinSpool *spool, const char *path, const SpoolOptions *options)
{
  g_autoptr (GError) error = NULL;
  gint64 count = spool ? tocsin_spool_purge (spool, options->channel, options->all, &error) : 0;

  if (count < 0)
    return cli_report_gerror (error);
  if (options->all)
    print_count (options, "purged", path, count,
                 count == 1 ? "delivery removed (pending or dead)"
                            : "deliveries removed (pending or dead)");
  else
    print_count (options, "purged", path, count,
                 count == 1 ? "dead letter removed" : "dead letters removed");
  return CLI_EXIT_OK;
}

/* ---- deliver -------------------------------------------------------------------------------- */

/* A manager made from the config queues every pending delivery of the spool when it starts;
 * this waits for them (each with its channel's retries) and reports the statistics. The spool
 * opened by run_action() is not used: the manager has its own connection. */
static int
run_deliver (TocsinSpool *spool, const char *path, const SpoolOptions *options)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinStats) stats = NULL;
  g_autoptr (GPtrArray) none = g_ptr_array_new ();
  TocsinManager *manager = cli_load_manager (options->config, NULL, &error);
  guint64 failed;

  if (manager == NULL)
    return cli_report_gerror (error);
  tocsin_manager_flush (manager, -1);
  stats = tocsin_manager_get_stats (manager);
  failed = tocsin_stats_get_failed (stats) + tocsin_stats_get_dropped (stats);
  if (options->json)
    cli_report_print_json (none, stats);
  else
    cli_report_print_text (NULL, NULL, stats);
  tocsin_manager_unref (manager);
  return failed > 0 ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

/* ---- the command ---------------------------------------------------------------------------- */

static const struct {
  const char *name;
  SpoolAction run;
} actions[] = {
  { "list", run_list },
  { "retry", run_retry },
  { "purge", run_purge },
  { "deliver", run_deliver },
};

static SpoolAction
find_action (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (actions); i++)
    if (g_strcmp0 (actions[i].name, name) == 0)
      return actions[i].run;
  return NULL;
}

/* The spool's path from the config (transfer full), or NULL after printing why. */
static char *
find_spool_path (const char *explicit_config)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_autoptr (TocsinConfig) config = cli_load_config (explicit_config, &config_path, &error);
  const char *spool_path;

  if (config == NULL)
    {
      cli_report_gerror (error);
      return NULL;
    }
  spool_path = tocsin_config_get_spool_path (config);
  if (spool_path == NULL)
    cli_error ("%s has no spool: add <spool path=\"...\"/> to it (see tocsin.xml(5))", config_path);
  return g_strdup (spool_path);
}

static int
run_action (SpoolAction action, const SpoolOptions *options)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = find_spool_path (options->config);
  g_autoptr (TocsinSpool) spool = NULL;

  if (path == NULL)
    return CLI_EXIT_USAGE;
  /* Opening creates the file; looking at a spool that was never written must not. */
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return action (NULL, path, options);
  spool = tocsin_spool_open (path, &error);
  if (spool == NULL)
    return cli_report_gerror (error);
  return action (spool, path, options);
}

/* The action comes first ("tocsin spool list --json"), so it is taken out before the options
 * are parsed; "tocsin spool --help" parses (and prints the help) without one. */
static const char *
shift_action (int *argc, char ***argv)
{
  const char *action;

  if (*argc < 2 || (*argv)[1][0] == '-')
    return NULL;
  action = (*argv)[1];
  (*argv)[1] = (*argv)[0];
  (*argc)--;
  (*argv)++;
  return action;
}

static void
spool_options_clear (SpoolOptions *options)
{
  g_free (options->config);
  g_free (options->channel);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SpoolOptions, spool_options_clear)

int
cli_spool_main (int argc, char **argv)
{
  g_auto (SpoolOptions) options = { NULL, NULL, FALSE, FALSE };
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &options.config, "The config file naming the spool",
      "FILE" },
    { "channel", 0, 0, G_OPTION_ARG_STRING, &options.channel, "Only the deliveries to this channel",
      "KEY" },
    { "all", 0, 0, G_OPTION_ARG_NONE, &options.all, "purge: remove pending deliveries too", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &options.json, "Print JSON instead of text", NULL },
    G_OPTION_ENTRY_NULL
  };
  const char *name = shift_action (&argc, &argv);
  /* Named so, the usage line reads "tocsin spool list|retry|purge [OPTION…]": the order
   * shift_action() expects. */
  g_autoptr (GOptionContext) context = cli_context_new ("spool list|retry|purge|deliver", NULL,
                                                        SPOOL_SUMMARY, SPOOL_DESCRIPTION, entries);
  int status = cli_parse (context, "spool", &argc, &argv);
  SpoolAction action;

  if (status != CLI_EXIT_OK)
    return status;
  if (name == NULL)
    {
      cli_error ("no action given: use list, retry, purge or deliver, e.g. 'tocsin spool list'");
      return CLI_EXIT_USAGE;
    }
  action = find_action (name);
  if (action == NULL)
    {
      cli_error ("unknown action '%s'; the actions are list, retry, purge and deliver. Run "
                 "'tocsin spool --help'", name);
      return CLI_EXIT_USAGE;
    }
  if (options.all && action != run_purge)
    {
      cli_error ("--all applies to 'tocsin spool purge' only");
      return CLI_EXIT_USAGE;
    }
  if (options.channel != NULL && action == run_deliver)
    {
      cli_error ("--channel does not apply to 'tocsin spool deliver': every channel of the config "
                 "delivers what it has pending");
      return CLI_EXIT_USAGE;
    }
  return run_action (action, &options);
}
