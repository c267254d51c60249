/* cli-batch.c: the input of `tocsin send --batch`: one JSON object per line,
 *
 *   {"title": "disk full", "body": "/var at 99%", "level": "critical",
 *    "timestamp": true, "labels": {"host": "db1"}}
 *
 * Only "title" is required. Blank lines are skipped. Everything is parsed before anything is
 * sent, so a mistake on any line sends nothing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cli.h"

#include <json-glib/json-glib.h>

#define KNOWN_MEMBERS "title, body, level, timestamp, labels"
#define JSON_DATA_PREFIX "<data>:1:"

gboolean
cli_label_split (const char *spec, char **key, char **value, GError **error)
{
  const char *eq = strchr (spec, '=');

  if (eq == NULL || eq == spec)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT,
                   "invalid label '%s': write it as KEY=VALUE, with a non-empty KEY", spec);
      return FALSE;
    }
  *key = g_strndup (spec, (gsize) (eq - spec));
  *value = g_strdup (eq + 1);
  return TRUE;
}

static gboolean
get_string_member (JsonObject *object, const char *name, gboolean nullable, const char **out,
                   GError **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || (nullable && JSON_NODE_HOLDS_NULL (node)))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT,
                   "\"%s\" must be a string%s", name, nullable ? " or null" : "");
      return FALSE;
    }
  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
check_members (JsonObject *object, GError **error)
{
  g_autoptr (GList) names = json_object_get_members (object);
  static const char *const known[] = { "title", "body", "level", "timestamp", "labels", NULL };

  /* A misspelt member ("titel", "lables") would otherwise be dropped without a word. */
  for (GList *l = names; l != NULL; l = l->next)
    if (!g_strv_contains (known, l->data))
      {
        g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT,
                     "unknown member \"%s\"; an alert has: " KNOWN_MEMBERS, (char *) l->data);
        return FALSE;
      }
  return TRUE;
}

static gboolean
apply_timestamp (TocsinAlertBuilder *builder, JsonObject *object, GError **error)
{
  JsonNode *node = json_object_get_member (object, "timestamp");

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error_literal (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT,
                           "\"timestamp\" must be true or false");
      return FALSE;
    }
  tocsin_alert_builder_set_timestamp (builder, json_node_get_boolean (node));
  return TRUE;
}

static gboolean
apply_labels (TocsinAlertBuilder *builder, JsonObject *object, GError **error)
{
  JsonNode *node = json_object_get_member (object, "labels");
  g_autoptr (GList) names = NULL;
  JsonObject *labels;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT,
                           "\"labels\" must be an object of strings, e.g. {\"host\": \"db1\"}");
      return FALSE;
    }
  labels = json_node_get_object (node);
  names = json_object_get_members (labels);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *value = NULL;
      g_autoptr (GError) member_error = NULL;

      if (*(const char *) l->data == '\0')
        {
          g_set_error_literal (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT,
                               "a label key must not be empty");
          return FALSE;
        }
      if (!get_string_member (labels, l->data, FALSE, &value, &member_error))
        {
          g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT,
                       "label \"%s\" must be a string", (char *) l->data);
          return FALSE;
        }
      tocsin_alert_builder_add_label (builder, l->data, value);
    }
  return TRUE;
}

/* Level, timestamp flag and labels from the command line, for a single alert or every line of
 * a batch. */
void
cli_alert_defaults_apply (const CliAlertDefaults *defaults, TocsinAlertBuilder *builder)
{
  tocsin_alert_builder_set_level (builder, defaults->level);
  tocsin_alert_builder_set_timestamp (builder, defaults->timestamp);
  for (guint i = 0; defaults->labels != NULL && defaults->labels[i] != NULL; i++)
    {
      g_autofree char *key = NULL, *value = NULL;

      /* Validated when the options were read. */
      if (cli_label_split (defaults->labels[i], &key, &value, NULL))
        tocsin_alert_builder_add_label (builder, key, value);
    }
}

