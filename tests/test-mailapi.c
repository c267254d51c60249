/* test-mailapi.c: the HTTP mail transports (resend, gmail, ses) through the email channel, against a
 * real HTTPS server on loopback (tests/httpserver.c, a certificate made at test time) that
 * checks method, path, headers and body exactly and answers as the APIs do.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "httpserver.h"
#include "testutil.h"

#include "sigv4.h"

#include <stdio.h>
#include <string.h>

#define RESEND_KEY_VAR "TT_MAILAPI_RESEND_KEY"
#define GMAIL_TOKEN_VAR "TT_MAILAPI_GMAIL_TOKEN"
#define AWS_ID_VAR "TT_MAILAPI_AWS_ID"
#define AWS_SECRET_VAR "TT_MAILAPI_AWS_SECRET"
#define AWS_TOKEN_VAR "TT_MAILAPI_AWS_TOKEN"
#define AWS_ID "AKIDTTEXAMPLE7Q"
#define AWS_SECRET "tt/aws+secret/K7MDENGbPxRfiCY4c1d"
#define AWS_TOKEN "tt-aws-session-token-2b9e"
#define RESEND_KEY "re_tt_secret_5d1f8a"
#define GMAIL_TOKEN "ya29.tt-secret-token-9c2e"

/* <defaults max-attempts="1"/>: one attempt per delivery unless a test asks for retries (they
 * have tests of their own); on the credentials' line, so that line numbers stay as they are. */
#define PREAMBLE \
  "  <defaults max-attempts=\"1\"/><credentials>\n" \
  "    <credential name=\"resend_key\" type=\"env\" var=\"" RESEND_KEY_VAR "\"/>\n" \
  "    <credential name=\"gmail_token\" type=\"env\" var=\"" GMAIL_TOKEN_VAR "\"/>\n" \
  "    <credential name=\"aws_id\" type=\"env\" var=\"" AWS_ID_VAR "\"/>\n" \
  "    <credential name=\"aws_secret\" type=\"env\" var=\"" AWS_SECRET_VAR "\"/>\n" \
  "    <credential name=\"aws_token\" type=\"env\" var=\"" AWS_TOKEN_VAR "\"/>\n" \
  "  </credentials>\n"
/* With PREAMBLE the channel is on line 10, the <transport> on line 11. */
#define TRANSPORT_LINE "tocsin.xml:11: "
#define SES_KEYS "<access-key-id credential=\"aws_id\"/><secret-access-key credential=\"aws_secret\"/>"

#define ADDRESSES \
  "    <sender>Alerts &lt;alerts@example.com&gt;</sender>\n" \
  "    <recipient>oncall@example.com</recipient>\n" \
  "    <recipient>backup@example.com</recipient>\n"

typedef struct {
  char *dir;
  TtHttpServer *server; /* HTTPS */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = tt_make_tmpdir ();
  f->server = tt_http_server_new (TRUE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  tt_http_server_free (f->server);
  tt_rm_rf (f->dir);
  g_free (f->dir);
}

/* A manager with one email channel "mail" whose transport is @type with @secret_setting
 * (credential-backed) and @extra settings, sending to the fixture's server. */
static TocsinManager *
load_transport (Fixture *f, const char *type, const char *extra, GError **error)
{
  const char *secret = g_str_equal (type, "resend") ? "<api-key credential=\"resend_key\"/>"
                       : g_str_equal (type, "gmail") ? "<access-token credential=\"gmail_token\"/>"
                                                     : SES_KEYS;
  const char *url = g_str_equal (type, "ses") ? "endpoint" : "base-url";
  g_autofree char *settings = g_strdup_printf (
    "    <transport type=\"%s\">%s<%s>%s</%s><ca-file>%s</ca-file>%s</transport>\n"
    ADDRESSES, type, secret, url, tt_http_server_get_url (f->server), url,
    tt_http_server_get_ca_file (f->server), extra ? extra : "");

  return tt_load_config (f->dir, PREAMBLE, "key=\"mail\" type=\"email\"", settings, error);
}

static TocsinManager *
load_ok (Fixture *f, const char *type)
{
  g_autoptr (GError) error = NULL;
  TocsinManager *manager = load_transport (f, type, NULL, &error);

  g_assert_no_error (error);
  return manager;
}

static const TtHttpRequest *
request_at (Fixture *f, guint index)
{
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), >, index);
  return tt_http_server_get_request (f->server, index);
}

