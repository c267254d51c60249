/* test-webhook.c: the webhook channel plugin against real HTTP and HTTPS servers on loopback
 * (tests/httpserver.h), configured through config files the way an application configures it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "httpserver.h"
#include "testutil.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include <string.h>

/* The credentials every config written by tt_load_config() with PREAMBLE defines. The tokens come
 * from environment variables, set in main() before any thread runs (setenv is not thread-safe);
 * the URL, which holds the port of a server started by the test, from the file URL_FILE in the
 * test's folder. */
#define TOKEN_VAR "TT_WEBHOOK_TOKEN"
#define BAD_TOKEN_VAR "TT_WEBHOOK_BAD_TOKEN"
#define URL_FILE "hook-url.secret"
/* <defaults max-attempts="1"/>: one attempt per delivery unless a test asks for retries (they
 * have tests of their own); on the credentials' line, so that line numbers stay as they are. */
#define PREAMBLE \
  "  <defaults max-attempts=\"1\"/><credentials>\n" \
  "    <credential name=\"hook_token\" type=\"env\" var=\"" TOKEN_VAR "\"/>\n" \
  "    <credential name=\"bad_token\" type=\"env\" var=\"" BAD_TOKEN_VAR "\"/>\n" \
  "    <credential name=\"hook_url\" type=\"file\" path=\"" URL_FILE "\"/>\n" \
  "  </credentials>\n"

/* With PREAMBLE the channel is on line 8, its first setting on line 9. */
#define CHANNEL_LINE "tocsin.xml:8: "
#define FIRST_SETTING_LINE "tocsin.xml:9: "
#define SECOND_SETTING_LINE "tocsin.xml:10: "

/* Secrets that must never show in a log line or a result. */
#define SECRET_HEADER "Bearer tt-header-secret-7f3a9c"
#define SECRET_HEADER_PART "tt-header-secret-7f3a9c"
#define SECRET_PATH "/hooks/tt-url-secret-4b1d"
#define SECRET_PATH_PART "tt-url-secret-4b1d"
#define SECRET_QUERY_PART "tt-query-secret-9e2f"
/* A Discord-style webhook URL's path, written literally in the config. */
#define LITERAL_TOKEN "tt-literal-token-5c8e1a7f0b3d"
#define LITERAL_PATH "/api/webhooks/123456789012345678/" LITERAL_TOKEN
/* A token with a line break: a header injection attempt. */
#define BAD_TOKEN SECRET_HEADER "\r\nX-Evil: 1"

#define JSON_CONTENT_TYPE "application/json; charset=utf-8"

typedef struct {
  char *dir;            /* a fresh folder holding tocsin.xml */
  TtHttpServer *server; /* plain HTTP */
  char *url;            /* the server's URL + "/alerts" */
} Fixture;

/* The value of the hook_url credential: a file readable by its owner only, as advised. */
static void
write_url_credential (const char *dir, const char *url)
{
  g_autofree char *text = g_strconcat (url, "\n", NULL);
  g_autofree char *path = tt_write_file (dir, URL_FILE, text);

  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = tt_make_tmpdir ();
  f->server = tt_http_server_new (FALSE);
  f->url = g_strconcat (tt_http_server_get_url (f->server), "/alerts", NULL);
  /* Every config defines the credentials, so each must resolve; a test may rewrite the file.
   * The default URL is not the server's: the core masks credential values, which would hide
   * the server's URL in every log line and error. */
  write_url_credential (f->dir, "http://unused.example.invalid/unused");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  tt_http_server_free (f->server);
  tt_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->url);
}

/* ---- helpers ----------------------------------------------------------------------------- */

/* Loads @dir/tocsin.xml with the credentials and one channel: its first setting is on line 9
 * (FIRST_SETTING_LINE). */
static TocsinManager *
load_ok (const char *dir, const char *channel_attrs, const char *settings)
{
  return tt_load_config_ok (dir, PREAMBLE, channel_attrs, settings);
}

/* A channel "hook" sending to the fixture's server, with @extra settings after <url>. */
static TocsinManager *
load_hook (Fixture *f, const char *channel_attrs, const char *extra)
{
  g_autofree char *attrs = g_strdup_printf ("key=\"hook\" type=\"webhook\" %s",
                                            channel_attrs ? channel_attrs : "");
  g_autofree char *settings = g_strdup_printf ("    <url>%s</url>\n%s", f->url,
                                               extra ? extra : "");

  return load_ok (f->dir, attrs, settings);
}

/* Loading fails with @code, and the message names @where (file:line) and contains @what. */
static char *
assert_load_fails (const char *dir, const char *settings, int code, const char *where,
                   const char *what)
{
  return tt_load_config_fails (dir, PREAMBLE, "key=\"hook\" type=\"webhook\"", settings, code,
                               where, what, NULL);
}

/* The @index-th request the server received (transfer none). */
static const TtHttpRequest *
request_at (TtHttpServer *server, guint index)
{
  g_assert_cmpuint (tt_http_server_get_n_requests (server), >, index);
  return tt_http_server_get_request (server, index);
}

/* Sends @alert once, successfully, through load_hook (@f, NULL, @extra); returns the request the
 * server received (transfer none: valid while the fixture's server lives). */
static const TtHttpRequest *
deliver_one (Fixture *f, const char *extra, TocsinAlert *alert)
{
  g_autoptr (TocsinManager) manager = load_hook (f, NULL, extra);

  tt_send_ok (manager, alert);
  return request_at (f->server, 0);
}

/* The JSON document of a request (transfer full). */
static JsonObject *
request_document (const TtHttpRequest *request)
{
  gsize length = 0;
  const char *body = tt_http_request_get_body (request, &length);

  g_assert_cmpuint (length, >, 0);
  g_assert_cmpuint (strlen (body), ==, length);
  return tt_parse_json_object (body);
}

