/* test-http.c: the core's HTTP layer (tocsin-http.h) against real loopback HTTP, HTTPS and HTTP/2
 * servers: outcome mapping, Retry-After, transport failures, TLS, connection reuse, secrets.
 *
 * The layer is driven the way a plugin drives it: through an in-test channel class ("httptest")
 * whose send posts the alert's body, run by a TocsinManager, so results are real TocsinResults.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"
#include "httpserver.h"

#include <tocsin/tocsin-plugin.h>
#include <string.h>
#ifdef __linux__
#include <signal.h>
#include <sys/prctl.h>
#endif

/* ---- the "httptest" channel class ---------------------------------------------------------- */

static const TocsinSettingSpec httptest_settings[] = {
  TOCSIN_HTTP_SETTINGS,
  { "url", TOCSIN_SETTING_STRING, TOCSIN_SETTING_REQUIRED, NULL, "where to send" },
  { "method", TOCSIN_SETTING_STRING, 0, "POST", "POST or PUT" },
  { "token", TOCSIN_SETTING_STRING, TOCSIN_SETTING_SECRET, NULL, "bearer token" },
  { "agent", TOCSIN_SETTING_STRING, 0, NULL, "a User-Agent of the channel's own" },
  { NULL }
};

typedef struct
{
  TocsinHttpClient *client;
  char *url;
  char *method;
  char *token; /* (nullable) */
  char *agent; /* (nullable) */
} HttpTest;

/* What the last send saw of its response, for the tests to check. */
static GMutex last_lock;
static guint last_status;
static gsize last_body_length;

static gpointer
httptest_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  TocsinHttpClient *client = tocsin_http_client_new (ctx, config, error);
  HttpTest *self;

  if (client == NULL)
    return NULL;
  self = g_new0 (HttpTest, 1);
  self->client = client;
  self->url = g_strdup (tocsin_config_node_get_string (config, "url"));
  self->method = g_strdup (tocsin_config_node_get_string (config, "method"));
  self->token = g_strdup (tocsin_config_node_get_string (config, "token"));
  self->agent = g_strdup (tocsin_config_node_get_string (config, "agent"));
  return self;
}

static gboolean
httptest_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  HttpTest *self = instance;
  g_autoptr (TocsinHttpRequest) request = tocsin_http_request_new (self->method, self->url);
  g_autoptr (TocsinHttpResponse) response = NULL;
  gboolean ok;

  tocsin_http_request_add_header (request, "X-Tocsin-Test", tocsin_alert_get_title (alert));
  if (self->token)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", self->token, NULL);
      tocsin_http_request_add_header (request, "Authorization", bearer);
    }
  if (self->agent)
    tocsin_http_request_add_header (request, "user-agent", self->agent);
  tocsin_http_request_set_body (request, "text/plain", tocsin_alert_get_body (alert), -1);
  ok = tocsin_http_client_send (self->client, request, result, &response, error);
  g_mutex_lock (&last_lock);
  last_status = response ? tocsin_http_response_get_status (response) : 0;
  if (response)
    tocsin_http_response_get_body (response, &last_body_length);
  else
    last_body_length = 0;
  g_mutex_unlock (&last_lock);
  return ok;
}

static void
httptest_destroy (gpointer instance)
{
  HttpTest *self = instance;

  tocsin_http_client_free (self->client);
  g_free (self->url);
  g_free (self->method);
  g_free (self->token);
  g_free (self->agent);
  g_free (self);
}

static const TocsinChannelClass httptest_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .flags = TOCSIN_CHANNEL_CLASS_THREAD_SAFE,
  .type_name = "httptest",
  .description = "posts the alert body to a URL (test-http)",
  .settings = httptest_settings,
  .create = httptest_create,
  .send = httptest_send,
  .destroy = httptest_destroy,
};

/* ---- helpers ------------------------------------------------------------------------------- */

/* A manager with one "httptest" channel "h" sending to @url; then name/value pairs, NULL-ended:
 * "workers" and "timeout" go to the spec, "token" is added as a secret, the rest as settings. */
static TocsinManager *
manager_for (const char *url, ...)
{
  g_autoptr (TocsinManager) manager = tocsin_manager_new ();
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("h", "httptest");
  g_autoptr (GError) error = NULL;
  const char *name;
  va_list args;

  tocsin_channel_spec_add_setting (spec, "url", url);
  /* One attempt: the tests count requests; retries have tests of their own. */
  tocsin_channel_spec_set_retry (spec, 1, 1, 1);
  va_start (args, url);
  while ((name = va_arg (args, const char *)) != NULL)
    {
      const char *value = va_arg (args, const char *);
      if (strcmp (name, "workers") == 0)
        tocsin_channel_spec_set_workers (spec, (guint) g_ascii_strtoull (value, NULL, 10));
      else if (strcmp (name, "timeout") == 0)
        tocsin_channel_spec_set_timeout (spec, g_ascii_strtod (value, NULL));
      else if (strcmp (name, "token") == 0)
        tocsin_channel_spec_add_secret_setting (spec, name, value);
      else
        tocsin_channel_spec_add_setting (spec, name, value);
    }
  va_end (args);
  g_assert_true (tocsin_manager_add_channel (manager, spec, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&manager);
}

/* A manager on the manual clock @clock with one "httptest" channel "h" to @url, retrying
 * (@attempts attempts, backoff 1 to 2 s). */
static TocsinManager *
retrying_manager_for (const char *url, TocsinClock *clock, guint attempts)
{
  TocsinManager *manager = tocsin_manager_new_with_clock (clock);
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("h", "httptest");
  g_autoptr (GError) error = NULL;

  tocsin_channel_spec_add_setting (spec, "url", url);
  tocsin_channel_spec_set_retry (spec, attempts, 1, 2);
  g_assert_true (tocsin_manager_add_channel (manager, spec, &error));
  g_assert_no_error (error);
  return manager;
}

/* Sends one alert with @body to the manager's only channel; returns its result. */
static TocsinResult *
send_body (TocsinManager *manager, const char *body)
{
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("test-alert", body, TOCSIN_LEVEL_WARNING);
  g_autoptr (GPtrArray) results = tocsin_manager_send (manager, alert, "h");

  g_assert_cmpuint (results->len, ==, 1);
  return tocsin_result_ref (results->pdata[0]);
}

static TocsinResult *
send_one (TocsinManager *manager)
{
  return send_body (manager, "hello");
}

/* The server of a fixture, given as the test's data. */
typedef enum
{
  PLAIN,         /* HTTP */
  TLS_UNTRUSTED, /* HTTPS, and the channel has the default settings */
  TLS_TRUSTED    /* HTTPS, and the channel's ca-file is the server's certificate */
} ServerKind;

/* A server and a manager whose channel "h" sends to it with the default settings, but for the
 * ca-file of TLS_TRUSTED. */
typedef struct
{
  TtHttpServer *server;
  TocsinManager *manager;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  ServerKind kind = GPOINTER_TO_INT (data);
  const char *url;

  f->server = tt_http_server_new (kind != PLAIN);
  url = tt_http_server_get_url (f->server);
  if (kind == TLS_TRUSTED)
    f->manager = manager_for (url, "ca-file", tt_http_server_get_ca_file (f->server), NULL);
  else
    f->manager = manager_for (url, NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->manager, tocsin_manager_unref);
  g_clear_pointer (&f->server, tt_http_server_free);
}

/* A one-request exchange against a fresh plain server that answers @status/@headers/@body. */
static TocsinResult *
exchange (guint status, const char *headers, const char *body)
{
  g_autoptr (TtHttpServer) server = tt_http_server_new (FALSE);
  g_autoptr (TocsinManager) manager = manager_for (tt_http_server_get_url (server), NULL);

  tt_http_server_push_response (server, status, headers, body);
  return send_one (manager);
}

/* ---- status mapping ------------------------------------------------------------------------ */

static void
test_status_ok (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_body (f->manager, "the body");
  const TtHttpRequest *request;

  g_assert_true (tocsin_result_get_success (result));
  g_assert_null (tocsin_result_get_error (result));
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), ==, 1);
  request = tt_http_server_get_request (f->server, 0);
  g_assert_cmpstr (tt_http_request_get_method (request), ==, "POST");
  g_assert_cmpstr (tt_http_request_get_path (request), ==, "/");
  g_assert_cmpstr (tt_http_request_get_body (request, NULL), ==, "the body");
  g_mutex_lock (&last_lock);
  g_assert_cmpuint (last_status, ==, 200);
  g_mutex_unlock (&last_lock);
}

