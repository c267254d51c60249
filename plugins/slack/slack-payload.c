/* slack-payload.c: the slack channel's JSON payload, built with json-glib so that any text in
 * an alert (quotes, backslashes, newlines, control characters) is escaped by the generator
 * rather than pasted into the document.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "slack-payload.h"
#include "json-text.h"

#include <json-glib/json-glib.h>

#include <string.h>

typedef struct {
  TocsinLevel level;
  const char *color;
  const char *emoji;
} LevelStyle;

/* Colours and emoji of the original; info and success share the green. */
static const LevelStyle level_styles[] = {
  { TOCSIN_LEVEL_INFO, "#36a64f", ":information_source:" },
  { TOCSIN_LEVEL_SUCCESS, "#36a64f", ":white_check_mark:" },
  { TOCSIN_LEVEL_WARNING, "#ff9800", ":warning:" },
  { TOCSIN_LEVEL_CRITICAL, "#ff0000", ":rotating_light:" },
};

/* The original's fallback, for a level a later core might add. */
static const LevelStyle fallback_style = { 0, "#808080", ":bell:" };

static const LevelStyle *
style_for (TocsinLevel level)
{
  for (gsize i = 0; i < G_N_ELEMENTS (level_styles); i++)
    if (level_styles[i].level == level)
      return &level_styles[i];
  return &fallback_style;
}

/* The position after the first @n characters of valid UTF-8 @text, or NULL when @text is
 * shorter. Walks at most @n characters, so a long body costs no more than the part kept. */
static const char *
skip_chars (const char *text, gsize n)
{
  const char *p = text;

  for (gsize i = 0; i < n; i++)
    {
      if (*p == '\0')
        return NULL;
      p = g_utf8_next_char (p);
    }
  return p;
}

char *
priv_tocsin_slack_truncate (const char *text, gsize max_chars)
{
  g_autofree char *repaired = NULL;
  const char *end;
  const char *cut;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (max_chars > 3, NULL);

  /* The core hands channels valid UTF-8; repairing here keeps the walk below in bounds anyway. */
  if (!g_utf8_validate (text, -1, NULL))
    text = repaired = g_utf8_make_valid (text, -1);
  end = skip_chars (text, max_chars);
  if (end == NULL || *end == '\0')
    return g_strdup (text);
  cut = skip_chars (text, max_chars - 3);
  return g_strdup_printf ("%.*s...", (int) (cut - text), text);
}

/* Adds "name": value, repairing invalid UTF-8 (json-glib would write it as is, making the whole
 * document unparsable). */
static void
add_text_member (JsonBuilder *builder, const char *name, const char *value)
{
  g_autofree char *repaired = NULL;

  if (!g_utf8_validate (value, -1, NULL))
    value = repaired = g_utf8_make_valid (value, -1);
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_attachment (JsonBuilder *builder, const TocsinAlert *alert)
{
  TocsinLevel level = tocsin_alert_get_level (alert);
  const LevelStyle *style = style_for (level);
  const char *upper = tocsin_level_to_upper (level);
  g_autofree char *formatted = tocsin_alert_dup_formatted_title (alert);
  g_autofree char *cut_title = priv_tocsin_slack_truncate (formatted, SLACK_TITLE_MAX_CHARS);
  g_autofree char *text = priv_tocsin_slack_truncate (tocsin_alert_get_body (alert),
                                                      SLACK_TEXT_MAX_CHARS);
  /* As the original: the emoji goes in front of the already truncated title. */
  g_autofree char *title = g_strconcat (style->emoji, " ", cut_title, NULL);
  g_autofree char *footer = g_strconcat ("Alert Level: ", upper ? upper : "UNKNOWN", NULL);

  json_builder_begin_object (builder);
  add_text_member (builder, "color", style->color);
  add_text_member (builder, "title", title);
  add_text_member (builder, "text", text);
  add_text_member (builder, "footer", footer);
  json_builder_end_object (builder);
}

char *
priv_tocsin_slack_payload_new (const char *username, const char *icon_emoji,
                               const TocsinAlert *alert)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  g_return_val_if_fail (username != NULL && icon_emoji != NULL && alert != NULL, NULL);

  json_builder_begin_object (builder);
  add_text_member (builder, "username", username);
  add_text_member (builder, "icon_emoji", icon_emoji);
  json_builder_set_member_name (builder, "attachments");
  json_builder_begin_array (builder);
  add_attachment (builder, alert);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return priv_tocsin_json_to_text (root);
}