static void
assert_string_member (JsonObject *object, const char *name, const char *expected)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_STRING);
  g_assert_cmpstr (json_node_get_string (node), ==, expected);
}

static void
assert_no_secret (const char *text, const char *const *secrets)
{
  for (guint i = 0; secrets[i] != NULL; i++)
    tt_assert_not_contains (text, secrets[i]);
}

/* ---- the JSON document ------------------------------------------------------------------- */

static void
test_document_fields (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_hook (f, NULL, NULL);
  const char *body = "/var is at 91%\n\"quoted\"\ttab \\ slash, ünïcode ✓ \x01 control";
  g_autoptr (TocsinAlert) alert = tt_make_labelled_alert ("Disk \"almost\" full", body);
  g_autoptr (JsonObject) object = NULL;
  g_autoptr (GDateTime) parsed = NULL;
  const TtHttpRequest *request;
  JsonObject *labels;
  JsonNode *level;

  tt_send_ok (manager, alert);

  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), ==, 1);
  request = request_at (f->server, 0);
  g_assert_cmpstr (tt_http_request_get_method (request), ==, "POST");
  g_assert_cmpstr (tt_http_request_get_path (request), ==, "/alerts");
  g_assert_cmpstr (tt_http_request_get_header (request, "Content-Type"), ==, JSON_CONTENT_TYPE);

  object = request_document (request);
  g_assert_cmpuint (json_object_get_size (object), ==, 8);
  assert_string_member (object, "title", "Disk \"almost\" full");
  assert_string_member (object, "body", body);
  level = json_object_get_member (object, "level");
  g_assert_nonnull (level);
  g_assert_cmpint (json_node_get_value_type (level), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_int (level), ==, 20);
  assert_string_member (object, "level_name", "warning");
  assert_string_member (object, "channel", "hook");
  assert_string_member (object, "id", tocsin_alert_get_id (alert));

  /* RFC 3339 with the offset, and exactly the alert's time. */
  g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?"
                                       "(Z|[+-]\\d\\d:\\d\\d)$",
                                       json_object_get_string_member (object, "timestamp"), 0, 0));
  parsed = g_date_time_new_from_iso8601 (json_object_get_string_member (object, "timestamp"),
                                         NULL);
  g_assert_nonnull (parsed);
  g_assert_cmpint (tt_date_time_to_usec (parsed), ==, TT_ALERT_TIME);

  labels = json_object_get_object_member (object, "labels");
  g_assert_nonnull (labels);
  g_assert_cmpuint (json_object_get_size (labels), ==, 2);
  assert_string_member (labels, "host", "db1");
  assert_string_member (labels, "service", "pg \"main\"");
}

static void
test_document_levels (Fixture *f, gconstpointer data)
{
  static const struct { TocsinLevel level; const char *name; } levels[] = {
    { TOCSIN_LEVEL_INFO, "info" },
    { TOCSIN_LEVEL_SUCCESS, "success" },
    { TOCSIN_LEVEL_WARNING, "warning" },
    { TOCSIN_LEVEL_CRITICAL, "critical" },
  };
  g_autoptr (TocsinManager) manager = load_hook (f, NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      g_autoptr (TocsinAlert) alert = tt_make_alert ("Level", NULL, levels[i].level, FALSE);
      tt_send_ok (manager, alert);
    }
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), ==, G_N_ELEMENTS (levels));
  for (gsize i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      g_autoptr (JsonObject) object = request_document (request_at (f->server, i));

      g_assert_cmpint (json_object_get_int_member (object, "level"), ==, levels[i].level);
      assert_string_member (object, "level_name", levels[i].name);
      assert_string_member (object, "title", "Level");
      assert_string_member (object, "body", "");
      g_assert_cmpuint (json_object_get_size (json_object_get_object_member (object, "labels")),
                        ==, 0);
    }
}

static void
test_document_timestamp_prefix (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Backup done", "", TOCSIN_LEVEL_SUCCESS, TRUE);
  g_autoptr (GDateTime) local = g_date_time_new_from_unix_local (TT_ALERT_TIME / G_USEC_PER_SEC);
  g_autofree char *prefix = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
  g_autofree char *expected = g_strdup_printf ("%s ::: Backup done", prefix);
  g_autoptr (JsonObject) object = request_document (deliver_one (f, NULL, alert));

  assert_string_member (object, "title", expected);
}

/* A worker thread reuses one document tree: nothing of an alert may show in the next one's. */
static void
test_document_fresh_per_alert (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_hook (f, "workers=\"1\"", NULL);
  g_autoptr (TocsinAlert) first = tt_make_labelled_alert ("First", "a body");
  g_autoptr (TocsinAlert) second = tt_make_alert ("Second", NULL, TOCSIN_LEVEL_CRITICAL, FALSE);
  g_autoptr (JsonObject) object = NULL;

  tt_send_ok (manager, first);
  tt_send_ok (manager, second);
  object = request_document (request_at (f->server, 1));
  g_assert_cmpuint (json_object_get_size (object), ==, 8);
  assert_string_member (object, "title", "Second");
  assert_string_member (object, "body", "");
  assert_string_member (object, "level_name", "critical");
  assert_string_member (object, "id", tocsin_alert_get_id (second));
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (object, "labels")), ==, 0);
}

/* Hostile input: an empty title, a 1 MB title and a 10 MB body with invalid UTF-8 in both go
 * out as one valid JSON document, repaired (U+FFFD) and whole. */