static void
test_status_created (void)
{
  g_autoptr (TocsinResult) result = exchange (201, NULL, "created");

  g_assert_true (tocsin_result_get_success (result));
}

static void
test_status_no_content (void)
{
  g_autoptr (TocsinResult) result = exchange (204, NULL, NULL);

  g_assert_true (tocsin_result_get_success (result));
}

static void
test_status_bad_request (void)
{
  g_autoptr (TocsinResult) result = exchange (400, NULL, "missing field: text");

  tt_assert_failed_with (result, "HTTP 400", FALSE);
  g_assert_nonnull (strstr (tocsin_result_get_error (result), "missing field: text"));
  g_assert_cmpfloat (tocsin_result_get_retry_after (result), ==, 0);
}

static void
test_status_server_error (void)
{
  g_autoptr (TocsinResult) result = exchange (500, NULL, "boom");

  tt_assert_failed_with (result, "HTTP 500", TRUE);
}

static void
test_status_unavailable (void)
{
  g_autoptr (TocsinResult) result = exchange (503, NULL, "later");

  tt_assert_failed_with (result, "HTTP 503", TRUE);
}

static void
test_status_too_many_seconds (void)
{
  g_autoptr (TocsinResult) result = exchange (429, "Retry-After: 3", "slow down");

  tt_assert_failed_with (result, "HTTP 429", TRUE);
  g_assert_cmpfloat (tocsin_result_get_retry_after (result), ==, 3);
}

/* An IMF-fixdate for @when, spelled in English whatever the locale. */
static char *
http_date (GDateTime *when)
{
  static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                        "Sep", "Oct", "Nov", "Dec" };

  return g_strdup_printf ("%s, %02d %s %04d %02d:%02d:%02d GMT",
                          days[g_date_time_get_day_of_week (when) - 1],
                          g_date_time_get_day_of_month (when),
                          months[g_date_time_get_month (when) - 1], g_date_time_get_year (when),
                          g_date_time_get_hour (when), g_date_time_get_minute (when),
                          g_date_time_get_second (when));
}

static void
test_status_too_many_date (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) when = g_date_time_add_seconds (now, 30);
  g_autofree char *date = http_date (when);
  g_autofree char *header = g_strconcat ("Retry-After: ", date, NULL);
  g_autoptr (TocsinResult) result = exchange (429, header, "slow down");

  tt_assert_failed_with (result, "HTTP 429", TRUE);
  /* 30 s away when built; a second or two may pass before it is parsed. */
  g_assert_cmpfloat (tocsin_result_get_retry_after (result), >=, 25);
  g_assert_cmpfloat (tocsin_result_get_retry_after (result), <=, 31);
}

static void
test_status_redirect (Fixture *f, gconstpointer data)
{
  g_autofree char *location = g_strdup_printf ("Location: %s/elsewhere",
                                               tt_http_server_get_url (f->server));
  g_autoptr (TocsinResult) result = NULL;

  tt_http_server_push_response (f->server, 302, location, "moved");
  result = send_one (f->manager);
  tt_assert_failed_with (result, "HTTP 302", FALSE);
  g_assert_nonnull (strstr (tocsin_result_get_error (result), "redirects are not followed"));
  /* The redirect was not followed: only the first request reached the server. */
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), ==, 1);
}

/* ---- Retry-After parsing ------------------------------------------------------------------- */

static void
test_retry_after_seconds (void)
{
  g_assert_cmpfloat (tocsin_http_parse_retry_after ("3", 0), ==, 3);
  g_assert_cmpfloat (tocsin_http_parse_retry_after (" 120 ", 0), ==, 120);
  g_assert_cmpfloat (tocsin_http_parse_retry_after ("0", 0), ==, 0);
}

static void
test_retry_after_date_future (void)
{
  /* 784111777 is Sun, 06 Nov 1994 08:49:37 GMT (the example of RFC 9110). */
  const gint64 date = 784111777;

  g_assert_cmpfloat (tocsin_http_parse_retry_after ("Sun, 06 Nov 1994 08:49:37 GMT", date - 90), ==, 90);
  /* The obsolete forms HTTP still allows. */
  g_assert_cmpfloat (tocsin_http_parse_retry_after ("Sunday, 06-Nov-94 08:49:37 GMT", date - 5), ==, 5);
  g_assert_cmpfloat (tocsin_http_parse_retry_after ("Sun Nov  6 08:49:37 1994", date - 1), ==, 1);
}

