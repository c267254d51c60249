/* test-slack.c: the slack channel plugin, loaded through config files and posting to real HTTP
 * and HTTPS servers on loopback (tests/httpserver.h). The webhook URL comes from a credential
 * file, and endpoint-pattern lets it point at the local server.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "testutil.h"
#include "httpserver.h"

#include <json-glib/json-glib.h>
#include <glib/gstdio.h>

#include <string.h>

/* The secret part of every test webhook URL: it must never show up in a log line or result. */
#define TOKEN "Zq8SeCrEtToKeNxK42"

/* The credential "hook" (the file hook.url) that every config written by load() defines, which
 * puts the channel on line 6 and its first setting on line 7. */
/* <defaults max-attempts="1"/>: one attempt per delivery unless a test asks for retries (they
 * have tests of their own); on the credentials' line, so that line numbers stay as they are. */
#define PREAMBLE \
  "  <defaults max-attempts=\"1\"/><credentials>\n" \
  "    <credential name=\"hook\" type=\"file\" path=\"hook.url\"/>\n" \
  "  </credentials>\n"
#define FIRST_SETTING_LINE 7

#define URL_FROM_CREDENTIAL "    <webhook-url credential=\"hook\"/>\n"
#define LOCAL_PATTERN \
  "    <endpoint-pattern>^https?://127\\.0\\.0\\.1:[0-9]+/hooks/</endpoint-pattern>\n"
#define LOCAL_SETTINGS URL_FROM_CREDENTIAL LOCAL_PATTERN

/* A well-formed Slack webhook URL (never contacted) and its token. */
#define SLACK_TOKEN "abcDEF123456ghiJKL789xyz"
#define SLACK_URL "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/" SLACK_TOKEN

typedef struct {
  char *dir;            /* tocsin.xml and the credential file hook.url */
  TtHttpServer *server; /* plain HTTP */
  char *url;            /* the webhook URL on it */
} Fixture;

/* ---- fixture and helpers --------------------------------------------------------------- */

/* Writes the credential file "hook" reads. */
static void
set_hook (Fixture *f, const char *url)
{
  g_autofree char *path = tt_write_file (f->dir, "hook.url", url);

  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = tt_make_tmpdir ();
  f->server = tt_http_server_new (FALSE);
  f->url = g_strdup_printf ("%s/hooks/T0001/B0002/%s", tt_http_server_get_url (f->server), TOKEN);
  set_hook (f, f->url);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->server, tt_http_server_free);
  tt_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->url);
}

/* The attributes of the one slack channel "ops": @channel_attrs added to its key and type. */
static char *
slack_attrs (const char *channel_attrs)
{
  return g_strdup_printf ("key=\"ops\" type=\"slack\" %s", channel_attrs);
}

/* Loads a config with the credential "hook" and one slack channel with @settings. */
static TocsinManager *
load (Fixture *f, const char *channel_attrs, const char *settings, GError **error)
{
  g_autofree char *attrs = slack_attrs (channel_attrs);

  return tt_load_config (f->dir, PREAMBLE, attrs, settings, error);
}

static TocsinManager *
load_ok (Fixture *f, const char *channel_attrs, const char *settings)
{
  g_autofree char *attrs = slack_attrs (channel_attrs);

  return tt_load_config_ok (f->dir, PREAMBLE, attrs, settings);
}

/* Loading fails with @code, citing line @line, saying @what, and never quoting @secret. */
static void
assert_load_fails (Fixture *f, const char *settings, int code, guint line, const char *what,
                   const char *secret)
{
  g_autofree char *attrs = slack_attrs ("");
  g_autofree char *where = g_strdup_printf ("tocsin.xml:%u: ", line);
  g_autofree char *message = tt_load_config_fails (f->dir, PREAMBLE, attrs, settings, code,
                                                   where, what, NULL);

  if (secret != NULL)
    tt_assert_not_contains (message, secret);
}

static TocsinResult *
send_text (TocsinManager *manager, const char *title, const char *body)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert (title, body, TOCSIN_LEVEL_WARNING, FALSE);

  return tt_send_one (manager, alert);
}

static void
assert_success (TocsinResult *result)
{
  tt_assert_success (result);
  /* Slack gives no message id. */
  g_assert_null (tocsin_result_get_message_id (result));
}

/* The payload as received, its shape checked: exactly these members, all strings. */
typedef struct {
  char *username;
  char *icon_emoji;
  char *color;
  char *title;
  char *text;
  char *footer;
} Payload;

static void
payload_clear (Payload *p)
{
  g_free (p->username);
  g_free (p->icon_emoji);
  g_free (p->color);
  g_free (p->title);
  g_free (p->text);
  g_free (p->footer);
}

static char *
dup_string_member (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  g_assert_cmpint (JSON_NODE_TYPE (node), ==, JSON_NODE_VALUE);
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_STRING);
  return g_strdup (json_node_get_string (node));
}