static void
test_document_huge_and_invalid (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_hook (f, "timeout=\"60\"", NULL);
  g_autoptr (GString) title = g_string_new (NULL);
  g_autoptr (GString) body = g_string_new (NULL);
  g_autoptr (TocsinAlert) empty = tt_make_alert ("", "", TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinAlert) huge = NULL;
  g_autoptr (JsonObject) first = NULL;
  g_autoptr (JsonObject) second = NULL;
  const char *got;

  for (guint i = 0; i < 1024 * 1024 / 8; i++)
    g_string_append (title, "title \xff ");
  for (guint i = 0; i < 10 * 1024 * 1024 / 16; i++)
    g_string_append (body, "body\xc3 \"q\"\n\t\x01 ");
  huge = tt_make_alert (title->str, body->str, TOCSIN_LEVEL_CRITICAL, FALSE);
  tt_send_ok (manager, empty);
  tt_send_ok (manager, huge);
  first = request_document (request_at (f->server, 0));
  assert_string_member (first, "title", "");
  assert_string_member (first, "body", "");
  second = request_document (request_at (f->server, 1));
  got = json_object_get_string_member (second, "body");
  g_assert_true (g_utf8_validate (got, -1, NULL));
  /* Each invalid byte (one per 13-byte piece) became U+FFFD, three bytes: nothing was lost. */
  g_assert_cmpuint (strlen (got), ==, body->len + 2 * (10 * 1024 * 1024 / 16));
  g_assert_true (g_str_has_prefix (got, "body\xef\xbf\xbd \"q\"\n\t\x01 "));
  got = json_object_get_string_member (second, "title");
  g_assert_true (g_utf8_validate (got, -1, NULL));
  /* One character per byte sent: the invalid byte is one U+FFFD. */
  g_assert_cmpint (g_utf8_strlen (got, -1), ==, (glong) title->len);
}

/* ---- method and headers ------------------------------------------------------------------ */

static void
test_method_post_default (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", "y", TOCSIN_LEVEL_INFO, FALSE);
  const TtHttpRequest *request = deliver_one (f, NULL, alert);
  g_autoptr (JsonObject) object = request_document (request);

  g_assert_cmpstr (tt_http_request_get_method (request), ==, "POST");
  assert_string_member (object, "body", "y");
}

static void
test_method_post_explicit (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", "y", TOCSIN_LEVEL_INFO, FALSE);
  const TtHttpRequest *request = deliver_one (f, "    <method>POST</method>\n", alert);

  g_assert_cmpstr (tt_http_request_get_method (request), ==, "POST");
}

static void
test_method_put (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", "put body", TOCSIN_LEVEL_INFO, FALSE);
  const TtHttpRequest *request = deliver_one (f, "    <method>PUT</method>\n", alert);
  g_autoptr (JsonObject) object = NULL;

  g_assert_cmpstr (tt_http_request_get_method (request), ==, "PUT");
  g_assert_cmpstr (tt_http_request_get_path (request), ==, "/alerts");
  g_assert_cmpstr (tt_http_request_get_header (request, "Content-Type"), ==, JSON_CONTENT_TYPE);
  g_assert_cmpstr (tt_http_request_get_header (request, "Idempotency-Key"), ==,
                   tocsin_alert_get_id (alert));
  object = request_document (request);
  assert_string_member (object, "body", "put body");
}

static void
test_header_literal (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  const TtHttpRequest *request =
    deliver_one (f, "    <header name=\"X-Env\">prod</header>\n"
                    "    <header name=\"X-Team\">ops  team; a=b</header>\n"
                    "    <header name=\"Accept\">application/json</header>\n", alert);

  g_assert_cmpstr (tt_http_request_get_header (request, "X-Env"), ==, "prod");
  g_assert_cmpstr (tt_http_request_get_header (request, "X-Team"), ==, "ops  team; a=b");
  g_assert_cmpstr (tt_http_request_get_header (request, "Accept"), ==, "application/json");
  g_assert_cmpstr (tt_http_request_get_header (request, "Content-Type"), ==, JSON_CONTENT_TYPE);
}

static void
test_header_credential (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  const TtHttpRequest *request =
    deliver_one (f, "    <header name=\"Authorization\" credential=\"hook_token\"/>\n"
                    "    <header name=\"X-Env\">prod</header>\n", alert);

  g_assert_cmpstr (tt_http_request_get_header (request, "Authorization"), ==, SECRET_HEADER);
  g_assert_cmpstr (tt_http_request_get_header (request, "X-Env"), ==, "prod");
}

/* A credential-looking header written literally still works, with a warning naming the line;
 * its value stays out of the log. */
static void
test_header_literal_secret (Fixture *f, gconstpointer data)
{
  static const char *const secrets[] = { "literal-tok-5d2e", NULL };
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;
  g_autofree char *log = NULL;

  tt_log_capture_start ();
  manager = load_hook (f, NULL, "    <header name=\"X-Api-Key\">literal-tok-5d2e</header>\n"
                                "    <header name=\"X-Env\">prod</header>\n");
  tt_send_ok (manager, alert);
  tt_http_server_push_response (f->server, 403, NULL, "bad key literal-tok-5d2e");
  result = tt_send_one (manager, alert);
  g_clear_pointer (&manager, tocsin_manager_unref);
  log = tt_log_capture_stop_no_secret (secrets[0], NULL);

  g_assert_cmpstr (tt_http_request_get_header (request_at (f->server, 0), "X-Api-Key"), ==,
                   "literal-tok-5d2e");
  g_assert_nonnull (strstr (log, "WARNING [hook] " ));
  g_assert_nonnull (strstr (log, "tocsin.xml:10: webhook: <header name=\"X-Api-Key\"> looks like "
                                 "a credential"));
  g_assert_null (strstr (log, "<header name=\"X-Env\"> looks like"));
  tt_assert_failed_with (result, "HTTP 403", FALSE);
  assert_no_secret (tocsin_result_get_error (result), secrets);
}