static void
test_retry_after_date_past (void)
{
  g_assert_cmpfloat (tocsin_http_parse_retry_after ("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 60), ==, 0);
}

static void
test_retry_after_garbage (void)
{
  g_assert_cmpfloat (tocsin_http_parse_retry_after ("soon", 0), ==, -1);
  g_assert_cmpfloat (tocsin_http_parse_retry_after ("", 0), ==, -1);
  g_assert_cmpfloat (tocsin_http_parse_retry_after (NULL, 0), ==, -1);
  g_assert_cmpfloat (tocsin_http_parse_retry_after ("-5", 0), ==, -1);
  g_assert_cmpfloat (tocsin_http_parse_retry_after ("3 seconds", 0), ==, -1);
  g_assert_cmpfloat (tocsin_http_parse_retry_after ("1.5", 0), ==, -1);
}

/* ---- transport failures -------------------------------------------------------------------- */

/* A loopback port nobody listens on: bound, then closed. */
static guint
closed_port (void)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  guint port;

  g_assert_nonnull (socket);
  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);
  return port;
}

static void
test_transport_refused (void)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/", closed_port ());
  g_autoptr (TocsinManager) manager = manager_for (url, NULL);
  g_autoptr (TocsinResult) result = send_one (manager);

  tt_assert_failed_with (result, "onnect", TRUE);
}

static void
test_transport_hang (void)
{
  g_autoptr (TtHttpServer) server = tt_http_server_new (FALSE);
  g_autoptr (TocsinManager) manager = manager_for (tt_http_server_get_url (server), "timeout",
                                                   "1", NULL);
  g_autoptr (TocsinResult) result = NULL;
  g_autofree char *error = NULL;
  gint64 start = g_get_monotonic_time ();

  tt_http_server_push (server, TT_HTTP_HANG, 0, 200, NULL, NULL);
  result = send_one (manager);
  tt_assert_failed_with (result, NULL, TRUE);
  /* curl's "Operation timed out" or the core's "delivery timed out". */
  error = g_ascii_strdown (tocsin_result_get_error (result), -1);
  g_assert_nonnull (strstr (error, "timed out"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  tt_http_server_release_hung (server);
}

static void
test_transport_close_mid_response (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = NULL;
  g_autoptr (TocsinResult) after = NULL;

  tt_http_server_push (f->server, TT_HTTP_CLOSE_MID_RESPONSE, 0, 200, NULL, "part of it");
  result = send_one (f->manager);
  tt_assert_failed_with (result, NULL, TRUE);
  /* The handle recovers: the next alert goes through on a new connection. */
  after = send_one (f->manager);
  g_assert_true (tocsin_result_get_success (after));
  g_assert_cmpuint (tt_http_server_get_n_connections (f->server), ==, 2);
}

/* The same over TLS: the connection the server hangs up on is a TLS one. */
static void
test_transport_close_mid_response_tls (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = NULL;

  tt_http_server_push (f->server, TT_HTTP_CLOSE_MID_RESPONSE, 0, 200, "X-Extra: 1", "part");
  result = send_one (f->manager);
  tt_assert_failed_with (result, NULL, TRUE);
}

/* ---- response body ------------------------------------------------------------------------- */

static void
test_body_capped (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) big = g_string_new (NULL);
  g_autoptr (TocsinResult) result = NULL;
  g_autofree char *prefix = g_strdup_printf ("POST %s: HTTP 500: ",
                                             tt_http_server_get_url (f->server));
  const char *error;

  while (big->len < 100 * 1024)
    g_string_append (big, "a long error page line\n");
  tt_http_server_push_response (f->server, 500, NULL, big->str);
  result = send_one (f->manager);
  tt_assert_failed_with (result, "HTTP 500", TRUE);
  g_mutex_lock (&last_lock);
  g_assert_cmpuint (last_status, ==, 500);
  g_assert_cmpuint (last_body_length, ==, TOCSIN_HTTP_BODY_MAX);
  g_mutex_unlock (&last_lock);
  error = tocsin_result_get_error (result);
  g_assert_true (g_str_has_prefix (error, prefix));
  g_assert_true (g_str_has_suffix (error, "..."));
  g_assert_nonnull (strstr (error, "a long error page line a long"));
  g_assert_cmpuint (strlen (error), <=, strlen (prefix) + 200 + 3);
}

/* A 200 whose chunked body never ends: the client stops reading at the cap and reports the
 * delivery done, at once and with one request, rather than reading until the timeout and
 * retrying. */
static void
test_body_endless (void)
{
  g_autoptr (TtHttpServer) server = tt_http_server_new (FALSE);
  g_autoptr (TocsinManager) manager = manager_for (tt_http_server_get_url (server), "timeout",
                                                   "3", NULL);
  g_autoptr (TocsinResult) result = NULL;
  gint64 start = g_get_monotonic_time ();

  tt_http_server_push (server, TT_HTTP_ENDLESS_BODY, 0, 200, NULL, "all is well, ");
  result = send_one (manager);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  g_assert_true (tocsin_result_get_success (result));
  g_assert_null (tocsin_result_get_error (result));
  g_assert_cmpuint (tocsin_result_get_attempts (result), ==, 1);
  g_assert_cmpuint (tt_http_server_get_n_requests (server), ==, 1);
  g_mutex_lock (&last_lock);
  g_assert_cmpuint (last_status, ==, 200);
  g_assert_cmpuint (last_body_length, ==, TOCSIN_HTTP_BODY_MAX);
  g_mutex_unlock (&last_lock);
  /* The connection was dropped with the rest of the body; the next request takes a new one. */
  g_clear_pointer (&result, tocsin_result_unref);
  result = send_one (manager);
  g_assert_true (tocsin_result_get_success (result));
  g_assert_cmpuint (tt_http_server_get_n_connections (server), ==, 2);
}

/* ---- TLS ----------------------------------------------------------------------------------- */

static void
test_tls_untrusted (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_one (f->manager);

  tt_assert_failed_with (result, "certificate", FALSE);
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), ==, 0);
}

static void
test_tls_trusted (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_one (f->manager);

  g_assert_true (tocsin_result_get_success (result));
  g_assert_cmpstr (tt_http_request_get_body (tt_http_server_get_request (f->server, 0), NULL), ==,
                   "hello");
}

static void
test_tls_verify_false (void)
{
  g_autoptr (TtHttpServer) server = tt_http_server_new (TRUE);
  g_autoptr (TocsinManager) manager = NULL;
  g_autofree char *logs = NULL;
  g_auto (GStrv) lines = NULL;
  guint warnings = 0;

  tt_log_capture_start ();
  manager = manager_for (tt_http_server_get_url (server), "tls-verify", "false", NULL);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (TocsinResult) result = send_one (manager);
      g_assert_true (tocsin_result_get_success (result));
    }
  logs = tt_log_capture_stop ();
  lines = g_strsplit (logs, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "WARNING") && strstr (lines[i], "tls-verify"))
      warnings++;
  g_assert_cmpuint (warnings, ==, 1);
}