static JsonObject *
request_json (const TtHttpRequest *request)
{
  return tt_parse_json_object (tt_http_request_get_body (request, NULL));
}

static TocsinAlert *
make_alert (void)
{
  return tt_make_alert ("Disk almost full", "/var at 91%", TOCSIN_LEVEL_WARNING, FALSE);
}

/* Sends the test alert through a channel of @type while the server answers @status @headers
 * @body; returns the result, with the log checked for the secrets (transfer full). */
static TocsinResult *
send_answered (Fixture *f, const char *type, guint status, const char *headers, const char *body)
{
  g_autoptr (TocsinManager) manager = load_ok (f, type);
  g_autoptr (TocsinAlert) alert = make_alert ();
  g_autofree char *log = NULL;
  TocsinResult *result;

  tt_http_server_push_response (f->server, status, headers, body);
  tt_log_capture_start ();
  result = tt_send_one (manager, alert);
  log = tt_log_capture_stop_no_secret (RESEND_KEY, GMAIL_TOKEN, AWS_SECRET, AWS_TOKEN, NULL);
  tt_assert_not_contains (tocsin_result_get_error (result), RESEND_KEY);
  tt_assert_not_contains (tocsin_result_get_error (result), GMAIL_TOKEN);
  tt_assert_not_contains (tocsin_result_get_error (result), AWS_SECRET);
  return result;
}

/* ---- resend ----------------------------------------------------------------------------------- */

static void
test_resend_request (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (f, "resend", 200, NULL,
                                                   "{\"id\":\"49a3999c-0ce1-4ea6-ab68-afcd6dc2e794\"}");
  const TtHttpRequest *request = request_at (f, 0);
  g_autoptr (JsonObject) object = request_json (request);
  JsonArray *to = json_object_get_array_member (object, "to");

  tt_assert_success (result);
  g_assert_cmpstr (tocsin_result_get_message_id (result), ==, "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794");
  g_assert_cmpstr (tt_http_request_get_method (request), ==, "POST");
  g_assert_cmpstr (tt_http_request_get_path (request), ==, "/emails");
  g_assert_cmpstr (tt_http_request_get_header (request, "Authorization"), ==, "Bearer " RESEND_KEY);
  g_assert_cmpstr (tt_http_request_get_header (request, "Content-Type"), ==, "application/json");
  g_assert_true (g_regex_match_simple ("^[0-9a-f-]{36}\\.mail@example\\.com$",
                                       tt_http_request_get_header (request, "Idempotency-Key"), 0, 0));
  g_assert_cmpuint (json_object_get_size (object), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (object, "from"), ==, "Alerts <alerts@example.com>");
  g_assert_cmpuint (json_array_get_length (to), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (to, 0), ==, "oncall@example.com");
  g_assert_cmpstr (json_array_get_string_element (to, 1), ==, "backup@example.com");
  g_assert_cmpstr (json_object_get_string_member (object, "subject"), ==,
                   "[ALERT] [WARNING] Disk almost full");
  g_assert_cmpstr (json_object_get_string_member (object, "text"), ==,
                   "Alert Level: WARNING\n\nDisk almost full\n================\n\n/var at 91%\n\n"
                   "---\nSent by tocsin\n");
}

/* A retry of the same alert carries the same Idempotency-Key. */
static void
test_resend_idempotency (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f, "resend");
  g_autoptr (TocsinAlert) alert = make_alert ();

  tt_send_ok (manager, alert);
  tt_send_ok (manager, alert);
  g_assert_cmpstr (tt_http_request_get_header (request_at (f, 0), "Idempotency-Key"), ==,
                   tt_http_request_get_header (request_at (f, 1), "Idempotency-Key"));
}

static void
test_resend_api_error (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (
    f, "resend", 422, NULL,
    "{\"statusCode\":422,\"name\":\"validation_error\",\"message\":\"Invalid `to` field.\"}");

  tt_assert_failed_with (result, "resend: HTTP 422: Invalid `to` field.", FALSE);
}

/* An API that echoes the key it refused: the key never reaches the result or the log. */
static void
test_resend_bad_key (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (
    f, "resend", 401, NULL,
    "{\"statusCode\":401,\"name\":\"missing_api_key\",\"message\":\"API key " RESEND_KEY " is invalid\"}");

  tt_assert_failed_with (result, "resend: HTTP 401: API key", FALSE);
  tt_assert_contains (tocsin_result_get_error (result), "check the api-key credential");
}