/* The same alert sent twice carries the same key, which is the alert's id; another alert
 * carries another. */
static void
test_header_idempotency_key (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_hook (f, NULL, NULL);
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinAlert) other = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  const char *id = tocsin_alert_get_id (alert);

  g_assert_cmpuint (strlen (id), ==, 36);
  tt_send_ok (manager, alert);
  tt_send_ok (manager, alert);
  tt_send_ok (manager, other);
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), ==, 3);
  g_assert_cmpstr (tt_http_request_get_header (request_at (f->server, 0), "Idempotency-Key"), ==,
                   id);
  g_assert_cmpstr (tt_http_request_get_header (request_at (f->server, 1), "Idempotency-Key"), ==,
                   id);
  g_assert_cmpstr (tt_http_request_get_header (request_at (f->server, 2), "Idempotency-Key"), ==,
                   tocsin_alert_get_id (other));
  g_assert_cmpstr (tocsin_alert_get_id (other), !=, id);
}

/* The key survives a failed attempt: the retry of a 503 carries the same one. */
static void
test_header_idempotency_retry (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_hook (f, NULL, NULL);
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) first = NULL;

  tt_http_server_push_response (f->server, 503, NULL, "busy");
  first = tt_send_one (manager, alert);
  tt_assert_failed_with (first, "HTTP 503", TRUE);
  tt_send_ok (manager, alert);
  g_assert_cmpstr (tt_http_request_get_header (request_at (f->server, 0), "Idempotency-Key"), ==,
                   tocsin_alert_get_id (alert));
  g_assert_cmpstr (tt_http_request_get_header (request_at (f->server, 1), "Idempotency-Key"), ==,
                   tocsin_alert_get_id (alert));
}

/* An id set by the application that a header cannot carry is percent-encoded; the document
 * keeps it as it is. */
static void
test_header_idempotency_custom_id (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("x");
  g_autoptr (TocsinAlert) alert = NULL;
  g_autoptr (JsonObject) object = NULL;
  const TtHttpRequest *request;

  tocsin_alert_builder_set_id (builder, "job 7\r\nX-Evil: 1");
  alert = tocsin_alert_builder_build (builder);
  request = deliver_one (f, NULL, alert);
  g_assert_cmpstr (tt_http_request_get_header (request, "Idempotency-Key"), ==,
                   "job%207%0D%0AX-Evil%3A%201");
  g_assert_null (tt_http_request_get_header (request, "X-Evil"));
  object = request_document (request);
  assert_string_member (object, "id", "job 7\r\nX-Evil: 1");
}

/* ---- secrets ----------------------------------------------------------------------------- */

/* A header value from a credential shows in no log line (debug included) and no result error,
 * even when the server echoes it back in an error body. */
static void
test_secret_header_value (Fixture *f, gconstpointer data)
{
  static const char *const secrets[] = { SECRET_HEADER_PART, NULL };
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) unauthorized = NULL;
  g_autoptr (TocsinResult) failed = NULL;
  g_autofree char *log = NULL;

  tt_log_capture_start ();
  manager = load_hook (f, NULL,
                       "    <header name=\"Authorization\" credential=\"hook_token\"/>\n");
  tt_send_ok (manager, alert);
  tt_http_server_push_response (f->server, 401, NULL, "token " SECRET_HEADER " is not valid");
  unauthorized = tt_send_one (manager, alert);
  tt_http_server_push_response (f->server, 500, "X-Echo: " SECRET_HEADER,
                                "{\"error\":\"" SECRET_HEADER_PART "\"}");
  failed = tt_send_one (manager, alert);
  g_clear_pointer (&manager, tocsin_manager_unref);
  log = tt_log_capture_stop_no_secret (secrets[0], NULL);

  tt_assert_failed_with (unauthorized, "HTTP 401", FALSE);
  tt_assert_failed_with (failed, "HTTP 500", TRUE);
  g_assert_cmpstr (tt_http_request_get_header (request_at (f->server, 0), "Authorization"), ==,
                   SECRET_HEADER);
  g_assert_nonnull (strstr (log, "Authorization"));
  assert_no_secret (tocsin_result_get_error (unauthorized), secrets);
  assert_no_secret (tocsin_result_get_error (failed), secrets);
}

/* A URL from a credential (token in the path and the query) shows in no log line and no result
 * error: not after a success, an HTTP error echoing it, or a transport error. */