static void
parse_payload (const TtHttpRequest *request, Payload *p)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  gsize length;
  const char *body = tt_http_request_get_body (request, &length);
  JsonObject *root, *attachment;
  JsonArray *attachments;

  g_assert_cmpstr (tt_http_request_get_method (request), ==, "POST");
  g_assert_cmpstr (tt_http_request_get_header (request, "Content-Type"), ==, "application/json");
  g_assert_true (g_str_has_prefix (tt_http_request_get_path (request), "/hooks/T0001/B0002/"));
  /* JSON allows no raw control character in a string: the generator must escape them all. */
  for (gsize i = 0; i < length; i++)
    g_assert_cmpuint ((guchar) body[i], >=, 0x20);
  g_assert_true (g_utf8_validate (body, length, NULL));

  json_parser_load_from_data (parser, body, length, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (json_object_get_size (root), ==, 3);
  p->username = dup_string_member (root, "username");
  p->icon_emoji = dup_string_member (root, "icon_emoji");
  g_assert_true (json_object_has_member (root, "attachments"));
  attachments = json_object_get_array_member (root, "attachments");
  g_assert_nonnull (attachments);
  g_assert_cmpuint (json_array_get_length (attachments), ==, 1);
  attachment = json_array_get_object_element (attachments, 0);
  g_assert_nonnull (attachment);
  g_assert_cmpuint (json_object_get_size (attachment), ==, 4);
  p->color = dup_string_member (attachment, "color");
  p->title = dup_string_member (attachment, "title");
  p->text = dup_string_member (attachment, "text");
  p->footer = dup_string_member (attachment, "footer");
}

/* Sends @alert through a fresh channel with @settings and parses what the server received. */
static void
deliver_and_parse (Fixture *f, const char *settings, TocsinAlert *alert, Payload *p)
{
  g_autoptr (TocsinManager) manager = load_ok (f, "", settings);
  g_autoptr (TocsinResult) result = tt_send_one (manager, alert);

  assert_success (result);
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), ==, 1);
  parse_payload (tt_http_server_get_request (f->server, 0), p);
}

/* @n copies of @unit (transfer full). */
static char *
repeat (const char *unit, guint n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append (s, unit);
  return g_string_free (s, FALSE);
}

/* ---- payload --------------------------------------------------------------------------- */

typedef struct {
  TocsinLevel level;
  const char *color;
  const char *emoji;
  const char *footer;
} LevelCase;

static const LevelCase level_cases[] = {
  { TOCSIN_LEVEL_INFO, "#36a64f", ":information_source:", "Alert Level: INFO" },
  { TOCSIN_LEVEL_SUCCESS, "#36a64f", ":white_check_mark:", "Alert Level: SUCCESS" },
  { TOCSIN_LEVEL_WARNING, "#ff9800", ":warning:", "Alert Level: WARNING" },
  { TOCSIN_LEVEL_CRITICAL, "#ff0000", ":rotating_light:", "Alert Level: CRITICAL" },
};

static void
test_payload_level (Fixture *f, gconstpointer data)
{
  const LevelCase *c = data;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Disk almost full", "/var is at 91%", c->level,
                                                 FALSE);
  g_autofree char *title = g_strconcat (c->emoji, " Disk almost full", NULL);
  Payload p = { NULL };

  deliver_and_parse (f, LOCAL_SETTINGS "    <username>ops-bot</username>\n"
                     "    <icon-emoji>:fire:</icon-emoji>\n", alert, &p);
  g_assert_cmpstr (p.username, ==, "ops-bot");
  g_assert_cmpstr (p.icon_emoji, ==, ":fire:");
  g_assert_cmpstr (p.color, ==, c->color);
  g_assert_cmpstr (p.title, ==, title);
  g_assert_cmpstr (p.text, ==, "/var is at 91%");
  g_assert_cmpstr (p.footer, ==, c->footer);
  payload_clear (&p);
}

static void
test_payload_defaults (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Deployed", NULL, TOCSIN_LEVEL_SUCCESS, FALSE);
  Payload p = { NULL };

  deliver_and_parse (f, LOCAL_SETTINGS, alert, &p);
  g_assert_cmpstr (p.username, ==, "tocsin");
  g_assert_cmpstr (p.icon_emoji, ==, ":bell:");
  g_assert_cmpstr (p.title, ==, ":white_check_mark: Deployed");
  g_assert_cmpstr (p.text, ==, "");
  payload_clear (&p);
}

static void
test_payload_timestamp (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Backup done", "ok", TOCSIN_LEVEL_INFO, TRUE);
  g_autofree char *formatted = tocsin_alert_dup_formatted_title (alert);
  g_autofree char *expected = g_strconcat (":information_source: ", formatted, NULL);
  Payload p = { NULL };

  g_assert_true (g_str_has_suffix (formatted, " ::: Backup done"));
  deliver_and_parse (f, LOCAL_SETTINGS, alert, &p);
  g_assert_cmpstr (p.title, ==, expected);
  payload_clear (&p);
}

/* Title and body exactly at the limits are sent whole. */
static void
test_payload_truncate_exact (Fixture *f, gconstpointer data)
{
  g_autofree char *title = repeat ("é", 150);
  g_autofree char *body = repeat ("🚨", 3000);
  g_autoptr (TocsinAlert) alert = tt_make_alert (title, body, TOCSIN_LEVEL_CRITICAL, FALSE);
  g_autofree char *expected_title = g_strconcat (":rotating_light: ", title, NULL);
  Payload p = { NULL };

  deliver_and_parse (f, LOCAL_SETTINGS, alert, &p);
  g_assert_cmpstr (p.title, ==, expected_title);
  g_assert_cmpstr (p.text, ==, body);
  payload_clear (&p);
}