static void
test_tls_missing_ca_file (void)
{
  g_autoptr (TocsinManager) manager = tocsin_manager_new ();
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("h", "httptest");
  g_autoptr (GError) error = NULL;

  tocsin_channel_spec_add_setting (spec, "url", "https://127.0.0.1:1/");
  tocsin_channel_spec_add_setting (spec, "ca-file", "/nonexistent/tocsin-test-ca.pem");
  g_assert_false (tocsin_manager_add_channel (manager, spec, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "ca-file"));
  g_assert_nonnull (strstr (error->message, "/nonexistent/tocsin-test-ca.pem"));
}

static void
test_tls_missing_ca_file_config (void)
{
  const char *xml =
    "<?xml version=\"1.0\"?>\n"
    "<tocsin version=\"1\">\n"
    "  <channel key=\"h\" type=\"httptest\">\n"
    "    <url>https://127.0.0.1:1/</url>\n"
    "    <ca-file>no-such-ca.pem</ca-file>\n"
    "  </channel>\n"
    "</tocsin>\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = tocsin_config_new_from_data (xml, -1, "/nonexistent", &error);
  g_autoptr (TocsinManager) manager = NULL;

  g_assert_no_error (error);
  manager = tocsin_manager_new_from_config (config, &error);
  g_assert_null (manager);
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_VALUE);
  /* The line of the <ca-file> element, and the path resolved against the config's folder. */
  g_assert_nonnull (strstr (error->message, ":5:"));
  g_assert_nonnull (strstr (error->message, "/nonexistent/no-such-ca.pem"));
}

/* ---- proxies ------------------------------------------------------------------------------ */

/* The test server stands in for the proxy: a plain-HTTP request through a proxy is sent to it in
 * absolute form, so it arrives there with the target's Host. */
static void
test_proxy_setting (void)
{
  g_autoptr (TtHttpServer) proxy = tt_http_server_new (FALSE);
  g_autoptr (TocsinManager) manager = manager_for ("http://receiver.invalid/alerts", "proxy",
                                                   tt_http_server_get_url (proxy), NULL);
  g_autoptr (TocsinResult) result = send_one (manager);
  const TtHttpRequest *request;

  g_assert_true (tocsin_result_get_success (result));
  request = tt_http_server_get_request (proxy, 0);
  g_assert_cmpstr (tt_http_request_get_header (request, "Host"), ==, "receiver.invalid");
  g_assert_cmpstr (tt_http_request_get_path (request), ==, "/alerts");
}

/* Without the setting, the standard environment variable is honoured. The variable is set in a
 * subprocess, before any thread starts. */
static void
test_proxy_environment (void)
{
  g_autoptr (TtHttpServer) proxy = NULL;
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinResult) result = NULL;

  if (!tt_in_subprocess ())
    return;
  proxy = tt_http_server_new (FALSE);
  g_setenv ("http_proxy", tt_http_server_get_url (proxy), TRUE);
  manager = manager_for ("http://receiver.invalid/from-env", NULL);
  result = send_one (manager);
  g_assert_true (tocsin_result_get_success (result));
  g_assert_cmpstr (tt_http_request_get_header (tt_http_server_get_request (proxy, 0), "Host"),
                   ==, "receiver.invalid");
}

/* ---- connection reuse ---------------------------------------------------------------------- */

static void
test_reuse_one_worker (void)
{
  g_autoptr (TtHttpServer) server = tt_http_server_new (FALSE);
  g_autoptr (TocsinManager) manager = manager_for (tt_http_server_get_url (server), "workers",
                                                   "1", NULL);

  for (guint i = 0; i < 50; i++)
    {
      g_autoptr (TocsinResult) result = send_one (manager);
      g_assert_true (tocsin_result_get_success (result));
    }
  g_assert_cmpuint (tt_http_server_get_n_requests (server), ==, 50);
  g_assert_cmpuint (tt_http_server_get_n_connections (server), ==, 1);
}

static void
test_reuse_four_workers (void)
{
  g_autoptr (TtHttpServer) server = tt_http_server_new (FALSE);
  g_autoptr (TocsinManager) manager = manager_for (tt_http_server_get_url (server), "workers",
                                                   "4", NULL);

  for (guint i = 0; i < 200; i++)
    {
      g_autoptr (TocsinAlert) alert = tocsin_alert_new ("many", "body", TOCSIN_LEVEL_INFO);
      g_assert_cmpuint (tocsin_manager_post (manager, alert, "h"), ==, 1);
    }
  g_assert_true (tocsin_manager_flush (manager, 30));
  g_assert_cmpuint (tt_http_server_get_n_requests (server), ==, 200);
  g_assert_cmpuint (tt_http_server_get_n_connections (server), >=, 1);
  g_assert_cmpuint (tt_http_server_get_n_connections (server), <=, 4);
}

/* ---- secrets ------------------------------------------------------------------------------- */

static void
assert_no_secret (const char *text)
{
  tt_assert_not_contains (text, "SECRETVALUE");
  tt_assert_not_contains (text, "SECRETAUTH123");
}

static void
test_secrets_never_printed (void)
{
  g_autoptr (TtHttpServer) server = tt_http_server_new (FALSE);
  g_autofree char *url = g_strdup_printf ("%s/hook?token=SECRETVALUE", tt_http_server_get_url (server));
  g_autofree char *refused = g_strdup_printf ("http://127.0.0.1:%u/hook?token=SECRETVALUE",
                                              closed_port ());
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinManager) dead = NULL;
  g_autoptr (TocsinResult) echoed = NULL;
  g_autoptr (TocsinResult) refused_result = NULL;
  const TtHttpRequest *request;

  tt_log_capture_start ();
  manager = manager_for (url, "token", "SECRETAUTH123", NULL);
  dead = manager_for (refused, "token", "SECRETAUTH123", NULL);
  /* A server that echoes what it received into its error page. */
  tt_http_server_push_response (server, 401, NULL,
                                "bad credentials: Authorization: Bearer SECRETAUTH123 for "
                                "/hook?token=SECRETVALUE (SECRETAUTH123)");
  echoed = send_one (manager);
  refused_result = send_one (dead);
  g_clear_pointer (&manager, tocsin_manager_unref);
  g_clear_pointer (&dead, tocsin_manager_unref);
  g_free (tt_log_capture_stop_no_secret ("SECRETVALUE", "SECRETAUTH123", NULL));

  tt_assert_failed_with (echoed, "HTTP 401", FALSE);
  tt_assert_failed_with (refused_result, NULL, TRUE);
  assert_no_secret (tocsin_result_get_error (echoed));
  assert_no_secret (tocsin_result_get_error (refused_result));
  /* They were sent all the same. */
  request = tt_http_server_get_request (server, 0);
  g_assert_cmpstr (tt_http_request_get_path (request), ==, "/hook?token=SECRETVALUE");
  g_assert_cmpstr (tt_http_request_get_header (request, "authorization"), ==, "Bearer SECRETAUTH123");
}