static void
test_secret_url_token (Fixture *f, gconstpointer data)
{
  static const char *const secrets[] = { SECRET_PATH_PART, SECRET_QUERY_PART, NULL };
  g_autoptr (TtHttpServer) closed = tt_http_server_new (FALSE);
  g_autofree char *secret_url = g_strdup_printf ("%s" SECRET_PATH "?sig=" SECRET_QUERY_PART,
                                                 tt_http_server_get_url (f->server));
  g_autofree char *dead_url = g_strdup_printf ("%s" SECRET_PATH "?sig=" SECRET_QUERY_PART,
                                               tt_http_server_get_url (closed));
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinManager) dead = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) echoed = NULL;
  g_autoptr (TocsinResult) refused = NULL;
  g_autofree char *body = NULL;
  g_autofree char *log = NULL;

  /* A port nobody listens on any more: connection refused. */
  g_clear_pointer (&closed, tt_http_server_free);
  tt_log_capture_start ();
  write_url_credential (f->dir, secret_url);
  manager = load_ok (f->dir, "key=\"hook\" type=\"webhook\"",
                     "    <url credential=\"hook_url\"/>\n");
  tt_send_ok (manager, alert);
  g_assert_cmpstr (tt_http_request_get_path (request_at (f->server, 0)), ==,
                   SECRET_PATH "?sig=" SECRET_QUERY_PART);
  body = g_strdup_printf ("no hook at %s (path " SECRET_PATH "?sig=" SECRET_QUERY_PART ")",
                          secret_url);
  tt_http_server_push_response (f->server, 404, NULL, body);
  echoed = tt_send_one (manager, alert);
  g_clear_pointer (&manager, tocsin_manager_unref);

  write_url_credential (f->dir, dead_url);
  dead = load_ok (f->dir, "key=\"hook\" type=\"webhook\"", "    <url credential=\"hook_url\"/>\n");
  refused = tt_send_one (dead, alert);
  g_clear_pointer (&dead, tocsin_manager_unref);
  log = tt_log_capture_stop_no_secret (secrets[0], secrets[1], NULL);

  tt_assert_failed_with (echoed, "HTTP 404", FALSE);
  tt_assert_failed_with (refused, NULL, TRUE);
  g_assert_nonnull (strstr (log, "webhook"));
  assert_no_secret (tocsin_result_get_error (echoed), secrets);
  assert_no_secret (tocsin_result_get_error (refused), secrets);
}

/* A URL written literally in the config, Discord-style with the token as its last segment:
 * the token shows in no log line and no result error, not after an HTTP error whose page echoes
 * the URL, the path or the token alone, nor after a transport error. */
static void
test_secret_url_literal (Fixture *f, gconstpointer data)
{
  static const char *const secrets[] = { LITERAL_TOKEN, NULL };
  g_autoptr (TtHttpServer) closed = tt_http_server_new (FALSE);
  g_autofree char *url = g_strconcat (tt_http_server_get_url (f->server), LITERAL_PATH, NULL);
  g_autofree char *dead_url = g_strconcat (tt_http_server_get_url (closed), LITERAL_PATH, NULL);
  g_autofree char *settings = g_strdup_printf ("    <url>%s</url>\n", url);
  g_autofree char *dead_settings = g_strdup_printf ("    <url>%s</url>\n", dead_url);
  g_autofree char *body = g_strdup_printf ("Unknown Webhook %s (" LITERAL_PATH ", token "
                                           LITERAL_TOKEN ")", url);
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinManager) dead = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) unknown = NULL;
  g_autoptr (TocsinResult) refused = NULL;
  g_autofree char *log = NULL;

  /* A port nobody listens on any more: connection refused. */
  g_clear_pointer (&closed, tt_http_server_free);
  tt_log_capture_start ();
  manager = load_ok (f->dir, "key=\"hook\" type=\"webhook\"", settings);
  tt_http_server_push_response (f->server, 404, NULL, body);
  unknown = tt_send_one (manager, alert);
  g_clear_pointer (&manager, tocsin_manager_unref);
  dead = load_ok (f->dir, "key=\"hook\" type=\"webhook\"", dead_settings);
  refused = tt_send_one (dead, alert);
  g_clear_pointer (&dead, tocsin_manager_unref);
  log = tt_log_capture_stop_no_secret (secrets[0], NULL);

  g_assert_cmpstr (tt_http_request_get_path (request_at (f->server, 0)), ==, LITERAL_PATH);
  tt_assert_failed_with (unknown, "HTTP 404", FALSE);
  tt_assert_failed_with (unknown, tt_http_server_get_url (f->server), FALSE);
  tt_assert_failed_with (refused, "webhook: POST", TRUE);
  g_assert_nonnull (strstr (log, "webhook"));
  assert_no_secret (tocsin_result_get_error (unknown), secrets);
  assert_no_secret (tocsin_result_get_error (refused), secrets);
}

/* An invalid URL from a credential is refused without quoting it. */
static void
test_secret_url_invalid (Fixture *f, gconstpointer data)
{
  static const char *const secrets[] = { SECRET_PATH_PART, NULL };
  g_autofree char *message = NULL;

  write_url_credential (f->dir, "ftp://127.0.0.1" SECRET_PATH);
  message = assert_load_fails (f->dir, "    <url credential=\"hook_url\"/>\n",
                               TOCSIN_ERROR_INVALID_VALUE, FIRST_SETTING_LINE, "not shown");
  assert_no_secret (message, secrets);
  g_assert_nonnull (strstr (message, "ftp"));
}

/* ---- invalid settings -------------------------------------------------------------------- */

/* A channel "hook" whose settings are refused, and what the message says. */
typedef struct {
  const char *settings; /* "@URL@" stands for the fixture's server URL */
  int code;
  const char *where;    /* the file:line at fault */
  const char *what;
  const char *also;     /* (nullable) another part of the message */
  const char *never[3]; /* what the message must not quote (NULL-terminated) */
} RefusedSetting;