/* Checks that @cut is @unit x (@max - 3) + "..." : exactly @max characters, valid UTF-8. */
static void
assert_cut (const char *cut, const char *unit, glong max)
{
  g_autofree char *head = repeat (unit, max - 3);
  g_autofree char *expected = g_strconcat (head, "...", NULL);

  g_assert_true (g_utf8_validate (cut, -1, NULL));
  g_assert_cmpint (g_utf8_strlen (cut, -1), ==, max);
  g_assert_true (g_str_has_suffix (cut, "..."));
  g_assert_cmpstr (cut, ==, expected);
}

static void
test_payload_truncate_title (Fixture *f, gconstpointer data)
{
  const char *unit = data;
  g_autofree char *title = repeat (unit, 151);
  g_autoptr (TocsinAlert) alert = tt_make_alert (title, "b", TOCSIN_LEVEL_WARNING, FALSE);
  Payload p = { NULL };

  deliver_and_parse (f, LOCAL_SETTINGS, alert, &p);
  /* The emoji prefix comes after the cut, as in the original. */
  g_assert_true (g_str_has_prefix (p.title, ":warning: "));
  assert_cut (p.title + strlen (":warning: "), unit, 150);
  payload_clear (&p);
}

static void
test_payload_truncate_body (Fixture *f, gconstpointer data)
{
  const char *unit = data;
  g_autofree char *body = repeat (unit, 5000);
  g_autoptr (TocsinAlert) alert = tt_make_alert ("t", body, TOCSIN_LEVEL_WARNING, FALSE);
  Payload p = { NULL };

  deliver_and_parse (f, LOCAL_SETTINGS, alert, &p);
  assert_cut (p.text, unit, 3000);
  payload_clear (&p);
}

/* Mixed widths (1 to 4 bytes): the cut lands on a character boundary whatever the width. */
static void
test_payload_truncate_mixed (Fixture *f, gconstpointer data)
{
  g_autofree char *title = repeat ("aé€🚨", 40); /* 160 characters */
  g_autofree char *body = repeat ("🚨é", 1600);  /* 3200 characters */
  g_autoptr (TocsinAlert) alert = tt_make_alert (title, body, TOCSIN_LEVEL_WARNING, FALSE);
  g_autofree char *title_head = g_utf8_substring (title, 0, 147);
  g_autofree char *body_head = g_utf8_substring (body, 0, 2997);
  g_autofree char *expected_title = g_strconcat (":warning: ", title_head, "...", NULL);
  g_autofree char *expected_body = g_strconcat (body_head, "...", NULL);
  Payload p = { NULL };

  deliver_and_parse (f, LOCAL_SETTINGS, alert, &p);
  g_assert_cmpstr (p.title, ==, expected_title);
  g_assert_cmpstr (p.text, ==, expected_body);
  g_assert_cmpint (g_utf8_strlen (p.text, -1), ==, 3000);
  payload_clear (&p);
}

/* The timestamp prefix counts toward the 150 characters. */
static void
test_payload_truncate_timestamp (Fixture *f, gconstpointer data)
{
  g_autofree char *title = repeat ("é", 140);
  g_autoptr (TocsinAlert) alert = tt_make_alert (title, "b", TOCSIN_LEVEL_INFO, TRUE);
  g_autofree char *formatted = tocsin_alert_dup_formatted_title (alert);
  g_autofree char *head = g_utf8_substring (formatted, 0, 147);
  g_autofree char *expected = g_strconcat (":information_source: ", head, "...", NULL);
  Payload p = { NULL };

  g_assert_cmpint (g_utf8_strlen (formatted, -1), >, 150);
  deliver_and_parse (f, LOCAL_SETTINGS, alert, &p);
  g_assert_cmpstr (p.title, ==, expected);
  payload_clear (&p);
}

/* Text that JSON must escape arrives exactly as it was sent. */
static void
test_payload_escaping (Fixture *f, gconstpointer data)
{
  const char *title = "He said \"stop\" \\ C:\\path\\ 'quoted' </script> {\"json\": [1]}";
  const char *body = "line 1\nline 2\r\n\ttabbed\x01\x02\x1b[31mred\x1b[0m\x1f\x7f"
                     " \u2028 \u2029 nul-free \\u0000 %s %n \"end\"";
  g_autoptr (TocsinAlert) alert = tt_make_alert (title, body, TOCSIN_LEVEL_CRITICAL, FALSE);
  g_autofree char *expected_title = g_strconcat (":rotating_light: ", title, NULL);
  Payload p = { NULL };

  deliver_and_parse (f, LOCAL_SETTINGS "    <username>a \"quoted\" \\ bot</username>\n",
                     alert, &p);
  g_assert_cmpstr (p.title, ==, expected_title);
  g_assert_cmpstr (p.text, ==, body);
  g_assert_cmpstr (p.username, ==, "a \"quoted\" \\ bot");
  payload_clear (&p);
}

/* A control character in the title is kept (escaped), and a newline survives too. */
static void
test_payload_control_title (Fixture *f, gconstpointer data)
{
  const char *title = "multi\nline\ttitle\x01\x1f with \\n literal";
  g_autoptr (TocsinAlert) alert = tt_make_alert (title, "x", TOCSIN_LEVEL_INFO, FALSE);
  g_autofree char *expected = g_strconcat (":information_source: ", title, NULL);
  Payload p = { NULL };

  deliver_and_parse (f, LOCAL_SETTINGS, alert, &p);
  g_assert_cmpstr (p.title, ==, expected);
  payload_clear (&p);
}