/* The layer's errors show only scheme://host:port of a URL, whose path or query may hold a
 * token nobody registered as a secret (a webhook URL written in a config). */
static void
test_secrets_url_origin_only (void)
{
  g_autoptr (TtHttpServer) server = tt_http_server_new (FALSE);
  g_autofree char *url = g_strdup_printf ("%s/api/webhooks/42/tt-unregistered-7d1c?wait=true",
                                          tt_http_server_get_url (server));
  guint port = closed_port ();
  g_autofree char *refused = g_strdup_printf ("http://127.0.0.1:%u/api/webhooks/42/"
                                              "tt-unregistered-7d1c", port);
  g_autofree char *refused_origin = g_strdup_printf ("POST http://127.0.0.1:%u/...: ", port);
  g_autofree char *prefix = g_strdup_printf ("POST %s/...: HTTP 404",
                                             tt_http_server_get_url (server));
  g_autoptr (TocsinManager) manager = manager_for (url, NULL);
  g_autoptr (TocsinManager) dead = manager_for (refused, NULL);
  g_autoptr (TocsinResult) not_found = NULL;
  g_autoptr (TocsinResult) refused_result = NULL;

  tt_http_server_push_response (server, 404, NULL, "Unknown Webhook");
  not_found = send_one (manager);
  refused_result = send_one (dead);
  tt_assert_failed_with (not_found, prefix, FALSE);
  tt_assert_failed_with (refused_result, refused_origin, TRUE);
  tt_assert_not_contains (tocsin_result_get_error (not_found), "tt-unregistered");
  tt_assert_not_contains (tocsin_result_get_error (not_found), "wait=true");
  tt_assert_not_contains (tocsin_result_get_error (refused_result), "tt-unregistered");
}

/* A secret cut in two by the excerpt's length limit is still masked: the excerpt is redacted
 * before it is cut. */
static void
test_secrets_excerpt_cut (Fixture *f, gconstpointer data)
{
  g_autofree char *padding = g_strnfill (190, 'p');
  g_autofree char *body = g_strconcat (padding, " STRADDLINGSECRET4242 and more", NULL);
  g_autoptr (TocsinResult) result = NULL;

  tocsin_redact_register_secret ("STRADDLINGSECRET4242");
  tt_http_server_push_response (f->server, 500, NULL, body);
  result = send_one (f->manager);
  tt_assert_failed_with (result, "HTTP 500", TRUE);
  g_assert_null (strstr (tocsin_result_get_error (result), "STRADD"));
}

/* ---- what the requests carry --------------------------------------------------------------- */

static void
test_request_headers (void)
{
  g_autoptr (TtHttpServer) server = tt_http_server_new (FALSE);
  g_autoptr (TocsinManager) manager = manager_for (tt_http_server_get_url (server), "token",
                                                   "tok-1234", NULL);
  g_autoptr (TocsinResult) result = send_one (manager);
  const TtHttpRequest *request = tt_http_server_get_request (server, 0);

  g_assert_true (tocsin_result_get_success (result));
  g_assert_cmpstr (tt_http_request_get_header (request, "x-tocsin-test"), ==, "test-alert");
  g_assert_cmpstr (tt_http_request_get_header (request, "AUTHORIZATION"), ==, "Bearer tok-1234");
  g_assert_cmpstr (tt_http_request_get_header (request, "Content-Type"), ==, "text/plain");
  g_assert_cmpstr (tt_http_request_get_header (request, "Content-Length"), ==, "5");
}

typedef struct {
  TocsinManager *manager;
  TocsinResult *result;
} AsyncSend;

static gpointer
send_in_thread (gpointer data)
{
  AsyncSend *a = data;

  a->result = send_body (a->manager, "again");
  return NULL;
}

/* Waits, looking every 2 ms, until @server has received @n requests. */
static void
wait_requests (TtHttpServer *server, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (tt_http_server_get_n_requests (server) < n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (2 * G_TIME_SPAN_MILLISECOND);
    }
}

/* A 500 is retried, and the next attempt's 200 delivers: one result, two attempts. */
static void
test_retry_500_then_200 (void)
{
  g_autoptr (TtHttpServer) server = tt_http_server_new (FALSE);
  g_autoptr (TocsinClock) clock = tocsin_clock_new_manual (0);
  g_autoptr (TocsinManager) manager = retrying_manager_for (tt_http_server_get_url (server), clock, 3);
  AsyncSend a = { manager, NULL };
  GThread *thread;

  tt_http_server_push_response (server, 500, NULL, "busy");
  tt_http_server_push_response (server, 200, NULL, "ok");
  thread = g_thread_new ("send", send_in_thread, &a);
  wait_requests (server, 1);
  /* The backoff is at most 2 s on the channel's clock. */
  tocsin_clock_advance (clock, 2 * G_USEC_PER_SEC);
  g_thread_join (thread);
  tt_assert_success (a.result);
  g_assert_cmpuint (tocsin_result_get_attempts (a.result), ==, 2);
  g_assert_cmpuint (tt_http_server_get_n_requests (server), ==, 2);
  tocsin_result_unref (a.result);
}

/* A 429 with Retry-After is retried after that wait (test-retry checks that the wait is the
 * Retry-After's), then delivered. */
static void
test_retry_429_waits (void)
{
  g_autoptr (TtHttpServer) server = tt_http_server_new (FALSE);
  g_autoptr (TocsinClock) clock = tocsin_clock_new_manual (0);
  g_autoptr (TocsinManager) manager = retrying_manager_for (tt_http_server_get_url (server), clock, 2);
  AsyncSend a = { manager, NULL };
  GThread *thread;

  tt_http_server_push_response (server, 429, "Retry-After: 10", "slow down");
  tt_http_server_push_response (server, 200, NULL, "ok");
  thread = g_thread_new ("send", send_in_thread, &a);
  wait_requests (server, 1);
  tocsin_clock_advance (clock, 10 * G_USEC_PER_SEC);
  g_thread_join (thread);
  tt_assert_success (a.result);
  g_assert_cmpuint (tocsin_result_get_attempts (a.result), ==, 2);
  g_assert_cmpuint (tt_http_server_get_n_requests (server), ==, 2);
  tocsin_result_unref (a.result);
}