static const RefusedSetting refused_missing_url = {
  "    <method>POST</method>\n", TOCSIN_ERROR_MISSING_SETTING, CHANNEL_LINE, "url"
};
static const RefusedSetting refused_url_scheme = {
  "    <url>ftp://files.example.org/alerts</url>\n", TOCSIN_ERROR_INVALID_VALUE,
  FIRST_SETTING_LINE, "'ftp'", "http"
};
static const RefusedSetting refused_url_empty = {
  "    <url>  </url>\n", TOCSIN_ERROR_MISSING_SETTING, FIRST_SETTING_LINE, "<url>"
};
static const RefusedSetting refused_method_unknown = {
  "    <url>@URL@</url>\n    <method>GET</method>\n", TOCSIN_ERROR_INVALID_VALUE,
  SECOND_SETTING_LINE, "GET", "POST"
};
static const RefusedSetting refused_header_no_name = {
  "    <header>value</header>\n    <url>@URL@</url>\n", TOCSIN_ERROR_CONFIG_INVALID,
  FIRST_SETTING_LINE, "name="
};
static const RefusedSetting refused_header_newline = {
  "    <header name=\"X-Env\">prod&#10;X-Evil: 1</header>\n    <url>@URL@</url>\n",
  TOCSIN_ERROR_INVALID_VALUE, FIRST_SETTING_LINE, "line break", NULL, { "X-Evil", NULL }
};
static const RefusedSetting refused_header_newline_credential = {
  "    <header name=\"Authorization\" credential=\"bad_token\"/>\n    <url>@URL@</url>\n",
  TOCSIN_ERROR_INVALID_VALUE, FIRST_SETTING_LINE, "from a credential, not shown", NULL,
  { SECRET_HEADER_PART, "X-Evil", NULL }
};
static const RefusedSetting refused_header_empty = {
  "    <header name=\"X-Env\"/>\n    <url>@URL@</url>\n", TOCSIN_ERROR_INVALID_VALUE,
  FIRST_SETTING_LINE, "no value"
};

static void
test_setting_refused (Fixture *f, gconstpointer data)
{
  const RefusedSetting *c = data;
  g_autoptr (GString) settings = g_string_new (c->settings);
  g_autofree char *message = NULL;

  g_string_replace (settings, "@URL@", f->url, 0);
  message = assert_load_fails (f->dir, settings->str, c->code, c->where, c->what);
  if (c->also != NULL)
    tt_assert_contains (message, c->also);
  assert_no_secret (message, c->never);
}

static void
test_setting_url_unparsable (Fixture *f, gconstpointer data)
{
  static const char *const bad[] = {
    "    <url>http://[::1/alerts</url>\n",
    "    <url>receiver.example.org/alerts</url>\n",
    "    <url>http:///alerts</url>\n",
    "    <url>http://example.org/a b</url>\n",
    "    <url>https://example.org:99999999/</url>\n",
    NULL,
  };

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autofree char *message = assert_load_fails (f->dir, bad[i], TOCSIN_ERROR_INVALID_VALUE,
                                                    FIRST_SETTING_LINE, "<url>");
    }
}

static void
test_setting_header_owned (Fixture *f, gconstpointer data)
{
  static const char *const owned[] = {
    "Content-Type", "content-length", "Idempotency-Key", "IDEMPOTENCY-KEY", "Host",
    "Transfer-Encoding", NULL
  };

  for (guint i = 0; owned[i] != NULL; i++)
    {
      g_autofree char *settings = g_strdup_printf ("    <header name=\"%s\">x</header>\n"
                                                   "    <url>%s</url>\n", owned[i], f->url);
      g_autofree char *message = assert_load_fails (f->dir, settings, TOCSIN_ERROR_INVALID_VALUE,
                                                    FIRST_SETTING_LINE, owned[i]);
      g_assert_nonnull (strstr (message, "sets this header itself"));
    }
}

static void
test_setting_header_bad_name (Fixture *f, gconstpointer data)
{
  static const char *const bad[] = { "X Team", "X-Team:", "X(Team)", "Ünï", "X\"Q", NULL };

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autofree char *escaped = g_markup_escape_text (bad[i], -1);
      g_autofree char *settings = g_strdup_printf ("    <header name=\"%s\">x</header>\n"
                                                   "    <url>%s</url>\n", escaped, f->url);
      g_autofree char *message = assert_load_fails (f->dir, settings, TOCSIN_ERROR_INVALID_VALUE,
                                                    FIRST_SETTING_LINE, "not a valid HTTP header name");
    }
}

/* ---- status mapping ---------------------------------------------------------------------- */

typedef struct {
  guint status;
  const char *headers;
  gboolean success;
  gboolean retryable;
  double retry_after;
} StatusCase;

static const StatusCase status_cases[] = {
  { 200, NULL, TRUE, FALSE, 0 },
  { 201, NULL, TRUE, FALSE, 0 },
  { 204, NULL, TRUE, FALSE, 0 },
  { 400, NULL, FALSE, FALSE, 0 },
  { 404, NULL, FALSE, FALSE, 0 },
  { 500, NULL, FALSE, TRUE, 0 },
  { 503, NULL, FALSE, TRUE, 0 },
  { 429, "Retry-After: 7", FALSE, TRUE, 7 },
};

static void
test_status (Fixture *f, gconstpointer data)
{
  const StatusCase *c = data;
  g_autoptr (TocsinManager) manager = load_hook (f, NULL, NULL);
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;
  g_autofree char *status = g_strdup_printf ("HTTP %u", c->status);

  tt_http_server_push_response (f->server, c->status, c->headers,
                                c->status == 204 ? NULL : "receiver says hello");
  result = tt_send_one (manager, alert);
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), ==, 1);
  if (c->success)
    {
      g_assert_cmpstr (tocsin_result_get_error (result), ==, NULL);
      g_assert_true (tocsin_result_get_success (result));
      return;
    }
  tt_assert_failed_with (result, status, c->retryable);
  g_assert_nonnull (strstr (tocsin_result_get_error (result), "receiver says hello"));
  g_assert_nonnull (strstr (tocsin_result_get_error (result), "webhook"));
  g_assert_cmpfloat (tocsin_result_get_retry_after (result), ==, c->retry_after);
}

/* ---- transport failures ------------------------------------------------------------------ */