/* Invalid UTF-8 given to the library is repaired before it reaches the payload. */
static void
test_payload_invalid_utf8 (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("bad \xff\xfe title", "cut \xe2\x82 body",
                                                 TOCSIN_LEVEL_INFO, FALSE);
  Payload p = { NULL };

  deliver_and_parse (f, LOCAL_SETTINGS, alert, &p);
  g_assert_true (g_str_has_prefix (p.title, ":information_source: bad "));
  g_assert_true (g_str_has_suffix (p.title, " title"));
  g_assert_true (g_str_has_prefix (p.text, "cut "));
  g_assert_true (g_str_has_suffix (p.text, " body"));
  payload_clear (&p);
}

/* ---- the webhook URL ------------------------------------------------------------------- */

static void
test_url_slack_accepted (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = NULL;

  set_hook (f, SLACK_URL);
  tt_log_capture_start ();
  manager = load_ok (f, "", URL_FROM_CREDENTIAL);
  g_clear_pointer (&manager, tocsin_manager_unref);
  g_free (tt_log_capture_stop_no_secret (SLACK_TOKEN, "T0123ABCD", NULL));
}

typedef struct {
  const char *url;
  const char *reason; /* a part of the explanation */
} RefusedUrl;

static const RefusedUrl refused_urls[] = {
  { "https://hooks.slack.com/services/t0123abcd/b0456efgh/" SLACK_TOKEN, "upper-case" },
  { "https://hooks.slack.com/services/T0123abcd/B0456EFGH/" SLACK_TOKEN, "upper-case" },
  { "http://hooks.slack.com/services/T0123ABCD/B0456EFGH/" SLACK_TOKEN, "https://" },
  { "https://hooks.slack-gov.com/services/T0123ABCD/B0456EFGH/" SLACK_TOKEN, "endpoint-pattern" },
  { "https://chat.example.org/hooks/" SLACK_TOKEN, "endpoint-pattern" },
  { "https://hooks.slack.com/workflows/T0123ABCD/B0456EFGH/" SLACK_TOKEN, "/services/" },
  { SLACK_URL "/", "/services/T" },
  { SLACK_URL "?x=1", "/services/T" },
  { "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abc-" SLACK_TOKEN, "token" },
  { "https://hooks.slack.com/services/T0123ABCD/" SLACK_TOKEN, "/services/T" },
  { "https://hooks.slack.com.evil.example/services/T0123ABCD/B0456EFGH/" SLACK_TOKEN, "host" },
  { "ftp://hooks.slack.com/services/T0123ABCD/B0456EFGH/" SLACK_TOKEN, "http" },
  { "hooks.slack.com/services/T0123ABCD/B0456EFGH/" SLACK_TOKEN, "http" },
  { SLACK_URL " x", "white space" },
};

static void
test_url_slack_refused (Fixture *f, gconstpointer data)
{
  for (gsize i = 0; i < G_N_ELEMENTS (refused_urls); i++)
    {
      g_test_message ("url #%zu", i);
      set_hook (f, refused_urls[i].url);
      tt_log_capture_start ();
      assert_load_fails (f, URL_FROM_CREDENTIAL, TOCSIN_ERROR_INVALID_VALUE, FIRST_SETTING_LINE,
                         refused_urls[i].reason, SLACK_TOKEN);
      g_free (tt_log_capture_stop_no_secret (SLACK_TOKEN, NULL));
    }
}

/* GovSlack and Slack-compatible servers through endpoint-pattern. */
static void
test_url_pattern_accepted (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) govslack = NULL;
  g_autoptr (TocsinManager) mattermost = NULL;

  set_hook (f, "https://hooks.slack-gov.com/services/T0123ABCD/B0456EFGH/" SLACK_TOKEN);
  govslack = load_ok (f, "", URL_FROM_CREDENTIAL
                      "    <endpoint-pattern>^https://hooks\\.slack-gov\\.com/services/"
                      "</endpoint-pattern>\n");
  set_hook (f, "https://chat.example.org/hooks/xyz123lowercase");
  mattermost = load_ok (f, "", URL_FROM_CREDENTIAL
                        "    <endpoint-pattern>^https://chat\\.example\\.org/hooks/[a-z0-9]+$"
                        "</endpoint-pattern>\n");
}

/* With an endpoint-pattern the URL must match it, and only it: a Slack URL no longer passes. */
static void
test_url_pattern_mismatch (Fixture *f, gconstpointer data)
{
  set_hook (f, SLACK_URL);
  assert_load_fails (f, URL_FROM_CREDENTIAL
                     "    <endpoint-pattern>^https://chat\\.example\\.org/</endpoint-pattern>\n",
                     TOCSIN_ERROR_INVALID_VALUE, FIRST_SETTING_LINE, "does not match <endpoint-pattern> (line 8)",
                     SLACK_TOKEN);
  /* The host may be shown: it is not the secret part. */
  set_hook (f, "https://other.example.org/hooks/" TOKEN);
  assert_load_fails (f, URL_FROM_CREDENTIAL
                     "    <endpoint-pattern>^https://chat\\.example\\.org/</endpoint-pattern>\n",
                     TOCSIN_ERROR_INVALID_VALUE, FIRST_SETTING_LINE, "https://other.example.org",
                     TOKEN);
}

