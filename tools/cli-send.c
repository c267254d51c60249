/* cli-send.c: `tocsin send`: one alert from the options, or many from --batch, delivered by one
 * manager with a blocking send; then the per-channel results and the statistics.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cli.h"

#define SEND_SUMMARY \
  "Sends one alert (--title ...) or many (--batch) to the channels of a config file: to every\n" \
  "channel whose min-level is at most the alert's level, or only to the one --channel names\n" \
  "(whatever its min-level). Prints each channel's result, then the delivery statistics."

#define SEND_DESCRIPTION \
  "Batch input (--batch FILE, or - for standard input): one JSON object per line, e.g.\n" \
  "  {\"title\": \"disk full\", \"body\": \"/var at 99%\", \"level\": \"critical\",\n" \
  "   \"timestamp\": true, \"labels\": {\"host\": \"db1\"}}\n" \
  "Only \"title\" is required; blank lines are skipped. --level, --timestamp and --label give\n" \
  "defaults that a line's own members override. Every line is checked before anything is sent\n" \
  "(a malformed line sends nothing); then one manager delivers all the alerts, in input order\n" \
  "on each channel, so throttles and workers act across them.\n" \
  "\n" \
  "--body - reads the body from standard input (trailing newlines removed).\n" \
  "--channel accepts a channel's key, its alias (name=\"...\") or its type, as `tocsin check` lists.\n" \
  "\n" \
  "Config: --config FILE, else $TOCSIN_CONFIG, else $XDG_CONFIG_HOME/tocsin/tocsin.xml\n" \
  "(default ~/.config/tocsin/tocsin.xml), else " TOCSIN_CLI_SYSCONFDIR "/tocsin/tocsin.xml.\n" \
  "\n" \
  "Exit status:\n" \
  "  0  every channel the alerts went to delivered them; also when no channel's min-level\n" \
  "     admits an alert (a note on standard error says so; nothing is sent for it)\n" \
  "  1  at least one delivery failed or was throttled\n" \
  "  2  usage error, malformed batch line, unknown --channel, or a config that does not load;\n" \
  "     nothing was sent\n" \
  "\n" \
  "With --json, standard output holds only the JSON document:\n" \
  "  {\"results\": [{\"channel\", \"success\", \"message_id\", \"error\", \"retryable\",\n" \
  "                \"attempts\"}, ...],\n" \
  "   \"stats\": {\"sent\", \"failed\", \"throttled\", \"retried\", \"dropped\",\n" \
  "             \"channels\": {KEY: {the same counters}, ...}}}\n" \
  "Results come alert by alert, each in channel order. (A console channel configured with\n" \
  "<stream>stdout</stream> writes there too; keep it on stderr when parsing the output.)"

typedef struct {
  char *config;
  char *channel;
  char *level;
  char *title;
  char *body;
  char *batch;
  char **labels;
  gboolean timestamp;
  gboolean json;
} SendOptions;

/* What is about to be sent, with each alert's input line when it came from a batch. */
typedef struct {
  GPtrArray *alerts;   /* (element-type TocsinAlert) */
  GHashTable *lines;   /* (nullable) TocsinAlert* -> line number, for a batch */
} SendInput;

static void
send_options_clear (SendOptions *opts)
{
  g_free (opts->config);
  g_free (opts->channel);
  g_free (opts->level);
  g_free (opts->title);
  g_free (opts->body);
  g_free (opts->batch);
  g_strfreev (opts->labels);
}

static void
send_input_clear (SendInput *input)
{
  g_clear_pointer (&input->lines, g_hash_table_unref);
  g_clear_pointer (&input->alerts, g_ptr_array_unref);
}