static void
test_request_put (void)
{
  g_autoptr (TtHttpServer) server = tt_http_server_new (FALSE);
  g_autoptr (TocsinManager) manager = manager_for (tt_http_server_get_url (server), "method",
                                                   "put", NULL);
  g_autoptr (TocsinResult) result = send_body (manager, "replace me");
  const TtHttpRequest *request = tt_http_server_get_request (server, 0);

  g_assert_true (tocsin_result_get_success (result));
  g_assert_cmpstr (tt_http_request_get_method (request), ==, "PUT");
  g_assert_cmpstr (tt_http_request_get_body (request, NULL), ==, "replace me");
}

static void
test_request_user_agent (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_one (f->manager);
  const char *agent = tt_http_request_get_header (tt_http_server_get_request (f->server, 0),
                                                  "User-Agent");

  g_assert_true (tocsin_result_get_success (result));
  g_assert_nonnull (agent);
  g_assert_true (g_str_has_prefix (agent, "tocsin/"));
}

/* A plugin's own User-Agent (in any case) replaces ours rather than joining it. */
static void
test_request_own_user_agent (void)
{
  g_autoptr (TtHttpServer) server = tt_http_server_new (FALSE);
  g_autoptr (TocsinManager) manager = manager_for (tt_http_server_get_url (server), "agent",
                                                   "example-agent/2.0", NULL);
  g_autoptr (TocsinResult) first = send_body (manager, "one");
  g_autoptr (TocsinResult) second = send_body (manager, "two");

  g_assert_true (tocsin_result_get_success (first));
  g_assert_true (tocsin_result_get_success (second));
  for (guint i = 0; i < 2; i++)
    g_assert_cmpstr (tt_http_request_get_header (tt_http_server_get_request (server, i),
                                                 "User-Agent"), ==, "example-agent/2.0");
}

static void
test_request_no_expect (Fixture *f, gconstpointer data)
{
  g_autofree char *body = g_strnfill (2048, 'x');
  g_autoptr (TocsinResult) result = send_body (f->manager, body);
  const TtHttpRequest *request = tt_http_server_get_request (f->server, 0);
  gsize length = 0;

  g_assert_true (tocsin_result_get_success (result));
  g_assert_null (tt_http_request_get_header (request, "Expect"));
  tt_http_request_get_body (request, &length);
  g_assert_cmpuint (length, ==, 2048);
}

/* ---- the test server itself ---------------------------------------------------------------- */

static void
test_server_delay (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = NULL;
  gint64 start = g_get_monotonic_time ();

  tt_http_server_push (f->server, TT_HTTP_DELAY, 200, 202, "X-Delayed: yes", "later");
  result = send_one (f->manager);
  g_assert_true (tocsin_result_get_success (result));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 200 * 1000);
  g_mutex_lock (&last_lock);
  g_assert_cmpuint (last_status, ==, 202);
  g_mutex_unlock (&last_lock);
}

static void
test_server_default (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) first = NULL;
  g_autoptr (TocsinResult) second = NULL;
  g_autoptr (TocsinResult) third = NULL;

  tt_http_server_set_default (f->server, TT_HTTP_NORMAL, 0, 503, "Retry-After: 7", "down");
  tt_http_server_push_response (f->server, 200, NULL, "scripted");
  first = send_one (f->manager);
  second = send_one (f->manager);
  third = send_one (f->manager);
  g_assert_true (tocsin_result_get_success (first));
  tt_assert_failed_with (second, "HTTP 503: down", TRUE);
  tt_assert_failed_with (third, "HTTP 503: down", TRUE);
  g_assert_cmpfloat (tocsin_result_get_retry_after (third), ==, 7);
}

static void
test_server_not_recording (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("posted", "body", TOCSIN_LEVEL_INFO);

  tt_http_server_push_response (f->server, 200, NULL, NULL);
  tt_http_server_set_recording (f->server, FALSE);
  for (guint i = 0; i < 5; i++)
    tocsin_manager_post (f->manager, alert, "h");
  g_assert_true (tt_http_server_wait_for_requests (f->server, 5, 30));
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), ==, 5);
  g_assert_false (tt_http_server_wait_for_requests (f->server, 6, 0.05));
  tt_http_server_set_recording (f->server, TRUE);
  tocsin_manager_post (f->manager, alert, "h");
  g_assert_true (tt_http_server_wait_for_requests (f->server, 6, 30));
  /* Only the request made while recording was kept. */
  g_assert_cmpstr (tt_http_request_get_method (tt_http_server_get_request (f->server, 0)), ==,
                   "POST");
  g_assert_true (tocsin_manager_flush (f->manager, 30));
}

static void
test_server_header_names (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_one (f->manager);
  const TtHttpRequest *request = tt_http_server_get_request (f->server, 0);
  const char *const *names = tt_http_request_get_header_names (request);

  g_assert_true (tocsin_result_get_success (result));
  g_assert_true (g_strv_contains (names, "X-Tocsin-Test"));
  g_assert_true (g_str_has_prefix (tt_http_request_get_remote (request), "127.0.0.1:"));
}

/* Freeing a server with a request hung answers it: the client is not left waiting. */
static void
test_server_free_releases_hung (void)
{
  TtHttpServer *server = tt_http_server_new (TRUE);
  g_autoptr (TocsinManager) manager = manager_for (tt_http_server_get_url (server), "ca-file",
                                                   tt_http_server_get_ca_file (server), "timeout",
                                                   "30", NULL);
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("hung", "body", TOCSIN_LEVEL_INFO);
  g_autofree char *ca_file = g_strdup (tt_http_server_get_ca_file (server));
  gint64 start = g_get_monotonic_time ();

  tt_http_server_push (server, TT_HTTP_HANG, 0, 200, NULL, NULL);
  tocsin_manager_post (manager, alert, "h");
  g_assert_true (tt_http_server_wait_for_requests (server, 1, 30));
  tt_http_server_free (server);
  g_assert_true (tocsin_manager_flush (manager, 30));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  /* The temporary certificate is gone with the server. */
  g_assert_false (g_file_test (ca_file, G_FILE_TEST_EXISTS));
}