/* A server that never answers: the delivery gives up after the channel's timeout. */
static void
test_transport_hang (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_hook (f, "timeout=\"1\"", NULL);
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  tt_http_server_push (f->server, TT_HTTP_HANG, 0, 200, NULL, NULL);
  result = tt_send_one (manager, alert);
  elapsed = g_get_monotonic_time () - start;
  tt_assert_failed_with (result, "timed out", TRUE);
  g_assert_cmpint (elapsed, >=, G_USEC_PER_SEC * 9 / 10);
  g_assert_cmpint (elapsed, <, 10 * G_USEC_PER_SEC);
  g_clear_pointer (&manager, tocsin_manager_unref);
  tt_http_server_release_hung (f->server);
}

static void
test_transport_close_mid_response (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_hook (f, NULL, NULL);
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;

  tt_http_server_push (f->server, TT_HTTP_CLOSE_MID_RESPONSE, 0, 200, NULL, "{\"id\":");
  result = tt_send_one (manager, alert);
  tt_assert_failed_with (result, "webhook", TRUE);
  g_assert_null (tocsin_result_get_message_id (result));
  /* The channel recovers on a fresh connection. */
  tt_send_ok (manager, alert);
}

static void
test_transport_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (TtHttpServer) gone = tt_http_server_new (FALSE);
  g_autofree char *url = g_strconcat (tt_http_server_get_url (gone), "/alerts", NULL);
  g_autofree char *settings = g_strdup_printf ("    <url>%s</url>\n", url);
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;

  g_clear_pointer (&gone, tt_http_server_free);
  manager = load_ok (f->dir, "key=\"hook\" type=\"webhook\"", settings);
  result = tt_send_one (manager, alert);
  tt_assert_failed_with (result, "webhook: POST", TRUE);
}

/* ---- TLS --------------------------------------------------------------------------------- */

static void
test_tls_untrusted (Fixture *f, gconstpointer data)
{
  g_autoptr (TtHttpServer) tls = tt_http_server_new (TRUE);
  g_autofree char *settings = g_strdup_printf ("    <url>%s/alerts</url>\n",
                                               tt_http_server_get_url (tls));
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"hook\" type=\"webhook\"", settings);
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = tt_send_one (manager, alert);

  g_assert_true (g_str_has_prefix (tt_http_server_get_url (tls), "https://"));
  tt_assert_failed_with (result, "certificate", FALSE);
  g_assert_cmpuint (tt_http_server_get_n_requests (tls), ==, 0);
}

static void
test_tls_ca_file (Fixture *f, gconstpointer data)
{
  g_autoptr (TtHttpServer) tls = tt_http_server_new (TRUE);
  g_autofree char *settings = g_strdup_printf ("    <url>%s/alerts</url>\n"
                                               "    <ca-file>%s</ca-file>\n",
                                               tt_http_server_get_url (tls),
                                               tt_http_server_get_ca_file (tls));
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"hook\" type=\"webhook\"", settings);
  g_autoptr (TocsinAlert) alert = tt_make_alert ("over TLS", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (JsonObject) object = NULL;

  tt_send_ok (manager, alert);
  g_assert_cmpuint (tt_http_server_get_n_requests (tls), ==, 1);
  object = request_document (tt_http_server_get_request (tls, 0));
  assert_string_member (object, "title", "over TLS");
  g_assert_cmpstr (tt_http_request_get_header (tt_http_server_get_request (tls, 0),
                                               "Idempotency-Key"), ==, tocsin_alert_get_id (alert));
}

/* tls-verify="false" reaches an untrusted server, with a warning when the channel is created. */
static void
test_tls_verify_off (Fixture *f, gconstpointer data)
{
  g_autoptr (TtHttpServer) tls = tt_http_server_new (TRUE);
  g_autofree char *settings = g_strdup_printf ("    <url>%s/alerts</url>\n"
                                               "    <tls-verify>false</tls-verify>\n",
                                               tt_http_server_get_url (tls));
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autofree char *log = NULL;

  tt_log_capture_start ();
  manager = load_ok (f->dir, "key=\"hook\" type=\"webhook\"", settings);
  tt_send_ok (manager, alert);
  tt_send_ok (manager, alert);
  log = tt_log_capture_stop ();
  g_test_message ("log:\n%s", log);
  g_assert_cmpuint (tt_http_server_get_n_requests (tls), ==, 2);
  g_assert_nonnull (strstr (log, "WARNING [hook] channel 'hook': tls-verify is false"));
}

/* ---- connection reuse -------------------------------------------------------------------- */

#define REUSE_ALERTS 200

static void
test_connections_reuse (Fixture *f, gconstpointer data)
{
  guint workers = GPOINTER_TO_UINT (data);
  g_autofree char *attrs = g_strdup_printf ("workers=\"%u\"", workers);
  g_autoptr (TocsinManager) manager = load_hook (f, attrs, NULL);
  g_autoptr (GPtrArray) alerts = tt_alert_array_new ();
  g_autoptr (GPtrArray) results = NULL;

  for (guint i = 0; i < REUSE_ALERTS; i++)
    g_ptr_array_add (alerts, tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE));
  /* Twice, so the second round runs on connections the first one left open. */
  for (guint round = 0; round < 2; round++)
    {
      results = tocsin_manager_send_many (manager, (TocsinAlert *const *) alerts->pdata,
                                          alerts->len, NULL);
      g_assert_cmpuint (results->len, ==, REUSE_ALERTS);
      for (guint i = 0; i < results->len; i++)
        g_assert_true (tocsin_result_get_success (g_ptr_array_index (results, i)));
      g_clear_pointer (&results, g_ptr_array_unref);
    }
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), ==, 2 * REUSE_ALERTS);
  g_test_message ("%u workers: %u connections", workers,
                  tt_http_server_get_n_connections (f->server));
  g_assert_cmpuint (tt_http_server_get_n_connections (f->server), >=, 1);
  g_assert_cmpuint (tt_http_server_get_n_connections (f->server), <=, workers);
}