static gboolean
check_usage (const SendOptions *opts, GError **error)
{
  if (opts->batch != NULL && (opts->title != NULL || opts->body != NULL))
    {
      g_set_error_literal (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT,
                           "--batch takes titles and bodies from its input: give either --batch "
                           "or --title/--body");
      return FALSE;
    }
  if (opts->batch == NULL && (opts->title == NULL || *opts->title == '\0'))
    {
      g_set_error_literal (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT,
                           "an alert needs a title: give --title TEXT (or --batch FILE). Run "
                           "'tocsin send --help' for the options");
      return FALSE;
    }
  for (guint i = 0; opts->labels != NULL && opts->labels[i] != NULL; i++)
    {
      g_autofree char *key = NULL, *value = NULL;

      if (!cli_label_split (opts->labels[i], &key, &value, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
make_defaults (const SendOptions *opts, CliAlertDefaults *defaults, GError **error)
{
  defaults->level = TOCSIN_LEVEL_INFO;
  defaults->timestamp = opts->timestamp;
  defaults->labels = opts->labels;
  return opts->level == NULL || tocsin_level_from_string (opts->level, &defaults->level, error);
}

/* Standard input usually ends with a newline the user did not mean as part of the body. */
static char *
read_body (const char *body, GError **error)
{
  char *text;
  gsize len;

  if (g_strcmp0 (body, "-") != 0)
    return g_strdup (body);
  text = cli_read_all ("-", error);
  if (text == NULL)
    return NULL;
  for (len = strlen (text); len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'); len--)
    text[len - 1] = '\0';
  return text;
}

static gboolean
read_single (const SendOptions *opts, const CliAlertDefaults *defaults, SendInput *input,
             GError **error)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new (opts->title);
  g_autofree char *body = NULL;

  if (opts->body != NULL)
    {
      body = read_body (opts->body, error);
      if (body == NULL)
        return FALSE;
      tocsin_alert_builder_set_body (builder, body);
    }
  cli_alert_defaults_apply (defaults, builder);
  g_ptr_array_add (input->alerts, tocsin_alert_builder_build (builder));
  return TRUE;
}

static gboolean
read_batch (const char *batch, const CliAlertDefaults *defaults, SendInput *input, GError **error)
{
  g_autofree char *text = cli_read_all (batch, error);
  g_autoptr (GArray) lines = g_array_new (FALSE, FALSE, sizeof (guint));
  GPtrArray *alerts;

  if (text == NULL)
    return FALSE;
  alerts = cli_batch_parse (text, g_strcmp0 (batch, "-") == 0 ? "<stdin>" : batch, defaults,
                            lines, error);
  if (alerts == NULL)
    return FALSE;
  g_ptr_array_unref (input->alerts);
  input->alerts = alerts;
  input->lines = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < alerts->len; i++)
    g_hash_table_insert (input->lines, g_ptr_array_index (alerts, i),
                         GUINT_TO_POINTER (g_array_index (lines, guint, i)));
  return TRUE;
}

/* Everything the command line says, checked before the config is even read. */
static gboolean
read_input (const SendOptions *opts, SendInput *input, GError **error)
{
  CliAlertDefaults defaults;

  input->alerts = g_ptr_array_new_with_free_func ((GDestroyNotify) tocsin_alert_unref);
  if (!check_usage (opts, error) || !make_defaults (opts, &defaults, error))
    return FALSE;
  if (opts->batch != NULL)
    return read_batch (opts->batch, &defaults, input, error);
  return read_single (opts, &defaults, input, error);
}

static gboolean
check_target (TocsinManager *manager, const char *target)
{
  g_autofree char *known = NULL;

  if (target == NULL || tocsin_manager_find_channel (manager, target) != NULL)
    return TRUE;
  known = cli_manager_dup_keys (manager);
  cli_error ("no channel has the key, alias or type '%s'; nothing was sent. Known channels: %s",
             target, known);
  return FALSE;
}

/* A broadcast alert whose level no channel admits is not a failure (the config filters it on
 * purpose), but silence would puzzle whoever ran the command. */
static void
note_unmatched (const SendInput *input, GPtrArray *results)
{
  g_autoptr (GHashTable) matched = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < results->len; i++)
    g_hash_table_add (matched, tocsin_result_get_alert (g_ptr_array_index (results, i)));
  for (guint i = 0; i < input->alerts->len; i++)
    {
      TocsinAlert *alert = g_ptr_array_index (input->alerts, i);
      const char *level = tocsin_level_to_string (tocsin_alert_get_level (alert));

      if (g_hash_table_contains (matched, alert))
        continue;
      if (input->lines != NULL)
        cli_note ("line %u: no channel takes %s alerts (every min-level is higher); not sent",
                  GPOINTER_TO_UINT (g_hash_table_lookup (input->lines, alert)), level);
      else
        cli_note ("no channel takes %s alerts (every min-level is higher); nothing was sent",
                  level);
    }
}

static int
exit_status (GPtrArray *results)
{
  for (guint i = 0; i < results->len; i++)
    if (!tocsin_result_get_success (g_ptr_array_index (results, i)))
      return CLI_EXIT_FAILED;
  return CLI_EXIT_OK;
}

static int
deliver (const SendOptions *opts, const SendInput *input)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinManager) manager = cli_load_manager (opts->config, NULL, &error);
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (TocsinStats) stats = NULL;

  if (manager == NULL)
    return cli_report_gerror (error);
  if (!check_target (manager, opts->channel))
    return CLI_EXIT_USAGE;
  if (input->alerts->len == 0)
    cli_note ("the batch holds no alert; nothing was sent");
  results = tocsin_manager_send_many (manager, (TocsinAlert *const *) input->alerts->pdata,
                                      input->alerts->len, opts->channel);
  stats = tocsin_manager_get_stats (manager);
  /* With no channel at all the library has warned already. */
  if (opts->channel == NULL && tocsin_manager_get_n_channels (manager) > 0)
    note_unmatched (input, results);
  if (opts->json)
    cli_report_print_json (results, stats);
  else
    cli_report_print_text (results, input->lines, stats);
  return exit_status (results);
}