/* Builds the alert one parsed line describes: @defaults first, then the line's own values. */
static TocsinAlert *
alert_from_object (JsonObject *object, const CliAlertDefaults *defaults, GError **error)
{
  const char *title = NULL, *body = NULL, *level_name = NULL;
  g_autoptr (TocsinAlertBuilder) builder = NULL;
  TocsinLevel level;

  if (!check_members (object, error)
      || !get_string_member (object, "title", FALSE, &title, error)
      || !get_string_member (object, "body", TRUE, &body, error)
      || !get_string_member (object, "level", TRUE, &level_name, error))
    return NULL;
  if (title == NULL || *title == '\0')
    {
      g_set_error_literal (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT,
                           "\"title\" is required and must not be empty");
      return NULL;
    }
  builder = tocsin_alert_builder_new (title);
  cli_alert_defaults_apply (defaults, builder);
  if (body != NULL)
    tocsin_alert_builder_set_body (builder, body);
  if (level_name != NULL)
    {
      if (!tocsin_level_from_string (level_name, &level, error))
        return NULL;
      tocsin_alert_builder_set_level (builder, level);
    }
  if (!apply_timestamp (builder, object, error) || !apply_labels (builder, object, error))
    return NULL;
  return tocsin_alert_builder_build (builder);
}

/* JsonParser reads "{...} {...}" as two statements and keeps the first without a word; counting
 * the containers that close at depth 0 catches a second object or array on the line (a second
 * scalar is a parse error already). */
typedef struct {
  guint depth;
  guint roots;
} RootCounter;

static void
on_container_start (JsonParser *parser, gpointer user_data)
{
  ((RootCounter *) user_data)->depth++;
}

static void
on_container_end (JsonParser *parser, gpointer container, gpointer user_data)
{
  RootCounter *counter = user_data;

  if (--counter->depth == 0)
    counter->roots++;
}

static gboolean
parse_one_value (JsonParser *parser, const char *line, GError **error)
{
  RootCounter counter = { 0, 0 };

  g_signal_connect (parser, "object-start", G_CALLBACK (on_container_start), &counter);
  g_signal_connect (parser, "array-start", G_CALLBACK (on_container_start), &counter);
  g_signal_connect (parser, "object-end", G_CALLBACK (on_container_end), &counter);
  g_signal_connect (parser, "array-end", G_CALLBACK (on_container_end), &counter);
  if (!json_parser_load_from_data (parser, line, -1, error))
    return FALSE;
  if (counter.roots > 1)
    {
      g_set_error_literal (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT,
                           "more than one JSON value on the line; give one object per line");
      return FALSE;
    }
  return TRUE;
}

static TocsinAlert *
alert_from_line (const char *line, const CliAlertDefaults *defaults, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  JsonNode *root;

  if (!parse_one_value (parser, line, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT,
                           "expected one JSON object, e.g. {\"title\": \"disk full\", "
                           "\"level\": \"warning\"}");
      return NULL;
    }
  return alert_from_object (json_node_get_object (root), defaults, error);
}

static gboolean
is_blank (const char *line)
{
  for (; *line != '\0'; line++)
    if (!g_ascii_isspace (*line))
      return FALSE;
  return TRUE;
}

/**
 * cli_batch_parse:
 * @text: the whole input
 * @source_name: how errors name the input ("alerts.jsonl", "<stdin>")
 * @line_numbers: (element-type guint): receives the input line of each alert returned
 * Returns: (transfer full) (element-type TocsinAlert): the alerts in input order, or %NULL with
 * @error citing source:line of the first mistake
 */
GPtrArray *
cli_batch_parse (const char *text, const char *source_name, const CliAlertDefaults *defaults,
                 GArray *line_numbers, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GPtrArray) alerts = g_ptr_array_new_with_free_func ((GDestroyNotify) tocsin_alert_unref);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (GError) line_error = NULL;
      guint line_number = i + 1;
      TocsinAlert *alert;

      g_strchomp (lines[i]); /* also drops the \r of CRLF input */
      if (is_blank (lines[i]))
        continue;
      alert = alert_from_line (lines[i], defaults, &line_error);
      if (alert == NULL)
        {
          /* JsonParser says "<data>:1:COLUMN: ..."; the column is worth keeping. */
          if (g_str_has_prefix (line_error->message, JSON_DATA_PREFIX))
            g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT, "%s:%u:%s",
                         source_name, line_number,
                         line_error->message + strlen (JSON_DATA_PREFIX));
          else
            g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT, "%s:%u: %s",
                         source_name, line_number, line_error->message);
          return NULL;
        }
      g_ptr_array_add (alerts, alert);
      g_array_append_val (line_numbers, line_number);
    }
  return g_steal_pointer (&alerts);
}