static void
test_url_pattern_invalid (Fixture *f, gconstpointer data)
{
  assert_load_fails (f, URL_FROM_CREDENTIAL "    <endpoint-pattern>^https://(chat</endpoint-pattern>\n",
                     TOCSIN_ERROR_INVALID_VALUE, FIRST_SETTING_LINE + 1,
                     "<endpoint-pattern> is not a valid regular expression", TOKEN);
  assert_load_fails (f, URL_FROM_CREDENTIAL "    <endpoint-pattern></endpoint-pattern>\n",
                     TOCSIN_ERROR_INVALID_VALUE, FIRST_SETTING_LINE + 1, "<endpoint-pattern> is empty",
                     TOKEN);
}

/* Only http(s), even when the pattern would let anything through. */
static void
test_url_pattern_scheme (Fixture *f, gconstpointer data)
{
  set_hook (f, "file:///etc/" TOKEN);
  assert_load_fails (f, URL_FROM_CREDENTIAL "    <endpoint-pattern>.*</endpoint-pattern>\n",
                     TOCSIN_ERROR_INVALID_VALUE, FIRST_SETTING_LINE, "http", TOKEN);
}

/* Plain http:// to another machine works (a pattern allows it) but is warned about. */
static void
test_url_plain_http (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) remote = NULL;
  g_autoptr (TocsinManager) local = NULL;
  g_autofree char *remote_log = NULL;
  g_autofree char *local_log = NULL;

  set_hook (f, "http://chat.example.org/hooks/" TOKEN);
  tt_log_capture_start ();
  remote = load_ok (f, "", URL_FROM_CREDENTIAL "    <endpoint-pattern>^http://</endpoint-pattern>\n");
  remote_log = tt_log_capture_stop_no_secret (TOKEN, NULL);
  g_assert_nonnull (strstr (remote_log, "WARNING [ops] slack: <webhook-url> uses plain http://"));

  set_hook (f, f->url);
  tt_log_capture_start ();
  local = load_ok (f, "", LOCAL_SETTINGS);
  local_log = tt_log_capture_stop ();
  g_assert_null (strstr (local_log, "plain http://"));
}

static void
test_url_missing (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinManager) manager = load (f, "", "    <username>x</username>\n", &error);

  g_assert_null (manager);
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, "webhook-url"));
}

/* Settings the channel refuses, with the arguments of assert_load_fails(). */
typedef struct {
  const char *settings;
  int code;
  guint line;
  const char *what;
  const char *secret; /* (nullable) */
} RefusedSettings;

static void
test_refused_settings (Fixture *f, gconstpointer data)
{
  const RefusedSettings *c = data;

  assert_load_fails (f, c->settings, c->code, c->line, c->what, c->secret);
}

static const RefusedSettings refused_url_empty = {
  "    <webhook-url></webhook-url>\n" LOCAL_PATTERN, TOCSIN_ERROR_MISSING_SETTING,
  FIRST_SETTING_LINE, "<webhook-url> is empty"
};
static const RefusedSettings refused_empty_username = {
  LOCAL_SETTINGS "    <username></username>\n", TOCSIN_ERROR_INVALID_VALUE,
  FIRST_SETTING_LINE + 2, "<username> is empty"
};
static const RefusedSettings refused_unknown = {
  LOCAL_SETTINGS "    <room>#general</room>\n", TOCSIN_ERROR_UNKNOWN_SETTING,
  FIRST_SETTING_LINE + 2, "endpoint-pattern"
};

/* ---- masking --------------------------------------------------------------------------- */

/* Runs failures that could echo the URL (an error page quoting it, a refused connection, a
 * rejected config) and checks that the token is in no result and no log line. */
static void
exercise_failures (Fixture *f, const char *settings)
{
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinResult) not_found = NULL;
  g_autoptr (TocsinResult) server_error = NULL;
  g_autoptr (TocsinResult) ok = NULL;
  g_autoptr (TocsinResult) refused = NULL;
  g_autofree char *page = g_strdup_printf ("no_service: no hook at %s (token %s)", f->url, TOKEN);

  tt_log_capture_start ();
  manager = load_ok (f, "", settings);
  tt_http_server_push_response (f->server, 404, NULL, page);
  tt_http_server_push_response (f->server, 500, "X-Echo: " TOKEN, page);
  not_found = send_text (manager, "one", "1");
  server_error = send_text (manager, "two", "2");
  ok = send_text (manager, "three", "3");
  /* Nobody listens there any more. */
  g_clear_pointer (&f->server, tt_http_server_free);
  refused = send_text (manager, "four", "4");
  g_clear_pointer (&manager, tocsin_manager_unref);
  g_free (tt_log_capture_stop_no_secret (TOKEN, "/hooks/T0001", NULL));

  tt_assert_failed_with (not_found, "HTTP 404", FALSE);
  tt_assert_failed_with (server_error, "HTTP 500", TRUE);
  assert_success (ok);
  tt_assert_failed_with (refused, NULL, TRUE);
  g_assert_null (strstr (tocsin_result_get_error (not_found), TOKEN));
  g_assert_null (strstr (tocsin_result_get_error (server_error), TOKEN));
  g_assert_null (strstr (tocsin_result_get_error (refused), TOKEN));
}