static void
test_resend_rate_limited (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (
    f, "resend", 429, "Retry-After: 7",
    "{\"statusCode\":429,\"name\":\"rate_limit_exceeded\",\"message\":\"Too many requests.\"}");

  tt_assert_failed_with (result, "resend: HTTP 429: Too many requests.", TRUE);
  g_assert_cmpfloat (tocsin_result_get_retry_after (result), ==, 7);
}

/* A request made while one with the same Idempotency-Key is still being processed (a retry that
 * overtook a slow first attempt) is worth another try; a key reused with another payload is not. */
static void
test_resend_concurrent_request (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (
    f, "resend", 409, "Retry-After: 2",
    "{\"statusCode\":409,\"name\":\"concurrent_idempotent_requests\",\"message\":\"Same "
    "idempotency key used while original request is still in progress.\"}");
  g_autoptr (TocsinResult) reused = NULL;

  tt_assert_failed_with (result, "resend: HTTP 409: Same idempotency key used while original", TRUE);
  tt_assert_contains (tocsin_result_get_error (result), "still in progress; a later attempt");
  g_assert_cmpfloat (tocsin_result_get_retry_after (result), ==, 2);

  reused = send_answered (
    f, "resend", 409, NULL,
    "{\"statusCode\":409,\"name\":\"invalid_idempotent_request\",\"message\":\"Same "
    "idempotency key used with a different request payload.\"}");
  tt_assert_failed_with (reused, "resend: HTTP 409: Same idempotency key used with a different",
                         FALSE);
}

static void
test_resend_server_error (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (f, "resend", 503, NULL, "upstream down");

  tt_assert_failed_with (result, "resend: POST", TRUE);
  tt_assert_contains (tocsin_result_get_error (result), "HTTP 503: upstream down");
}

/* ---- gmail ------------------------------------------------------------------------------------ */

/* base64url (RFC 4648 section 5) without padding, decoded (transfer full). */
static GBytes *
decode_base64url (const char *text)
{
  g_autoptr (GString) standard = g_string_new (text);
  gsize length = 0;
  guchar *data;

  g_assert_null (strpbrk (text, "+/="));
  g_strdelimit (standard->str, "-", '+');
  g_strdelimit (standard->str, "_", '/');
  while (standard->len % 4 != 0)
    g_string_append_c (standard, '=');
  data = g_base64_decode (standard->str, &length);
  return g_bytes_new_take (data, length);
}

