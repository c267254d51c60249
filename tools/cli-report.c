/* cli-report.c: how `tocsin send` shows per-channel results and statistics, as text tables or
 * as one JSON document:
 *
 *   {"results": [{"channel": "log", "success": true, "message_id": null, "error": null,
 *                 "retryable": false, "attempts": 1}],
 *    "stats": {"sent": 1, "failed": 0, "throttled": 0, "retried": 0, "dropped": 0,
 *              "channels": {"log": {"sent": 1, "failed": 0, "throttled": 0, "retried": 0,
 *                                   "dropped": 0}}}}
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cli.h"

#include <json-glib/json-glib.h>

static const char *
status_word (const TocsinResult *result)
{
  if (tocsin_result_get_success (result))
    return "OK";
  return tocsin_result_get_throttled (result) ? "THROTTLED" : "FAILED";
}

/* Results carry redacted errors already; redacting again costs little and guards the output. */
static char *
error_cell (const TocsinResult *result)
{
  const char *error = tocsin_result_get_error (result);
  g_autofree char *redacted = NULL;

  if (error == NULL)
    return g_strdup ("-");
  redacted = tocsin_redact (error);
  if (tocsin_result_get_retryable (result))
    return g_strdup_printf ("%s (retryable)", redacted);
  return g_steal_pointer (&redacted);
}

static void
print_results (GPtrArray *results, GHashTable *alert_lines)
{
  static const char *const single[] = { "CHANNEL", "STATUS", "MESSAGE-ID", "ERROR", NULL };
  static const char *const batch[] = { "LINE", "CHANNEL", "STATUS", "MESSAGE-ID", "ERROR", NULL };
  g_autoptr (CliTable) table = cli_table_new (alert_lines ? batch : single);

  g_print ("Results:\n");
  if (results->len == 0)
    {
      g_print ("  (none: no channel received the alert)\n");
      return;
    }
  for (guint i = 0; i < results->len; i++)
    {
      TocsinResult *result = g_ptr_array_index (results, i);
      g_autofree char *error = error_cell (result);
      const char *channel = tocsin_result_get_channel (result);
      const char *status = status_word (result);
      const char *message_id = tocsin_result_get_message_id (result);

      if (alert_lines != NULL)
        {
          guint line = GPOINTER_TO_UINT (g_hash_table_lookup (alert_lines,
                                                              tocsin_result_get_alert (result)));
          g_autofree char *line_text = g_strdup_printf ("%u", line);

          cli_table_add_row (table, line_text, channel, status, message_id, error, NULL);
        }
      else
        cli_table_add_row (table, channel, status, message_id, error, NULL);
    }
  cli_table_print (table, "  ");
}

/* The counters the report shows, in their column order, for one channel or for all. */
typedef struct {
  guint64 value[5];
} Counts;

static const char *const count_names[] = { "sent", "failed", "throttled", "retried", "dropped" };

/* @index: a channel, or -1 for the totals */
static Counts
get_counts (TocsinStats *stats, int index)
{
  if (index < 0)
    return (Counts) { { tocsin_stats_get_sent (stats), tocsin_stats_get_failed (stats),
                        tocsin_stats_get_throttled (stats), tocsin_stats_get_retried (stats),
                        tocsin_stats_get_dropped (stats) } };
  return (Counts) { { tocsin_stats_get_channel_sent (stats, (guint) index),
                      tocsin_stats_get_channel_failed (stats, (guint) index),
                      tocsin_stats_get_channel_throttled (stats, (guint) index),
                      tocsin_stats_get_channel_retried (stats, (guint) index),
                      tocsin_stats_get_channel_dropped (stats, (guint) index) } };
}

static void
add_counts_row (CliTable *table, const char *name, Counts counts)
{
  char text[G_N_ELEMENTS (count_names)][24];

  for (guint i = 0; i < G_N_ELEMENTS (count_names); i++)
    g_snprintf (text[i], sizeof text[i], "%" G_GUINT64_FORMAT, counts.value[i]);
  cli_table_add_row (table, name, text[0], text[1], text[2], text[3], text[4], NULL);
}

static void
print_stats (TocsinStats *stats)
{
  static const char *const headers[] = { "CHANNEL", "SENT", "FAILED", "THROTTLED", "RETRIED",
                                         "DROPPED", NULL };
  g_autoptr (CliTable) table = cli_table_new (headers);

  g_print ("Statistics:\n");
  for (guint i = 0; i < tocsin_stats_get_n_channels (stats); i++)
    add_counts_row (table, tocsin_stats_get_channel_key (stats, i), get_counts (stats, (int) i));
  add_counts_row (table, "total", get_counts (stats, -1));
  cli_table_print (table, "  ");
}

/**
 * cli_report_print_text:
 * @results: (nullable): %NULL prints the statistics only (tocsin spool deliver, which has no
 *   results of its own to show)
 * @alert_lines: (nullable): for a batch, the input line of each alert (TocsinAlert* -> guint)
 */
void
cli_report_print_text (GPtrArray *results, GHashTable *alert_lines, TocsinStats *stats)
{
  if (results != NULL)
    print_results (results, alert_lines);
  print_stats (stats);
}

static void
add_nullable_string (JsonBuilder *builder, const char *name, const char *value)
{
  g_autofree char *redacted = tocsin_redact (value);

  json_builder_set_member_name (builder, name);
  if (redacted != NULL)
    json_builder_add_string_value (builder, redacted);
  else
    json_builder_add_null_value (builder);
}

static void
add_int (JsonBuilder *builder, const char *name, gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_result (JsonBuilder *builder, const TocsinResult *result)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "channel");
  json_builder_add_string_value (builder, tocsin_result_get_channel (result));
  json_builder_set_member_name (builder, "success");
  json_builder_add_boolean_value (builder, tocsin_result_get_success (result));
  add_nullable_string (builder, "message_id", tocsin_result_get_message_id (result));
  add_nullable_string (builder, "error", tocsin_result_get_error (result));
  json_builder_set_member_name (builder, "retryable");
  json_builder_add_boolean_value (builder, tocsin_result_get_retryable (result));
  add_int (builder, "attempts", tocsin_result_get_attempts (result));
  json_builder_end_object (builder);
}

static void
add_counts (JsonBuilder *builder, Counts counts)
{
  /* JSON numbers are doubles for most readers; counters stay far below 2^53. */
  for (guint i = 0; i < G_N_ELEMENTS (count_names); i++)
    add_int (builder, count_names[i], (gint64) counts.value[i]);
}

static void
add_stats (JsonBuilder *builder, TocsinStats *stats)
{
  json_builder_begin_object (builder);
  add_counts (builder, get_counts (stats, -1));
  json_builder_set_member_name (builder, "channels");
  json_builder_begin_object (builder);
  for (guint i = 0; i < tocsin_stats_get_n_channels (stats); i++)
    {
      json_builder_set_member_name (builder, tocsin_stats_get_channel_key (stats, i));
      json_builder_begin_object (builder);
      add_counts (builder, get_counts (stats, (int) i));
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

void
cli_report_print_json (GPtrArray *results, TocsinStats *stats)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "results");
  json_builder_begin_array (builder);
  for (guint i = 0; i < results->len; i++)
    add_result (builder, g_ptr_array_index (results, i));
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "stats");
  add_stats (builder, stats);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}