static void
test_mask_credential (Fixture *f, gconstpointer data)
{
  exercise_failures (f, LOCAL_SETTINGS);
}

/* Literal text is not a credential, so only the plugin's own registration masks it. */
static void
test_mask_literal (Fixture *f, gconstpointer data)
{
  g_autofree char *settings = g_strdup_printf ("    <webhook-url>%s</webhook-url>\n" LOCAL_PATTERN,
                                               f->url);

  exercise_failures (f, settings);
}

/* A URL refused by the pattern is not quoted either, in the error or in the log. */
static void
test_mask_config_error (Fixture *f, gconstpointer data)
{
  g_autofree char *settings = g_strdup_printf ("    <webhook-url>%s</webhook-url>\n"
                                               "    <endpoint-pattern>^https://</endpoint-pattern>\n",
                                               f->url);

  tt_log_capture_start ();
  assert_load_fails (f, settings, TOCSIN_ERROR_INVALID_VALUE, FIRST_SETTING_LINE,
                     "does not match", TOKEN);
  g_free (tt_log_capture_stop_no_secret (TOKEN, NULL));
}

/* The masked form of a real Slack URL, as the library prints it. */
static void
test_mask_slack_form (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = NULL;
  g_autofree char *registered = NULL;
  g_autofree char *unknown = NULL;

  set_hook (f, SLACK_URL);
  manager = load_ok (f, "", URL_FROM_CREDENTIAL);
  registered = tocsin_redact ("posting to " SLACK_URL " failed");
  g_test_message ("%s", registered);
  g_assert_null (strstr (registered, SLACK_TOKEN));
  g_assert_null (strstr (registered, "0123ABCD"));
  /* A Slack URL nobody registered is still masked by its shape. */
  unknown = tocsin_redact ("https://hooks.slack.com/services/T9/B9/anotherTokenValue1");
  g_assert_cmpstr (unknown, ==, "https://hooks.slack.com/services/T***/B***/***");
}

/* A real Slack URL in a failed delivery's result: the request goes through a proxy (the local
 * server), which refuses the tunnel, so nothing leaves the machine. */
static void
test_mask_slack_result (Fixture *f, gconstpointer data)
{
  g_autofree char *settings = g_strdup_printf (URL_FROM_CREDENTIAL "    <proxy>%s</proxy>\n",
                                               tt_http_server_get_url (f->server));
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinResult) result = NULL;

  set_hook (f, SLACK_URL);
  tt_http_server_set_default (f->server, TT_HTTP_NORMAL, 0, 403, NULL, "no tunnel");
  tt_log_capture_start ();
  manager = load_ok (f, "", settings);
  result = send_text (manager, "t", "b");
  g_clear_pointer (&manager, tocsin_manager_unref);
  g_free (tt_log_capture_stop_no_secret (SLACK_TOKEN, "T0123ABCD", NULL));
  g_assert_false (tocsin_result_get_success (result));
  g_test_message ("error: %s", tocsin_result_get_error (result));
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), >=, 1);
  g_assert_null (strstr (tocsin_result_get_error (result), SLACK_TOKEN));
}

/* ---- HTTP status and transport outcomes ------------------------------------------------ */

/* Sends one alert through a fresh channel to the fixture's server, which answers it with
 * @status, @headers and @body; returns the result (transfer full). */
static TocsinResult *
send_answered (Fixture *f, guint status, const char *headers, const char *body)
{
  g_autoptr (TocsinManager) manager = load_ok (f, "", LOCAL_SETTINGS);

  tt_http_server_push_response (f->server, status, headers, body);
  return send_text (manager, "t", "b");
}

static void
test_status_ok (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (f, 200, NULL, "ok");

  assert_success (result);
  g_assert_cmpuint (tocsin_result_get_attempts (result), ==, 1);
}

static void
test_status_bad_request (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (f, 400, NULL, "invalid_payload");

  tt_assert_failed_with (result, "HTTP 400", FALSE);
  g_assert_nonnull (strstr (tocsin_result_get_error (result), "invalid_payload"));
}

static void
test_status_server_error (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (f, 500, NULL, "oops");

  tt_assert_failed_with (result, "HTTP 500", TRUE);
}

static void
test_status_rate_limited (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (f, 429, "Retry-After: 7", "rate_limited");

  tt_assert_failed_with (result, "HTTP 429", TRUE);
  g_assert_cmpfloat (tocsin_result_get_retry_after (result), ==, 7.0);
}

/* Redirects are not followed: the webhook moved, and following it could leak the alert. */
static void
test_status_redirect (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (f, 302, "Location: /elsewhere", NULL);

  tt_assert_failed_with (result, "HTTP 302", FALSE);
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), ==, 1);
}