static void
test_gmail_request (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (
    f, "gmail", 200, NULL, "{\"id\":\"18c2a7e1f0b3d4a5\",\"threadId\":\"18c2a7e1f0b3d4a5\",\"labelIds\":[\"SENT\"]}");
  const TtHttpRequest *request = request_at (f, 0);
  g_autoptr (JsonObject) object = request_json (request);
  g_autoptr (GBytes) raw = NULL;
  g_autofree char *text = NULL;

  tt_assert_success (result);
  g_assert_cmpstr (tocsin_result_get_message_id (result), ==, "18c2a7e1f0b3d4a5");
  g_assert_cmpstr (tt_http_request_get_method (request), ==, "POST");
  g_assert_cmpstr (tt_http_request_get_path (request), ==, "/gmail/v1/users/me/messages/send");
  g_assert_cmpstr (tt_http_request_get_header (request, "Authorization"), ==, "Bearer " GMAIL_TOKEN);
  g_assert_cmpstr (tt_http_request_get_header (request, "Content-Type"), ==, "application/json");
  g_assert_cmpuint (json_object_get_size (object), ==, 1);
  raw = decode_base64url (json_object_get_string_member (object, "raw"));
  text = g_strndup (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  /* The whole RFC 5322 message, CRLF line endings. */
  tt_assert_contains (text, "From: Alerts <alerts@example.com>\r\n");
  tt_assert_contains (text, "To: oncall@example.com, backup@example.com\r\n");
  tt_assert_contains (text, "Subject: [ALERT] [WARNING] Disk almost full\r\n");
  tt_assert_contains (text, "\r\n\r\nAlert Level: WARNING\r\n\r\nDisk almost full\r\n");
  tt_assert_contains (text, "\r\n---\r\nSent by tocsin\r\n");
}

static void
test_gmail_expired_token (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (
    f, "gmail", 401, NULL,
    "{\"error\":{\"code\":401,\"message\":\"Request had invalid authentication credentials.\","
    "\"status\":\"UNAUTHENTICATED\"}}");

  tt_assert_failed_with (result, "gmail: HTTP 401: Request had invalid authentication credentials.",
                         FALSE);
  tt_assert_contains (tocsin_result_get_error (result), "the access token is expired or invalid");
}

/* A 403 whose reason is a rate limit (@data: rateLimitExceeded or userRateLimitExceeded, among
 * other errors) is retryable, with its Retry-After, and not blamed on the token's scope. */
static void
test_gmail_rate_limit (Fixture *f, gconstpointer data)
{
  const char *reason = data;
  g_autofree char *body = g_strdup_printf (
    "{\"error\":{\"code\":403,\"errors\":[{\"domain\":\"global\",\"reason\":\"backendNotice\"},"
    "{\"domain\":\"usageLimits\",\"reason\":\"%s\",\"message\":\"Rate Limit Exceeded\"}],"
    "\"message\":\"User-rate limit exceeded.\",\"status\":\"PERMISSION_DENIED\"}}", reason);
  g_autoptr (TocsinResult) result = send_answered (f, "gmail", 403, "Retry-After: 9", body);

  tt_assert_failed_with (result, "gmail: HTTP 403: User-rate limit exceeded.; rate limited by Gmail",
                         TRUE);
  tt_assert_not_contains (tocsin_result_get_error (result), "scope");
  g_assert_cmpfloat (tocsin_result_get_retry_after (result), ==, 9);
}

/* Any other 403 is final, and most likely a token without the gmail.send scope. */
static void
test_gmail_no_scope (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (
    f, "gmail", 403, NULL,
    "{\"error\":{\"code\":403,\"message\":\"Request had insufficient authentication scopes.\","
    "\"errors\":[{\"message\":\"Insufficient Permission\",\"domain\":\"global\","
    "\"reason\":\"insufficientPermissions\"}],\"status\":\"PERMISSION_DENIED\"}}");

  tt_assert_failed_with (result, "gmail: HTTP 403: Request had insufficient authentication scopes.; "
                                 "the token lacks the gmail.send scope", FALSE);
  tt_assert_not_contains (tocsin_result_get_error (result), "rate limited");
}

static void
test_gmail_api_error (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (
    f, "gmail", 400, NULL,
    "{\"error\":{\"code\":400,\"message\":\"Invalid To header\",\"status\":\"INVALID_ARGUMENT\"}}");

  tt_assert_failed_with (result, "gmail: HTTP 400: Invalid To header", FALSE);
}

static void
test_gmail_server_error (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (
    f, "gmail", 500, NULL, "{\"error\":{\"code\":500,\"message\":\"Backend Error\"}}");

  tt_assert_failed_with (result, "gmail: HTTP 500: Backend Error", TRUE);
}

/* ---- ses -------------------------------------------------------------------------------------- */

/* Checks that @request carries a valid SigV4 signature by @id / @secret (and @token) of what
 * the server received: the signer is proven against AWS's vectors (test-sigv4.c); this proves
 * that the transport signs exactly the method, path, Host, Content-Type and body it sends. */
static void
assert_signed (const TtHttpRequest *request, const char *id, const char *secret, const char *token)
{
  const char *amz_date = tt_http_request_get_header (request, "X-Amz-Date");
  gsize length = 0;
  const char *body = tt_http_request_get_body (request, &length);
  const PrivTocsinSigv4Pair headers[] = {
    { "content-type", tt_http_request_get_header (request, "Content-Type") },
    { "host", tt_http_request_get_header (request, "Host") },
  };
  g_autoptr (GDateTime) when = NULL;
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (PrivTocsinSigv4Result) expected = NULL;
  g_autoptr (GError) error = NULL;
  int y, mo, d, h, mi, se;

  g_assert_nonnull (amz_date);
  g_assert_cmpint (sscanf (amz_date, "%4d%2d%2dT%2d%2d%2dZ", &y, &mo, &d, &h, &mi, &se), ==, 6);
  when = g_date_time_new (utc, y, mo, d, h, mi, se);
  {
    PrivTocsinSigv4Request signing = {
      .method = tt_http_request_get_method (request), .path = tt_http_request_get_path (request),
      .headers = headers, .n_headers = G_N_ELEMENTS (headers), .payload = body,
      .payload_length = length, .region = "eu-west-3", .service = "ses", .access_key_id = id,
      .secret_access_key = secret, .session_token = token,
      .unix_time = g_date_time_to_unix (when),
    };
    expected = priv_tocsin_sigv4_sign (&signing, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpstr (tt_http_request_get_header (request, "Authorization"), ==, expected->authorization);
}

static void
test_ses_request (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (f, "ses", 200, NULL,
                                                   "{\"MessageId\":\"0102018c1a2b3c4d-ses-000000\"}");
  const TtHttpRequest *request = request_at (f, 0);
  g_autoptr (JsonObject) object = request_json (request);
  JsonObject *destination = json_object_get_object_member (object, "Destination");
  JsonArray *to = json_object_get_array_member (destination, "ToAddresses");
  JsonObject *raw = json_object_get_object_member (json_object_get_object_member (object, "Content"), "Raw");
  gsize length = 0;
  g_autofree guchar *mime = g_base64_decode (json_object_get_string_member (raw, "Data"), &length);
  g_autofree char *text = g_strndup ((const char *) mime, length);

  tt_assert_success (result);
  g_assert_cmpstr (tocsin_result_get_message_id (result), ==, "0102018c1a2b3c4d-ses-000000");
  g_assert_cmpstr (tt_http_request_get_method (request), ==, "POST");
  g_assert_cmpstr (tt_http_request_get_path (request), ==, "/v2/email/outbound-emails");
  g_assert_cmpstr (tt_http_request_get_header (request, "Content-Type"), ==, "application/json");
  g_assert_null (tt_http_request_get_header (request, "X-Amz-Security-Token"));
  g_assert_true (g_regex_match_simple (
    "^AWS4-HMAC-SHA256 Credential=" AWS_ID "/\\d{8}/eu-west-3/ses/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$",
    tt_http_request_get_header (request, "Authorization"), 0, 0));
  assert_signed (request, AWS_ID, AWS_SECRET, NULL);
  g_assert_cmpuint (json_object_get_size (object), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (object, "FromEmailAddress"), ==,
                   "Alerts <alerts@example.com>");
  g_assert_cmpuint (json_array_get_length (to), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (to, 0), ==, "oncall@example.com");
  g_assert_cmpstr (json_array_get_string_element (to, 1), ==, "backup@example.com");
  tt_assert_contains (text, "Subject: [ALERT] [WARNING] Disk almost full\r\n");
  tt_assert_contains (text, "\r\n\r\nAlert Level: WARNING\r\n");
}

/* A session token is sent and signed. */
static void
test_ses_session_token (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinManager) manager = load_transport (f, "ses",
                                                      "<session-token credential=\"aws_token\"/>",
                                                      &error);
  g_autoptr (TocsinAlert) alert = make_alert ();
  const TtHttpRequest *request;

  g_assert_no_error (error);
  tt_send_ok (manager, alert);
  request = request_at (f, 0);
  g_assert_cmpstr (tt_http_request_get_header (request, "X-Amz-Security-Token"), ==, AWS_TOKEN);
  tt_assert_contains (tt_http_request_get_header (request, "Authorization"),
                      "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,");
  assert_signed (request, AWS_ID, AWS_SECRET, AWS_TOKEN);
}

static void
test_ses_rejected (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (
    f, "ses", 400, "x-amzn-ErrorType: MessageRejected",
    "{\"message\":\"Email address is not verified. The following identities failed the check in "
    "region EU-WEST-3: alerts@example.com\"}");

  tt_assert_failed_with (result, "ses: HTTP 400: Email address is not verified.", FALSE);
}

static void
test_ses_throttled (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = send_answered (
    f, "ses", 429, "x-amzn-ErrorType: TooManyRequestsException",
    "{\"message\":\"Maximum sending rate exceeded.\"}");

  tt_assert_failed_with (result, "ses: HTTP 429: Maximum sending rate exceeded.", TRUE);
}

/* Without credentials in the config, the standard AWS variables are used (in a child process:
 * the environment is the process's). */
static void
test_ses_environment (Fixture *f, gconstpointer data)
{
  g_autofree char *settings = NULL;
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = make_alert ();

  if (!tt_in_subprocess ())
    return;
  g_setenv ("AWS_ACCESS_KEY_ID", "AKIDFROMENVIRONMENT", TRUE);
  g_setenv ("AWS_SECRET_ACCESS_KEY", "env/secret/key", TRUE);
  g_setenv ("AWS_SESSION_TOKEN", "env-session-token", TRUE);
  settings = g_strdup_printf ("    <transport type=\"ses\"><endpoint>%s</endpoint>"
                              "<ca-file>%s</ca-file></transport>\n" ADDRESSES,
                              tt_http_server_get_url (f->server),
                              tt_http_server_get_ca_file (f->server));
  manager = tt_load_config_ok (f->dir, PREAMBLE, "key=\"mail\" type=\"email\"", settings);
  tt_send_ok (manager, alert);
  assert_signed (request_at (f, 0), "AKIDFROMENVIRONMENT", "env/secret/key", "env-session-token");
}

static void
test_ses_no_credentials (Fixture *f, gconstpointer data)
{
  g_autofree char *message = NULL;

  if (!tt_in_subprocess ())
    return;
  g_unsetenv ("AWS_ACCESS_KEY_ID");
  g_unsetenv ("AWS_SECRET_ACCESS_KEY");
  message = tt_load_config_fails (f->dir, PREAMBLE, "key=\"mail\" type=\"email\"",
                                  "    <transport type=\"ses\"/>\n" ADDRESSES,
                                  TOCSIN_ERROR_CREDENTIAL, TRANSPORT_LINE,
                                  "ses: no AWS credentials", NULL);
}

static void
test_ses_half_credentials (Fixture *f, gconstpointer data)
{
  g_autofree char *message = tt_load_config_fails (
    f->dir, PREAMBLE, "key=\"mail\" type=\"email\"",
    "    <transport type=\"ses\"><access-key-id credential=\"aws_id\"/></transport>\n" ADDRESSES,
    TOCSIN_ERROR_MISSING_SETTING, TRANSPORT_LINE, "give both <access-key-id> and <secret-access-key>",
    NULL);
}

/* ---- ses over IPv6 ----------------------------------------------------------------------------- */

/* tests/httpserver.c listens on 127.0.0.1 only, so a relay on [::1] passes each connection on to
 * it byte for byte: the transport then reaches the recording server through an IPv6 literal
 * endpoint. The relay runs its own main context in a thread (the test blocks in tt_send_ok). */
typedef struct {
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  GSocketService *service;
  GSocketAddress *target; /* the server's 127.0.0.1:port */
  GCancellable *cancel;   /* ends the splices still running at the end */
  guint pending;          /* splices not finished: the relay thread's until joined */
  guint port;
} Relay;

static void
relay_spliced (GObject *source, GAsyncResult *res, gpointer data)
{
  Relay *relay = data;

  g_io_stream_splice_finish (res, NULL);
  relay->pending--;
}

static gboolean
relay_incoming (GSocketService *service, GSocketConnection *connection, GObject *source,
                gpointer data)
{
  Relay *relay = data;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) upstream = g_socket_client_connect (
    client, G_SOCKET_CONNECTABLE (relay->target), NULL, NULL);

  if (upstream != NULL)
    {
      relay->pending++;
      g_io_stream_splice_async (G_IO_STREAM (connection), G_IO_STREAM (upstream),
                                G_IO_STREAM_SPLICE_CLOSE_STREAM1 | G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                                G_PRIORITY_DEFAULT, relay->cancel, relay_spliced, relay);
    }
  return TRUE;
}

static gpointer
relay_thread (gpointer data)
{
  Relay *relay = data;

  g_main_context_push_thread_default (relay->context);
  g_main_loop_run (relay->loop);
  g_main_context_pop_thread_default (relay->context);
  return NULL;
}

static void
relay_free (Relay *relay)
{
  g_main_loop_quit (relay->loop);
  g_thread_join (relay->thread);
  /* Back on this thread: end what is left and let its callbacks run. */
  g_main_context_push_thread_default (relay->context);
  g_socket_service_stop (relay->service);
  g_socket_listener_close (G_SOCKET_LISTENER (relay->service));
  g_cancellable_cancel (relay->cancel);
  while (relay->pending > 0)
    g_main_context_iteration (relay->context, TRUE);
  while (g_main_context_iteration (relay->context, FALSE))
    ;
  g_main_context_pop_thread_default (relay->context);
  g_object_unref (relay->service);
  g_object_unref (relay->target);
  g_object_unref (relay->cancel);
  g_main_loop_unref (relay->loop);
  g_main_context_unref (relay->context);
  g_free (relay);
}

/* A relay from [::1]:<free port> to 127.0.0.1:@port, or NULL with @error where this host has no
 * IPv6 loopback. */
static Relay *
relay_new (guint port, GError **error)
{
  Relay *relay = g_new0 (Relay, 1);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr (GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  gboolean ok;

  relay->context = g_main_context_new ();
  relay->loop = g_main_loop_new (relay->context, FALSE);
  relay->cancel = g_cancellable_new ();
  relay->target = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  relay->service = g_socket_service_new ();
  g_signal_connect (relay->service, "incoming", G_CALLBACK (relay_incoming), relay);
  /* The service accepts in the thread-default context of the moment: the relay's. */
  g_main_context_push_thread_default (relay->context);
  ok = g_socket_listener_add_address (G_SOCKET_LISTENER (relay->service), any_port,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound,
                                      error);
  g_main_context_pop_thread_default (relay->context);
  relay->thread = g_thread_new ("tt-relay6", relay_thread, relay);
  if (!ok)
    {
      relay_free (relay);
      return NULL;
    }
  relay->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return relay;
}

/* An endpoint with an IPv6 literal host (@data: "" or a zone, "%25lo"): the request reaches the
 * server with "Host: [::1]:PORT", as libcurl writes it for the bracketed URL (a zone stays out
 * of it), and that is the Host the signature covers. Plain HTTP: the test certificate does not
 * name ::1. */
static void
test_ses_ipv6_endpoint (Fixture *f, gconstpointer data)
{
  g_autoptr (TtHttpServer) server = tt_http_server_new (FALSE);
  g_autoptr (GError) error = NULL;
  Relay *relay = relay_new (tt_http_server_get_port (server), &error);
  g_autofree char *settings = NULL;
  g_autofree char *host = NULL;
  TocsinManager *manager;
  g_autoptr (TocsinAlert) alert = make_alert ();
  const TtHttpRequest *request;

  if (relay == NULL)
    {
      g_autofree char *why = g_strdup_printf ("no IPv6 loopback (::1) to listen on: %s",
                                              error->message);
      g_test_skip (why);
      return;
    }
  settings = g_strdup_printf ("    <transport type=\"ses\">" SES_KEYS "<endpoint>http://[::1%s]:%u"
                              "</endpoint></transport>\n" ADDRESSES, (const char *) data,
                              relay->port);
  host = g_strdup_printf ("[::1]:%u", relay->port);
  manager = tt_load_config_ok (f->dir, PREAMBLE, "key=\"mail\" type=\"email\"", settings);
  tt_http_server_push_response (server, 200, NULL, "{\"MessageId\":\"ipv6-message\"}");
  tt_send_ok (manager, alert);
  /* Closes the client's connection, so the relay's splice ends on its own. */
  tocsin_manager_unref (manager);
  relay_free (relay);

  g_assert_cmpuint (tt_http_server_get_n_requests (server), ==, 1);
  request = tt_http_server_get_request (server, 0);
  g_assert_cmpstr (tt_http_request_get_path (request), ==, "/v2/email/outbound-emails");
  g_assert_cmpstr (tt_http_request_get_header (request, "Host"), ==, host);
  tt_assert_contains (tt_http_request_get_header (request, "Authorization"),
                      "SignedHeaders=content-type;host;x-amz-date,");
  assert_signed (request, AWS_ID, AWS_SECRET, NULL);
}

/* ---- configuration and TLS -------------------------------------------------------------------- */

static void
test_config_base_url (Fixture *f, gconstpointer data)
{
  const char *type = data;
  g_autofree char *settings = g_strdup_printf (
    "    <transport type=\"%s\">\n      %s\n      <base-url>ftp://mail.example.org</base-url>\n"
    "    </transport>\n" ADDRESSES, type,
    g_str_equal (type, "resend") ? "<api-key credential=\"resend_key\"/>"
                                 : "<access-token credential=\"gmail_token\"/>");
  g_autofree char *message = tt_load_config_fails (f->dir, PREAMBLE, "key=\"mail\" type=\"email\"",
                                                   settings, TOCSIN_ERROR_INVALID_VALUE,
                                                   "tocsin.xml:13: ", "<base-url> 'ftp://mail.example.org'",
                                                   NULL);
}

static void
test_config_missing_secret (Fixture *f, gconstpointer data)
{
  const char *type = data;
  g_autofree char *settings = g_strdup_printf ("    <transport type=\"%s\"/>\n" ADDRESSES, type);
  g_autofree char *message = tt_load_config_fails (
    f->dir, PREAMBLE, "key=\"mail\" type=\"email\"", settings, TOCSIN_ERROR_MISSING_SETTING,
    TRANSPORT_LINE, g_str_equal (type, "resend") ? "<api-key>" : "<access-token>", NULL);
}

/* Without the test CA the server's certificate is refused, permanently. */
static void
test_tls_untrusted (Fixture *f, gconstpointer data)
{
  g_autofree char *settings = g_strdup_printf (
    "    <transport type=\"resend\"><api-key credential=\"resend_key\"/><base-url>%s</base-url>"
    "</transport>\n" ADDRESSES, tt_http_server_get_url (f->server));
  g_autoptr (TocsinManager) manager = tt_load_config_ok (f->dir, PREAMBLE,
                                                         "key=\"mail\" type=\"email\"", settings);
  g_autoptr (TocsinAlert) alert = make_alert ();
  g_autoptr (TocsinResult) result = tt_send_one (manager, alert);

  tt_assert_failed_with (result, "resend: ", FALSE);
  g_assert_cmpuint (tt_http_server_get_n_requests (f->server), ==, 0);
}

/* ---- main ------------------------------------------------------------------------------------- */

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
#define ADD_DATA(path, data, func) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  tt_unset_proxy_env ();
  /* Before any thread starts: setenv is not thread-safe. */
  g_setenv (RESEND_KEY_VAR, RESEND_KEY, TRUE);
  g_setenv (GMAIL_TOKEN_VAR, GMAIL_TOKEN, TRUE);
  g_setenv (AWS_ID_VAR, AWS_ID, TRUE);
  g_setenv (AWS_SECRET_VAR, AWS_SECRET, TRUE);
  g_setenv (AWS_TOKEN_VAR, AWS_TOKEN, TRUE);
  tt_init (&argc, &argv);

  ADD ("/mailapi/resend/request", test_resend_request);
  ADD ("/mailapi/resend/idempotency", test_resend_idempotency);
  ADD ("/mailapi/resend/api-error", test_resend_api_error);
  ADD ("/mailapi/resend/bad-key", test_resend_bad_key);
  ADD ("/mailapi/resend/rate-limited", test_resend_rate_limited);
  ADD ("/mailapi/resend/server-error", test_resend_server_error);
  ADD ("/mailapi/resend/concurrent-request", test_resend_concurrent_request);
  ADD ("/mailapi/gmail/request", test_gmail_request);
  ADD ("/mailapi/gmail/expired-token", test_gmail_expired_token);
  ADD_DATA ("/mailapi/gmail/rate-limit/project", "rateLimitExceeded", test_gmail_rate_limit);
  ADD_DATA ("/mailapi/gmail/rate-limit/user", "userRateLimitExceeded", test_gmail_rate_limit);
  ADD ("/mailapi/gmail/no-scope", test_gmail_no_scope);
  ADD ("/mailapi/gmail/api-error", test_gmail_api_error);
  ADD ("/mailapi/gmail/server-error", test_gmail_server_error);
  ADD ("/mailapi/ses/request", test_ses_request);
  ADD ("/mailapi/ses/session-token", test_ses_session_token);
  ADD ("/mailapi/ses/rejected", test_ses_rejected);
  ADD ("/mailapi/ses/throttled", test_ses_throttled);
  ADD ("/mailapi/ses/environment", test_ses_environment);
  ADD ("/mailapi/ses/no-credentials", test_ses_no_credentials);
  ADD ("/mailapi/ses/half-credentials", test_ses_half_credentials);
  ADD_DATA ("/mailapi/ses/ipv6/endpoint", "", test_ses_ipv6_endpoint);
  ADD_DATA ("/mailapi/ses/ipv6/zone", "%25lo", test_ses_ipv6_endpoint);
  ADD_DATA ("/mailapi/config/resend/base-url", "resend", test_config_base_url);
  ADD_DATA ("/mailapi/config/gmail/base-url", "gmail", test_config_base_url);
  ADD_DATA ("/mailapi/config/resend/missing-key", "resend", test_config_missing_secret);
  ADD_DATA ("/mailapi/config/gmail/missing-token", "gmail", test_config_missing_secret);
  ADD ("/mailapi/tls/untrusted", test_tls_untrusted);

  return g_test_run ();
}