static int
run_send (const SendOptions *opts)
{
  g_autoptr (GError) error = NULL;
  SendInput input = { NULL, NULL };
  int status;

  if (!read_input (opts, &input, &error))
    status = cli_report_gerror (error);
  else
    status = deliver (opts, &input);
  send_input_clear (&input);
  return status;
}

int
cli_send_main (int argc, char **argv)
{
  SendOptions opts = { NULL };
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opts.config, "The config file to use", "FILE" },
    { "channel", 'C', 0, G_OPTION_ARG_STRING, &opts.channel,
      "Send only to this channel (key, alias or type), whatever its min-level", "KEY" },
    { "level", 'l', 0, G_OPTION_ARG_STRING, &opts.level,
      "info, success, warning or critical (default: info)", "LEVEL" },
    { "title", 't', 0, G_OPTION_ARG_STRING, &opts.title, "The alert's title (required)", "TEXT" },
    { "body", 'b', 0, G_OPTION_ARG_STRING, &opts.body,
      "The alert's body; - reads it from standard input", "TEXT" },
    { "timestamp", 'T', 0, G_OPTION_ARG_NONE, &opts.timestamp,
      "Prefix the title with the send time (YYYY-MM-DD HH:MM:SS ::: title)", NULL },
    { "label", 'L', 0, G_OPTION_ARG_STRING_ARRAY, &opts.labels,
      "Attach a label (repeatable)", "KEY=VALUE" },
    { "batch", 0, 0, G_OPTION_ARG_FILENAME, &opts.batch,
      "Send the alerts of a JSON Lines file (- for standard input)", "FILE" },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &opts.json,
      "Print the results and statistics as one JSON document", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) context = cli_context_new ("send", NULL, SEND_SUMMARY, SEND_DESCRIPTION,
                                                        entries);
  int status = cli_parse (context, "send", &argc, &argv);

  if (status == CLI_EXIT_OK)
    status = run_send (&opts);
  send_options_clear (&opts);
  return status;
}