/* ---- message id -------------------------------------------------------------------------- */

typedef struct {
  const char *headers;
  const char *body;
  const char *expected; /* NULL: no message id */
} MessageIdCase;

static const MessageIdCase message_id_json = {
  "Content-Type: application/json", "{\"id\":\"msg-42\",\"status\":\"queued\"}", "msg-42"
};
static const MessageIdCase message_id_number = { NULL, "{\"id\": 4711}", "4711" };
static const MessageIdCase message_id_location = {
  "Location: https://receiver.example.org/alerts/77", "created", "https://receiver.example.org/alerts/77"
};
static const MessageIdCase message_id_json_first = {
  "Location: /alerts/77", "{\"id\":\"msg-43\"}", "msg-43"
};
static const MessageIdCase message_id_none = { NULL, "ok", NULL };
static const MessageIdCase message_id_not_text = { NULL, "{\"id\":{\"a\":1}}", NULL };

static void
test_message_id (Fixture *f, gconstpointer data)
{
  const MessageIdCase *c = data;
  g_autoptr (TocsinManager) manager = load_hook (f, NULL, NULL);
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;

  tt_http_server_push_response (f->server, 201, c->headers, c->body);
  result = tt_send_one (manager, alert);
  g_assert_true (tocsin_result_get_success (result));
  g_assert_cmpstr (tocsin_result_get_message_id (result), ==, c->expected);
}

/* ---- main -------------------------------------------------------------------------------- */

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
#define ADD_DATA(path, data, func) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  tt_init (&argc, &argv);
  /* Before any thread starts: setenv is not thread-safe. */
  g_setenv (TOKEN_VAR, SECRET_HEADER, TRUE);
  g_setenv (BAD_TOKEN_VAR, BAD_TOKEN, TRUE);

  ADD ("/webhook/document/fields", test_document_fields);
  ADD ("/webhook/document/levels", test_document_levels);
  ADD ("/webhook/document/timestamp-prefix", test_document_timestamp_prefix);
  ADD ("/webhook/document/fresh-per-alert", test_document_fresh_per_alert);
  ADD ("/webhook/document/huge-and-invalid", test_document_huge_and_invalid);

  ADD ("/webhook/method/post-default", test_method_post_default);
  ADD ("/webhook/method/post-explicit", test_method_post_explicit);
  ADD ("/webhook/method/put", test_method_put);

  ADD ("/webhook/header/literal-values", test_header_literal);
  ADD ("/webhook/header/credential", test_header_credential);
  ADD ("/webhook/header/literal-secret", test_header_literal_secret);
  ADD ("/webhook/header/idempotency-key", test_header_idempotency_key);
  ADD ("/webhook/header/idempotency-retry", test_header_idempotency_retry);
  ADD ("/webhook/header/idempotency-custom-id", test_header_idempotency_custom_id);

  ADD ("/webhook/secret/header-value", test_secret_header_value);
  ADD ("/webhook/secret/url-token", test_secret_url_token);
  ADD ("/webhook/secret/url-invalid", test_secret_url_invalid);
  ADD ("/webhook/secret/url-literal", test_secret_url_literal);

  ADD_DATA ("/webhook/setting/missing-url", &refused_missing_url, test_setting_refused);
  ADD_DATA ("/webhook/setting/url-scheme", &refused_url_scheme, test_setting_refused);
  ADD ("/webhook/setting/url-unparsable", test_setting_url_unparsable);
  ADD_DATA ("/webhook/setting/url-empty", &refused_url_empty, test_setting_refused);
  ADD_DATA ("/webhook/setting/method-unknown", &refused_method_unknown, test_setting_refused);
  ADD_DATA ("/webhook/setting/header-no-name", &refused_header_no_name, test_setting_refused);
  ADD ("/webhook/setting/header-owned", test_setting_header_owned);
  ADD ("/webhook/setting/header-bad-name", test_setting_header_bad_name);
  ADD_DATA ("/webhook/setting/header-newline-literal", &refused_header_newline,
            test_setting_refused);
  ADD_DATA ("/webhook/setting/header-newline-credential", &refused_header_newline_credential,
            test_setting_refused);
  ADD_DATA ("/webhook/setting/header-empty", &refused_header_empty, test_setting_refused);

  for (gsize i = 0; i < G_N_ELEMENTS (status_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/webhook/status/http-%u", status_cases[i].status);
      ADD_DATA (path, &status_cases[i], test_status);
    }

  ADD ("/webhook/transport/hang", test_transport_hang);
  ADD ("/webhook/transport/close-mid-response", test_transport_close_mid_response);
  ADD ("/webhook/transport/refused", test_transport_refused);

  ADD ("/webhook/tls/untrusted", test_tls_untrusted);
  ADD ("/webhook/tls/ca-file", test_tls_ca_file);
  ADD ("/webhook/tls/verify-off", test_tls_verify_off);

  ADD_DATA ("/webhook/connections/workers-1", GUINT_TO_POINTER (1), test_connections_reuse);
  ADD_DATA ("/webhook/connections/workers-4", GUINT_TO_POINTER (4), test_connections_reuse);

  ADD_DATA ("/webhook/message-id/json-string", &message_id_json, test_message_id);
  ADD_DATA ("/webhook/message-id/json-number", &message_id_number, test_message_id);
  ADD_DATA ("/webhook/message-id/location", &message_id_location, test_message_id);
  ADD_DATA ("/webhook/message-id/json-before-location", &message_id_json_first, test_message_id);
  ADD_DATA ("/webhook/message-id/none", &message_id_none, test_message_id);
  ADD_DATA ("/webhook/message-id/not-text", &message_id_not_text, test_message_id);

  return g_test_run ();
}