/* Freeing a server with a delayed answer still pending drops the connection cleanly. */
static void
test_server_free_drops_delayed (void)
{
  TtHttpServer *server = tt_http_server_new (FALSE);
  g_autoptr (TocsinManager) manager = manager_for (tt_http_server_get_url (server), "timeout",
                                                   "30", NULL);
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("delayed", "body", TOCSIN_LEVEL_INFO);
  gint64 start = g_get_monotonic_time ();

  tt_http_server_push (server, TT_HTTP_DELAY, 60 * 1000, 200, NULL, NULL);
  tocsin_manager_post (manager, alert, "h");
  g_assert_true (tt_http_server_wait_for_requests (server, 1, 30));
  tt_http_server_free (server);
  g_assert_true (tocsin_manager_flush (manager, 30));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

/* ---- HTTP/2 -------------------------------------------------------------------------------- */

/* The layer asks for HTTP/2 over TLS (issue 3); the libsoup test server only speaks HTTP/1.1, so
 * these tests run nghttpd (Debian's nghttp2-server), a real HTTP/2 server. With -v it logs every
 * frame it receives and flushes each line, which is what the tests assert on. */
typedef struct
{
  char *tmpdir;            /* holds key.pem, cert.pem and htdocs/ */
  char *cert;              /* the server's certificate, the channel's ca-file */
  GSubprocess *process;    /* (nullable) nghttpd, NULL once stopped or when skipped */
  char *url;               /* "https://127.0.0.1:PORT/" */
  char *output;            /* (nullable) all nghttpd printed, set when it is stopped */
  gboolean exited;
} H2Fixture;

/* nghttpd lives in /usr/sbin, which a non-root PATH may lack. */
static char *
find_nghttpd (void)
{
  char *path = g_find_program_in_path ("nghttpd");

  if (path == NULL && g_file_test ("/usr/sbin/nghttpd", G_FILE_TEST_IS_EXECUTABLE))
    path = g_strdup ("/usr/sbin/nghttpd");
  return path;
}

/* A self-signed certificate for 127.0.0.1, made like the one of httpserver.c. */
static void
h2_make_certificate (H2Fixture *f, const char *key)
{
  const char *argv[] = {
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-nodes", "-days", "2", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "-keyout", key, "-out", f->cert, NULL
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *err_text = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                               &err_text, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("openssl failed to make a test certificate: %s\n%s", error->message, err_text);
}

static void
h2_exited_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  H2Fixture *f = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  f->exited = TRUE;
}

static gboolean
h2_tick_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits until something listens on @port: retries a connect every 20 ms, for 10 s at most.
 * FALSE if nghttpd exited first (e.g. someone took the port) or the time ran out. */
static gboolean
h2_wait_listening (H2Fixture *f, guint port)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_subprocess_wait_async (f->process, NULL, h2_exited_cb, f);
  while (!f->exited && g_get_monotonic_time () < deadline)
    {
      g_autoptr (GSocketConnection) connection =
        g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
      gboolean tick = FALSE;

      if (connection != NULL)
        return TRUE;
      /* Wakes up on the tick or as soon as nghttpd exits, whichever comes first. */
      g_timeout_add (20, h2_tick_cb, &tick);
      while (!tick && !f->exited)
        g_main_context_iteration (NULL, TRUE);
    }
  return FALSE;
}

/* Force-exits nghttpd (if running) and keeps all it printed in f->output. */
static void
h2_stop (H2Fixture *f)
{
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) error = NULL;
  gsize length = 0;
  const char *data;

  if (f->process == NULL)
    return;
  g_subprocess_force_exit (f->process);
  /* Reads the pipe to its end, then reaps the process. */
  g_subprocess_communicate (f->process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  data = out ? g_bytes_get_data (out, &length) : NULL;
  g_free (f->output);
  f->output = g_strndup (data ? data : "", length);
  /* Let the pending wait_async callback run before the fixture goes away. */
  while (!f->exited)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&f->process);
}

/* A failed g_assert aborts the test process before the teardown runs: the kernel then kills
 * nghttpd too, so that no server outlives its test. */
static void
h2_child_setup (gpointer user_data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

/* Starts nghttpd on a free loopback port; a port taken in the meantime by someone else makes it
 * exit, and another port is tried. */
static void
h2_start (H2Fixture *f, const char *nghttpd, const char *htdocs, const char *key)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);

  g_subprocess_launcher_set_child_setup (launcher, h2_child_setup, NULL, NULL);
  for (guint attempt = 0; attempt < 5; attempt++)
    {
      g_autoptr (GError) error = NULL;
      guint port = closed_port ();
      g_autofree char *port_text = g_strdup_printf ("%u", port);
      g_autofree char *docs_arg = g_strconcat ("--htdocs=", htdocs, NULL);

      f->exited = FALSE;
      f->process = g_subprocess_launcher_spawn (launcher, &error, nghttpd, "--address=127.0.0.1",
                                                docs_arg, "-v", port_text, key, f->cert, NULL);
      g_assert_no_error (error);
      if (h2_wait_listening (f, port))
        {
          f->url = g_strdup_printf ("https://127.0.0.1:%u/", port);
          return;
        }
      h2_stop (f);
      g_test_message ("nghttpd did not listen on port %u:\n%s", port, f->output);
    }
  g_error ("nghttpd never listened on a loopback port; its last output:\n%s", f->output);
}

static void
h2_fixture_setup (H2Fixture *f, gconstpointer data)
{
  g_autofree char *nghttpd = find_nghttpd ();
  g_autofree char *htdocs = NULL;
  g_autofree char *key = NULL;

  if (nghttpd == NULL)
    {
      g_test_skip ("nghttpd not installed (apt-get install nghttp2-server; scripts/test.sh does)");
      return;
    }
  f->tmpdir = tt_make_tmpdir ();
  f->cert = g_build_filename (f->tmpdir, "cert.pem", NULL);
  key = g_build_filename (f->tmpdir, "key.pem", NULL);
  htdocs = g_build_filename (f->tmpdir, "htdocs", NULL);
  g_assert_cmpint (g_mkdir_with_parents (htdocs, 0700), ==, 0);
  /* nghttpd answers a POST to "/" with this file and 200. */
  g_free (tt_write_file (htdocs, "index.html", "served over h2\n"));
  h2_make_certificate (f, key);
  h2_start (f, nghttpd, htdocs, key);
}

static void
h2_fixture_teardown (H2Fixture *f, gconstpointer data)
{
  h2_stop (f);
  if (f->tmpdir)
    tt_rm_rf (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->cert);
  g_free (f->url);
  g_free (f->output);
}

static guint
count_occurrences (const char *text, const char *needle)
{
  guint n = 0;

  for (const char *at = strstr (text, needle); at; at = strstr (at + 1, needle))
    n++;
  return n;
}