static void
test_transport_hang (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f, "timeout=\"1\"", LOCAL_SETTINGS);
  g_autoptr (TocsinResult) hung = NULL;
  g_autoptr (TocsinResult) next = NULL;

  tt_http_server_push (f->server, TT_HTTP_HANG, 0, 200, NULL, NULL);
  hung = send_text (manager, "t", "b");
  tt_assert_failed_with (hung, "timed out", TRUE);
  /* Reported around the 1 s timeout, not when the server gives up. */
  g_assert_cmpint (tocsin_result_get_elapsed (hung), <, 10 * G_USEC_PER_SEC);
  /* The channel goes on with the next alert. */
  next = send_text (manager, "t2", "b2");
  assert_success (next);
}

static void
test_transport_close_mid_response (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f, "", LOCAL_SETTINGS);
  g_autoptr (TocsinResult) cut = NULL;
  g_autoptr (TocsinResult) next = NULL;

  tt_http_server_push (f->server, TT_HTTP_CLOSE_MID_RESPONSE, 0, 200, NULL, "ok");
  cut = send_text (manager, "t", "b");
  tt_assert_failed_with (cut, NULL, TRUE);
  g_assert_null (strstr (tocsin_result_get_error (cut), TOKEN));
  next = send_text (manager, "t2", "b2");
  assert_success (next);
}

static void
test_transport_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f, "", LOCAL_SETTINGS);
  g_autoptr (TocsinResult) result = NULL;

  g_clear_pointer (&f->server, tt_http_server_free);
  result = send_text (manager, "t", "b");
  tt_assert_failed_with (result, "slack", TRUE);
}

/* ---- TLS ------------------------------------------------------------------------------- */

#define TLS_PATTERN \
  "    <endpoint-pattern>^https://127\\.0\\.0\\.1:[0-9]+/hooks/</endpoint-pattern>\n"

static TtHttpServer *
start_tls (Fixture *f)
{
  TtHttpServer *server = tt_http_server_new (TRUE);
  g_autofree char *url = g_strdup_printf ("%s/hooks/T0001/B0002/%s", tt_http_server_get_url (server),
                                          TOKEN);

  g_assert_true (g_str_has_prefix (url, "https://"));
  set_hook (f, url);
  return server;
}

static void
test_tls_untrusted (Fixture *f, gconstpointer data)
{
  g_autoptr (TtHttpServer) server = start_tls (f);
  g_autoptr (TocsinManager) manager = load_ok (f, "", URL_FROM_CREDENTIAL TLS_PATTERN);
  g_autoptr (TocsinResult) result = send_text (manager, "t", "b");

  /* A certificate that is not trusted will not become trusted by trying again. */
  tt_assert_failed_with (result, "certificate", FALSE);
  g_assert_null (strstr (tocsin_result_get_error (result), TOKEN));
}

static void
test_tls_ca_file (Fixture *f, gconstpointer data)
{
  g_autoptr (TtHttpServer) server = start_tls (f);
  g_autofree char *settings = g_strdup_printf (URL_FROM_CREDENTIAL TLS_PATTERN
                                               "    <ca-file>%s</ca-file>\n",
                                               tt_http_server_get_ca_file (server));
  g_autoptr (TocsinManager) manager = load_ok (f, "", settings);
  g_autoptr (TocsinResult) result = send_text (manager, "t", "b");
  Payload p = { NULL };

  assert_success (result);
  g_assert_cmpuint (tt_http_server_get_n_requests (server), ==, 1);
  parse_payload (tt_http_server_get_request (server, 0), &p);
  g_assert_cmpstr (p.title, ==, ":warning: t");
  payload_clear (&p);
}

static void
test_tls_verify_off (Fixture *f, gconstpointer data)
{
  g_autoptr (TtHttpServer) server = start_tls (f);
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinResult) result = NULL;
  g_autofree char *log = NULL;

  tt_log_capture_start ();
  manager = load_ok (f, "", URL_FROM_CREDENTIAL TLS_PATTERN "    <tls-verify>false</tls-verify>\n");
  log = tt_log_capture_stop ();
  g_assert_nonnull (strstr (log, "tls-verify"));
  result = send_text (manager, "t", "b");
  assert_success (result);
}

static const RefusedSettings refused_bad_ca_file = {
  LOCAL_SETTINGS "    <ca-file>no-such-bundle.pem</ca-file>\n", TOCSIN_ERROR_INVALID_VALUE,
  FIRST_SETTING_LINE + 2, "ca-file", TOKEN
};

/* ---- connections and workers ----------------------------------------------------------- */

/* Sends @n alerts titled "alert <i>" in one batch; all must succeed. */
static void
send_batch (TocsinManager *manager, guint n)
{
  g_autoptr (GPtrArray) alerts = tt_alert_array_new ();
  g_autoptr (GPtrArray) results = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *title = g_strdup_printf ("alert %u", i);
      g_ptr_array_add (alerts, tt_make_alert (title, "b", TOCSIN_LEVEL_INFO, FALSE));
    }
  results = tocsin_manager_send_many (manager, (TocsinAlert *const *) alerts->pdata, n, NULL);
  g_assert_cmpuint (results->len, ==, n);
  for (guint i = 0; i < n; i++)
    assert_success (g_ptr_array_index (results, i));
}

static void
test_reuse_one_worker (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f, "workers=\"1\"", LOCAL_SETTINGS);

  send_batch (manager, 50);
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), ==, 50);
  g_assert_cmpuint (tt_http_server_get_n_connections (f->server), ==, 1);
}

