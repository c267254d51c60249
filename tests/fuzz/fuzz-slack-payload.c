/* fuzz-slack-payload.c: libFuzzer target for the slack channel's payload (slack-payload.c).
 *
 * Input: one flags byte, then NUL-separated fields: title, body, username, icon emoji (missing
 * fields are empty). Flags: bits 0-1 the level, bit 2 the timestamp prefix, bits 3-7 a length
 * (4..35 characters) for truncating the raw title and body directly.
 *
 * Checked: the payload parses back as JSON (json-glib's JsonParser) with the fields the alert
 * gave it, and truncation always yields valid UTF-8 of at most the requested length, which for
 * valid input is the input itself or exactly its first characters and "...".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "slack-payload.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* A fixed alert time: the timestamp prefix must not depend on when the fuzzer runs. */
#define ALERT_TIME_USEC (G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC)

static const TocsinLevel levels[] = {
  TOCSIN_LEVEL_INFO, TOCSIN_LEVEL_SUCCESS, TOCSIN_LEVEL_WARNING, TOCSIN_LEVEL_CRITICAL,
};


int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_setenv ("TZ", "UTC", TRUE);
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
  return 0;
}


static void
check_truncate (const char *text, gsize max_chars)
{
  g_autofree char *cut = priv_tocsin_slack_truncate (text, max_chars);

  CHECK (cut != NULL);
  CHECK (g_utf8_validate (cut, -1, NULL));
  CHECK ((gsize) g_utf8_strlen (cut, -1) <= max_chars);
  if (!g_utf8_validate (text, -1, NULL))
    return;
  if ((gsize) g_utf8_strlen (text, -1) <= max_chars)
    CHECK (strcmp (cut, text) == 0);
  else
    {
      gsize kept = g_utf8_offset_to_pointer (text, max_chars - 3) - text;

      CHECK (strlen (cut) == kept + 3);
      CHECK (strncmp (cut, text, kept) == 0);
      CHECK (strcmp (cut + kept, "...") == 0);
    }
}

static const char *
get_string_member (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  CHECK (node != NULL && JSON_NODE_HOLDS_VALUE (node));
  CHECK (json_node_get_value_type (node) == G_TYPE_STRING);
  return json_node_get_string (node);
}

/* @username and @emoji as the payload must carry them: repaired when not valid UTF-8. */
static void
check_payload (const char *payload, const char *username, const char *emoji, TocsinAlert *alert)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *want_user = g_utf8_make_valid (username, -1);
  g_autofree char *want_emoji = g_utf8_make_valid (emoji, -1);
  g_autofree char *formatted = tocsin_alert_dup_formatted_title (alert);
  g_autofree char *want_title = priv_tocsin_slack_truncate (formatted, SLACK_TITLE_MAX_CHARS);
  g_autofree char *want_text = priv_tocsin_slack_truncate (tocsin_alert_get_body (alert),
                                                           SLACK_TEXT_MAX_CHARS);
  JsonObject *root, *attachment;
  JsonArray *attachments;
  const char *title;

  if (!json_parser_load_from_data (parser, payload, -1, &error))
    {
      fprintf (stderr, "payload is not JSON (%s):\n%s\n", error->message, payload);
      abort ();
    }
  CHECK (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  root = json_node_get_object (json_parser_get_root (parser));
  CHECK (strcmp (get_string_member (root, "username"), want_user) == 0);
  CHECK (strcmp (get_string_member (root, "icon_emoji"), want_emoji) == 0);
  CHECK (JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "attachments")));
  attachments = json_object_get_array_member (root, "attachments");
  CHECK (json_array_get_length (attachments) == 1);
  CHECK (JSON_NODE_HOLDS_OBJECT (json_array_get_element (attachments, 0)));
  attachment = json_array_get_object_element (attachments, 0);
  /* "<level emoji> <truncated title>" */
  title = get_string_member (attachment, "title");
  CHECK (title[0] == ':' && strchr (title, ' ') != NULL);
  CHECK (strcmp (strchr (title, ' ') + 1, want_title) == 0);
  CHECK (strcmp (get_string_member (attachment, "text"), want_text) == 0);
  CHECK (g_str_has_prefix (get_string_member (attachment, "footer"), "Alert Level: "));
  CHECK (get_string_member (attachment, "color")[0] == '#');
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  FuzzReader r = { data, size };
  guint8 flags = 0;
  g_autofree char *title = NULL, *body = NULL, *username = NULL, *emoji = NULL;
  g_autofree char *payload = NULL;
  g_autoptr (TocsinAlertBuilder) builder = NULL;
  g_autoptr (TocsinAlert) alert = NULL;
  gsize max_chars;

  if (size > 0)
    {
      flags = data[0];
      r.p++;
      r.left--;
    }
  title = fuzz_next_field (&r);
  body = fuzz_next_field (&r);
  username = fuzz_next_field (&r);
  emoji = fuzz_next_field (&r);
  max_chars = 4 + (flags >> 3);

  /* Truncation of raw text, valid UTF-8 or not, at a small and at the real limits. */
  check_truncate (title, max_chars);
  check_truncate (body, max_chars);
  check_truncate (title, SLACK_TITLE_MAX_CHARS);
  check_truncate (body, SLACK_TEXT_MAX_CHARS);

  builder = tocsin_alert_builder_new (title);
  tocsin_alert_builder_set_body (builder, body);
  tocsin_alert_builder_set_level (builder, levels[flags & 3]);
  tocsin_alert_builder_set_timestamp (builder, (flags & 4) != 0);
  tocsin_alert_builder_set_time (builder, ALERT_TIME_USEC);
  tocsin_alert_builder_set_id (builder, "fuzz");
  alert = tocsin_alert_builder_build (builder);

  payload = priv_tocsin_slack_payload_new (username, emoji, alert);
  CHECK (payload != NULL);
  check_payload (payload, username, emoji, alert);
  return 0;
}