/* The lines of nghttpd's output that contain both @a and @b, in order (transfer full). */
static GPtrArray *
h2_lines_with (const char *output, const char *a, const char *b)
{
  g_auto (GStrv) lines = g_strsplit (output, "\n", -1);
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lines[i]; i++)
    if (strstr (lines[i], a) && strstr (lines[i], b))
      g_ptr_array_add (found, g_strdup (lines[i]));
  return found;
}

static void
test_http2_negotiated (H2Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (GPtrArray) prefaces = NULL;
  g_autoptr (GPtrArray) requests = NULL;
  g_autofree char *connection = NULL;

  if (f->process == NULL)
    return; /* skipped: no nghttpd */
  manager = manager_for (f->url, "ca-file", f->cert, "workers", "1", NULL);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (TocsinResult) result = send_body (manager, "over h2");
      g_assert_true (tocsin_result_get_success (result));
      g_mutex_lock (&last_lock);
      g_assert_cmpuint (last_status, ==, 200);
      g_assert_cmpuint (last_body_length, ==, strlen ("served over h2\n"));
      g_mutex_unlock (&last_lock);
    }
  h2_stop (f);
  g_test_message ("nghttpd said:\n%s", f->output);
  /* ALPN chose h2, and the requests came as HTTP/2 frames. */
  tt_assert_contains (f->output, "The negotiated protocol: h2");
  tt_assert_contains (f->output, "recv HEADERS frame");
  tt_assert_contains (f->output, "recv (stream_id=1) :method: POST");
  tt_assert_contains (f->output, "recv (stream_id=1) x-tocsin-test: test-alert");
  tt_assert_contains (f->output, "recv DATA frame");
  /* The second request was the next stream of the same connection: one TLS handshake, one
   * client preface (its SETTINGS frame, not an ACK), and both requests on the connection with
   * the same [id=N] (nghttpd numbers connections; the readiness probe took one id of its own). */
  g_assert_cmpuint (count_occurrences (f->output, "The negotiated protocol:"), ==, 1);
  prefaces = h2_lines_with (f->output, "recv SETTINGS frame", "flags=0x00");
  g_assert_cmpuint (prefaces->len, ==, 1);
  requests = h2_lines_with (f->output, "] recv (stream_id=", ") :method: POST");
  g_assert_cmpuint (requests->len, ==, 2);
  tt_assert_contains (requests->pdata[1], "recv (stream_id=3) :method: POST");
  connection = g_strndup (requests->pdata[0], strcspn (requests->pdata[0], " "));
  g_assert_true (g_str_has_prefix (requests->pdata[1], connection));
}

#define ADD_ON(kind, path, func) \
  g_test_add (path, Fixture, GINT_TO_POINTER (kind), fixture_setup, func, fixture_teardown)
#define ADD(path, func) ADD_ON (PLAIN, path, func)

int
main (int argc, char **argv)
{
  /* Loopback tests must not go through a proxy the environment names (the proxy tests set it). */
  tt_unset_proxy_env ();
  tt_init (&argc, &argv);
  g_assert_true (tocsin_register_channel_class (&httptest_class, NULL));

  ADD ("/http/status/ok-200", test_status_ok);
  g_test_add_func ("/http/status/created-201", test_status_created);
  g_test_add_func ("/http/status/no-content-204", test_status_no_content);
  g_test_add_func ("/http/status/bad-request-400", test_status_bad_request);
  g_test_add_func ("/http/status/server-error-500", test_status_server_error);
  g_test_add_func ("/http/status/unavailable-503", test_status_unavailable);
  g_test_add_func ("/http/status/too-many-429-seconds", test_status_too_many_seconds);
  g_test_add_func ("/http/status/too-many-429-date", test_status_too_many_date);
  ADD ("/http/status/redirect-302", test_status_redirect);
  g_test_add_func ("/http/retry-after/seconds", test_retry_after_seconds);
  g_test_add_func ("/http/retry-after/date-future", test_retry_after_date_future);
  g_test_add_func ("/http/retry-after/date-past", test_retry_after_date_past);
  g_test_add_func ("/http/retry-after/garbage", test_retry_after_garbage);
  g_test_add_func ("/http/transport/refused", test_transport_refused);
  g_test_add_func ("/http/transport/hang-past-timeout", test_transport_hang);
  ADD ("/http/transport/close-mid-plain", test_transport_close_mid_response);
  ADD_ON (TLS_TRUSTED, "/http/transport/close-mid-tls", test_transport_close_mid_response_tls);
  ADD ("/http/body/capped", test_body_capped);
  g_test_add_func ("/http/body/endless-delivered", test_body_endless);
  ADD_ON (TLS_UNTRUSTED, "/http/tls/untrusted", test_tls_untrusted);
  ADD_ON (TLS_TRUSTED, "/http/tls/trusted-ca-file", test_tls_trusted);
  g_test_add_func ("/http/tls/verify-false", test_tls_verify_false);
  g_test_add_func ("/http/tls/missing-ca-file-spec", test_tls_missing_ca_file);
  g_test_add_func ("/http/tls/missing-ca-file-config", test_tls_missing_ca_file_config);
  g_test_add_func ("/http/proxy/setting", test_proxy_setting);
  g_test_add_func ("/http/proxy/environment", test_proxy_environment);
  g_test_add_func ("/http/reuse/one-worker", test_reuse_one_worker);
  g_test_add_func ("/http/reuse/four-workers", test_reuse_four_workers);
  g_test_add_func ("/http/secrets/never-printed", test_secrets_never_printed);
  ADD ("/http/secrets/excerpt-cut", test_secrets_excerpt_cut);
  g_test_add_func ("/http/secrets/url-origin-only", test_secrets_url_origin_only);
  g_test_add_func ("/http/request/headers", test_request_headers);
  g_test_add_func ("/http/request/put", test_request_put);
  g_test_add_func ("/http/retry/500-then-200", test_retry_500_then_200);
  g_test_add_func ("/http/retry/429-waits", test_retry_429_waits);
  ADD ("/http/request/user-agent", test_request_user_agent);
  g_test_add_func ("/http/request/own-user-agent", test_request_own_user_agent);
  ADD ("/http/request/no-expect", test_request_no_expect);
  ADD ("/http/server/delay", test_server_delay);
  ADD ("/http/server/default-response", test_server_default);
  ADD ("/http/server/not-recording", test_server_not_recording);
  ADD ("/http/server/header-names", test_server_header_names);
  g_test_add_func ("/http/server/free-releases-hung", test_server_free_releases_hung);
  g_test_add_func ("/http/server/free-drops-delayed", test_server_free_drops_delayed);
  g_test_add ("/http/http2/negotiated", H2Fixture, NULL, h2_fixture_setup, test_http2_negotiated,
              h2_fixture_teardown);
  return g_test_run ();
}