static void
test_reuse_two_workers (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f, "workers=\"2\"", LOCAL_SETTINGS);

  send_batch (manager, 50);
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), ==, 50);
  g_assert_cmpuint (tt_http_server_get_n_connections (f->server), <=, 2);
}

/* Four workers share a slow server: every alert arrives exactly once, over at most four
 * connections, and the workers really overlap. */
static void
test_workers_all_delivered (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f, "workers=\"4\"", LOCAL_SETTINGS);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const guint n = 40;

  tt_http_server_set_default (f->server, TT_HTTP_DELAY, 50, 200, NULL, "ok");
  send_batch (manager, n);
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), ==, n);
  for (guint i = 0; i < n; i++)
    {
      Payload p = { NULL };

      parse_payload (tt_http_server_get_request (f->server, i), &p);
      g_assert_true (g_hash_table_add (seen, g_strdup (p.title)));
      payload_clear (&p);
    }
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *title = g_strdup_printf (":information_source: alert %u", i);
      g_assert_true (g_hash_table_contains (seen, title));
    }
  g_assert_cmpuint (tt_http_server_get_n_connections (f->server), <=, 4);
  g_assert_cmpuint (tt_http_server_get_n_connections (f->server), >=, 2);
}

/* ---- main ------------------------------------------------------------------------------ */

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
#define ADD_DATA(path, data, func) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  /* Loopback requests must not go to a proxy from the environment (set before any thread). */
  tt_unset_proxy_env ();
  tt_init (&argc, &argv);

  ADD_DATA ("/slack/payload/level/info", &level_cases[0], test_payload_level);
  ADD_DATA ("/slack/payload/level/success", &level_cases[1], test_payload_level);
  ADD_DATA ("/slack/payload/level/warning", &level_cases[2], test_payload_level);
  ADD_DATA ("/slack/payload/level/critical", &level_cases[3], test_payload_level);
  ADD ("/slack/payload/defaults", test_payload_defaults);
  ADD ("/slack/payload/timestamp", test_payload_timestamp);
  ADD ("/slack/payload/truncate/exact", test_payload_truncate_exact);
  ADD_DATA ("/slack/payload/truncate/title-ascii", "a", test_payload_truncate_title);
  ADD_DATA ("/slack/payload/truncate/title-2byte", "é", test_payload_truncate_title);
  ADD_DATA ("/slack/payload/truncate/title-4byte", "🚨", test_payload_truncate_title);
  ADD_DATA ("/slack/payload/truncate/body-2byte", "é", test_payload_truncate_body);
  ADD_DATA ("/slack/payload/truncate/body-4byte", "🚨", test_payload_truncate_body);
  ADD ("/slack/payload/truncate/mixed", test_payload_truncate_mixed);
  ADD ("/slack/payload/truncate/timestamp", test_payload_truncate_timestamp);
  ADD ("/slack/payload/escaping", test_payload_escaping);
  ADD ("/slack/payload/control-title", test_payload_control_title);
  ADD ("/slack/payload/invalid-utf8", test_payload_invalid_utf8);

  ADD ("/slack/url/slack-accepted", test_url_slack_accepted);
  ADD ("/slack/url/slack-refused", test_url_slack_refused);
  ADD ("/slack/url/pattern-accepted", test_url_pattern_accepted);
  ADD ("/slack/url/pattern-mismatch", test_url_pattern_mismatch);
  ADD ("/slack/url/pattern-invalid", test_url_pattern_invalid);
  ADD ("/slack/url/pattern-scheme", test_url_pattern_scheme);
  ADD ("/slack/url/plain-http", test_url_plain_http);
  ADD ("/slack/url/missing", test_url_missing);
  ADD_DATA ("/slack/url/empty", &refused_url_empty, test_refused_settings);
  ADD_DATA ("/slack/setting/empty-username", &refused_empty_username, test_refused_settings);
  ADD_DATA ("/slack/setting/unknown", &refused_unknown, test_refused_settings);

  ADD ("/slack/mask/credential", test_mask_credential);
  ADD ("/slack/mask/literal", test_mask_literal);
  ADD ("/slack/mask/config-error", test_mask_config_error);
  ADD ("/slack/mask/slack-form", test_mask_slack_form);
  ADD ("/slack/mask/slack-result", test_mask_slack_result);

  ADD ("/slack/status/ok", test_status_ok);
  ADD ("/slack/status/bad-request", test_status_bad_request);
  ADD ("/slack/status/server-error", test_status_server_error);
  ADD ("/slack/status/rate-limited", test_status_rate_limited);
  ADD ("/slack/status/redirect", test_status_redirect);
  ADD ("/slack/transport/hang", test_transport_hang);
  ADD ("/slack/transport/close-mid-response", test_transport_close_mid_response);
  ADD ("/slack/transport/refused", test_transport_refused);

  ADD ("/slack/tls/untrusted", test_tls_untrusted);
  ADD ("/slack/tls/ca-file", test_tls_ca_file);
  ADD ("/slack/tls/verify-off", test_tls_verify_off);
  ADD_DATA ("/slack/tls/bad-ca-file", &refused_bad_ca_file, test_refused_settings);

  ADD ("/slack/reuse/one-worker", test_reuse_one_worker);
  ADD ("/slack/reuse/two-workers", test_reuse_two_workers);
  ADD ("/slack/workers/all-delivered", test_workers_all_delivered);

  return g_test_run ();
}
