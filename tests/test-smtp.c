/* test-smtp.c: the smtp transport through the email channel, against a real SMTP server on
 * loopback (tests/smtpserver.py: aiosmtpd, started and stopped by each test) that records what
 * it received, so every header and the body are checked as the server got them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "httpserver.h"
#include "smtpserver.h"
#include "testutil.h"

#include <string.h>

#define PASSWORD_VAR "TT_SMTP_PASSWORD"
#define BAD_PASSWORD_VAR "TT_SMTP_BAD_PASSWORD"
#define RESEND_KEY_VAR "TT_SMTP_RESEND_KEY"
#define PASSWORD "tt-smtp-secret-3e8b"
#define BAD_PASSWORD "tt-smtp-wrong-6a1c"
#define USER "alerts"

/* <defaults max-attempts="1"/>: one attempt per delivery unless a test asks for retries (they
 * have tests of their own); on the credentials' line, so that line numbers stay as they are. */
#define PREAMBLE \
  "  <defaults max-attempts=\"1\"/><credentials>\n" \
  "    <credential name=\"smtp_pw\" type=\"env\" var=\"" PASSWORD_VAR "\"/>\n" \
  "    <credential name=\"bad_pw\" type=\"env\" var=\"" BAD_PASSWORD_VAR "\"/>\n" \
  "    <credential name=\"resend_key\" type=\"env\" var=\"" RESEND_KEY_VAR "\"/>\n" \
  "  </credentials>\n"

#define ADDRESSES \
  "    <sender>Alerts &lt;alerts@example.com&gt;</sender>\n" \
  "    <recipient>oncall@example.com</recipient>\n" \
  "    <recipient>backup@example.org</recipient>\n"

typedef struct {
  char *dir;
  TtSmtpServer *server;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = tt_make_tmpdir ();
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->server, tt_smtp_server_free);
  tt_rm_rf (f->dir);
  g_free (f->dir);
}

/* The <transport> of an smtp channel to the fixture's server, with @security and @extra. */
static char *
dup_transport (Fixture *f, const char *security, const char *extra)
{
  const char *ca = tt_smtp_server_get_ca_file (f->server);
  g_autofree char *ca_line = ca ? g_strdup_printf ("<ca-file>%s</ca-file>", ca) : g_strdup ("");

  return g_strdup_printf ("    <transport type=\"smtp\"><host>127.0.0.1</host><port>%u</port>"
                          "<security>%s</security>%s%s</transport>\n",
                          tt_smtp_server_get_port (f->server), security, ca_line,
                          extra ? extra : "");
}

static TocsinManager *
load_smtp (Fixture *f, const char *attrs, const char *security, const char *extra)
{
  g_autofree char *transport = dup_transport (f, security, extra);
  g_autofree char *settings = g_strconcat (transport, ADDRESSES, NULL);
  g_autofree char *channel = g_strdup_printf ("key=\"mail\" type=\"email\" %s", attrs ? attrs : "");

  return tt_load_config_ok (f->dir, PREAMBLE, channel, settings);
}

/* Sends @alert, and fails on a password in the log or the result (transfer full). @log
 * (optional) gets what was logged meanwhile (transfer full). */
static TocsinResult *
send_logged (TocsinManager *manager, TocsinAlert *alert, char **log)
{
  g_autofree char *text = NULL;
  TocsinResult *result;

  tt_log_capture_start ();
  result = tt_send_one (manager, alert);
  text = tt_log_capture_stop_no_secret (PASSWORD, BAD_PASSWORD, NULL);
  tt_assert_not_contains (tocsin_result_get_error (result), PASSWORD);
  tt_assert_not_contains (tocsin_result_get_error (result), BAD_PASSWORD);
  if (log != NULL)
    *log = g_steal_pointer (&text);
  return result;
}

static TocsinResult *
send_checked (TocsinManager *manager, TocsinAlert *alert)
{
  return send_logged (manager, alert, NULL);
}

/* The @index-th message the server accepted, waiting for it (transfer none). */
static const TtSmtpMessage *
received (Fixture *f, guint index)
{
  g_assert_true (tt_smtp_server_wait_messages (f->server, index + 1, 10000));
  return tt_smtp_server_get_message (f->server, index);
}

/* The value of header @name in @data's head, unfolded (transfer full), or NULL. */
static char *
dup_header (const char *data, const char *name)
{
  g_autofree char *prefix = g_strdup_printf ("\r\n%s: ", name);
  g_autofree char *head = g_strndup (data, (gsize) (strstr (data, "\r\n\r\n") - data) + 2);
  g_autofree char *wrapped = g_strconcat ("\r\n", head, NULL);
  const char *start = strstr (wrapped, prefix);
  GString *value;

  if (start == NULL)
    return NULL;
  value = g_string_new (NULL);
  for (const char *p = start + strlen (prefix); *p; p++)
    {
      if (p[0] == '\r' && p[1] == '\n' && p[2] != ' ' && p[2] != '\t')
        break;
      if (*p != '\r' && *p != '\n')
        g_string_append_c (value, *p);
    }
  return g_string_free (value, FALSE);
}

static void
assert_header (const char *wire, const char *name, const char *expected)
{
  g_autofree char *value = dup_header (wire, name);

  g_assert_cmpstr (value, ==, expected);
}

/* ---- delivery --------------------------------------------------------------------------------- */

/* Plain SMTP: the envelope, every header and the body exactly as the server received them. */
static void
test_plain_delivery (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Disk almost full", "/var at 91%",
                                                 TOCSIN_LEVEL_WARNING, FALSE);
  g_autoptr (TocsinResult) result = NULL;
  const TtSmtpMessage *message;
  const char *const *rcpt;
  const char *wire;
  g_autofree char *body = NULL;
  g_autofree char *expected_id = NULL;
  g_autofree char *date = NULL;

  f->server = tt_smtp_server_new (NULL);
  manager = load_smtp (f, NULL, "none", NULL);
  result = send_checked (manager, alert);
  tt_assert_success (result);
  message = received (f, 0);
  wire = tt_smtp_message_get_data (message, NULL);
  rcpt = tt_smtp_message_get_rcpt_to (message);

  g_assert_cmpstr (tt_smtp_message_get_mail_from (message), ==, "alerts@example.com");
  g_assert_cmpstr (rcpt[0], ==, "oncall@example.com");
  g_assert_cmpstr (rcpt[1], ==, "backup@example.org");
  g_assert_null (rcpt[2]);
  g_assert_false (tt_smtp_message_get_used_tls (message));
  g_assert_null (tt_smtp_message_get_auth_user (message));

  expected_id = g_strdup_printf ("%s.mail@example.com", tocsin_alert_get_id (alert));
  g_assert_cmpstr (tocsin_result_get_message_id (result), ==, expected_id);
  expected_id = (g_free (expected_id), g_strdup_printf ("<%s.mail@example.com>", tocsin_alert_get_id (alert)));
  assert_header (wire, "Message-Id", expected_id);
  date = dup_header (wire, "Date");
  g_assert_nonnull (date);
  g_assert_true (g_regex_match_simple ("^[A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} 2026 \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}$",
                                       date, 0, 0));
  assert_header (wire, "From", "Alerts <alerts@example.com>");
  assert_header (wire, "To", "oncall@example.com, backup@example.org");
  assert_header (wire, "Subject", "[ALERT] [WARNING] Disk almost full");
  assert_header (wire, "MIME-Version", "1.0");
  assert_header (wire, "Content-Type", "text/plain; charset=utf-8");
  body = g_strdup (strstr (wire, "\r\n\r\n") + 4);
  g_assert_cmpstr (body, ==, "Alert Level: WARNING\r\n\r\nDisk almost full\r\n================\r\n"
                             "\r\n/var at 91%\r\n\r\n---\r\nSent by tocsin\r\n");
}

/* A non-ASCII subject arrives RFC 2047-encoded; a title with CR/LF adds no header; a body line
 * holding a lone "." does not end the message early (libcurl dot-stuffs it). */
static void
test_hostile_text (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Température ✓\r\nBcc: attacker@evil.example",
                                                 "before\n.\nafter\n.", TOCSIN_LEVEL_CRITICAL, FALSE);
  g_autoptr (TocsinResult) result = NULL;
  const char *wire;
  g_autofree char *subject = NULL;
  g_autofree char *head = NULL;

  f->server = tt_smtp_server_new (NULL);
  manager = load_smtp (f, NULL, "none", NULL);
  result = send_checked (manager, alert);
  tt_assert_success (result);
  wire = tt_smtp_message_get_data (received (f, 0), NULL);
  head = g_strndup (wire, (gsize) (strstr (wire, "\r\n\r\n") - wire));
  subject = dup_header (wire, "Subject");
  g_assert_nonnull (subject);
  tt_assert_contains (subject, "=?");
  for (const guchar *p = (const guchar *) head; *p; p++)
    g_assert_cmpuint (*p, <, 0x80);
  g_assert_null (strstr (head, "\r\nBcc:"));
  g_assert_cmpuint (g_strv_length ((char **) tt_smtp_message_get_rcpt_to (received (f, 0))), ==, 2);
  /* The body (quoted-printable, for the non-ASCII title) keeps both lone dots and its end. */
  tt_assert_contains (wire, "\r\nbefore\r\n.\r\nafter\r\n.\r\n");
  tt_assert_contains (wire, "\r\n---\r\nSent by tocsin\r\n");
}

/* STARTTLS with the test CA, then AUTH: the session was encrypted and authenticated. */
static void
test_starttls_auth (Fixture *f, gconstpointer data)
{
  TtSmtpOptions options = { .security = TT_SMTP_STARTTLS, .require_starttls = TRUE,
                            .username = USER, .password = PASSWORD };
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;
  const TtSmtpMessage *message;

  f->server = tt_smtp_server_new (&options);
  manager = load_smtp (f, NULL, "starttls",
                       "<username>" USER "</username><password credential=\"smtp_pw\"/>");
  result = send_checked (manager, alert);
  tt_assert_success (result);
  message = received (f, 0);
  g_assert_true (tt_smtp_message_get_used_tls (message));
  g_assert_cmpstr (tt_smtp_message_get_auth_user (message), ==, USER);
}

/* STARTTLS is the default security. */
static void
test_starttls_default (Fixture *f, gconstpointer data)
{
  TtSmtpOptions options = { .security = TT_SMTP_STARTTLS };
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinResult) result = NULL;
  g_autofree char *settings = NULL;

  f->server = tt_smtp_server_new (&options);
  settings = g_strdup_printf ("    <transport type=\"smtp\"><host>127.0.0.1</host><port>%u</port>"
                              "<ca-file>%s</ca-file></transport>\n" ADDRESSES,
                              tt_smtp_server_get_port (f->server),
                              tt_smtp_server_get_ca_file (f->server));
  manager = tt_load_config_ok (f->dir, PREAMBLE, "key=\"mail\" type=\"email\"", settings);
  result = send_checked (manager, alert);
  tt_assert_success (result);
  g_assert_true (tt_smtp_message_get_used_tls (received (f, 0)));
}

/* Implicit TLS (SMTPS) with AUTH. */
static void
test_implicit_tls (Fixture *f, gconstpointer data)
{
  TtSmtpOptions options = { .security = TT_SMTP_IMPLICIT_TLS, .username = USER,
                            .password = PASSWORD };
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;

  f->server = tt_smtp_server_new (&options);
  manager = load_smtp (f, NULL, "tls", "<username>" USER "</username><password credential=\"smtp_pw\"/>");
  result = send_checked (manager, alert);
  tt_assert_success (result);
  g_assert_true (tt_smtp_message_get_used_tls (received (f, 0)));
  g_assert_cmpstr (tt_smtp_message_get_auth_user (received (f, 0)), ==, USER);
}

/* A server that does not offer STARTTLS is an error, never a plain-text fall-back. */
static void
test_starttls_not_offered (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;

  f->server = tt_smtp_server_new (NULL);
  manager = load_smtp (f, NULL, "starttls", "<username>" USER "</username><password credential=\"smtp_pw\"/>");
  result = send_checked (manager, alert);
  tt_assert_failed_with (result, "does not offer STARTTLS", FALSE);
  g_assert_cmpuint (tt_smtp_server_get_n_messages (f->server), ==, 0);
}

/* Without the CA the server's certificate is refused, permanently, and nothing is sent. */
static void
test_starttls_untrusted (Fixture *f, gconstpointer data)
{
  TtSmtpOptions options = { .security = TT_SMTP_STARTTLS };
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;
  g_autofree char *settings = NULL;

  f->server = tt_smtp_server_new (&options);
  settings = g_strdup_printf ("    <transport type=\"smtp\"><host>127.0.0.1</host><port>%u</port>"
                              "</transport>\n" ADDRESSES, tt_smtp_server_get_port (f->server));
  manager = tt_load_config_ok (f->dir, PREAMBLE, "key=\"mail\" type=\"email\"", settings);
  result = send_checked (manager, alert);
  tt_assert_failed_with (result, "smtp 127.0.0.1:", FALSE);
  g_assert_cmpuint (tt_smtp_server_get_n_messages (f->server), ==, 0);
}

static void
test_auth_failure (Fixture *f, gconstpointer data)
{
  TtSmtpOptions options = { .security = TT_SMTP_STARTTLS, .username = USER, .password = PASSWORD };
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;

  f->server = tt_smtp_server_new (&options);
  manager = load_smtp (f, NULL, "starttls", "<username>" USER "</username><password credential=\"bad_pw\"/>");
  result = send_checked (manager, alert);
  tt_assert_failed_with (result, "(reply 535: permanent failure)", FALSE);
  tt_assert_contains (tocsin_result_get_error (result), "check <username> and the <password>");
  g_assert_cmpuint (tt_smtp_server_get_n_messages (f->server), ==, 0);
}

/* A recipient the server refuses (550) does not keep the message from the other: a success,
 * with a warning that names the refused address and quotes the reply. Over STARTTLS with AUTH,
 * in a subprocess: libcurl's debug stream, read to tell the recipients apart, is printed
 * nowhere, and the AUTH exchange is in no log. */
static void
test_one_recipient_refused (Fixture *f, gconstpointer data)
{
  TtSmtpOptions options = { .security = TT_SMTP_STARTTLS, .username = USER,
                            .password = PASSWORD, .reject_rcpt = "backup@*" };
  const char *const accepted[] = { "oncall@example.com", NULL };
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;
  g_autofree char *log = NULL;

  if (!tt_in_subprocess ())
    {
      g_test_trap_assert_stderr_unmatched ("*RCPT TO*");
      g_test_trap_assert_stderr_unmatched ("*AUTH*");
      g_test_trap_assert_stdout_unmatched ("*RCPT TO*");
      g_test_trap_assert_stdout_unmatched ("*AUTH*");
      return;
    }
  f->server = tt_smtp_server_new (&options);
  manager = load_smtp (f, NULL, "starttls",
                       "<username>" USER "</username><password credential=\"smtp_pw\"/>");
  result = send_logged (manager, alert, &log);
  tt_assert_success (result);
  g_assert_cmpstrv (tt_smtp_message_get_rcpt_to (received (f, 0)), accepted);
  tt_assert_contains (log, "WARNING [mail] smtp 127.0.0.1:");
  tt_assert_contains (log, ": the message went to 1 of 2 recipients: the server refused "
                           "<backup@example.org> 550 5.1.1 <backup@example.org>: Recipient "
                           "address rejected\n");
  tt_assert_not_contains (log, "AUTH");
}

/* Every recipient refused (550): a permanent failure that names each, with its reply. */
static void
test_all_recipients_refused (Fixture *f, gconstpointer data)
{
  TtSmtpOptions options = { .reject_rcpt = "*" };
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;

  f->server = tt_smtp_server_new (&options);
  manager = load_smtp (f, NULL, "none", NULL);
  result = send_checked (manager, alert);
  tt_assert_failed_with (result, ": the server refused every recipient: <oncall@example.com> 550 "
                         "5.1.1 <oncall@example.com>: Recipient address rejected; "
                         "<backup@example.org> 550 5.1.1 <backup@example.org>: Recipient "
                         "address rejected (reply 550: permanent failure)", FALSE);
  g_assert_cmpuint (tt_smtp_server_get_n_messages (f->server), ==, 0);
  g_assert_cmpuint (tt_smtp_server_get_n_data_commands (f->server), ==, 0);
}

/* Every recipient refused for now (450): a failure to try again. */
static void
test_all_recipients_deferred (Fixture *f, gconstpointer data)
{
  TtSmtpOptions options = { .reject_rcpt = "*", .reject_rcpt_code = 450 };
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;

  f->server = tt_smtp_server_new (&options);
  manager = load_smtp (f, NULL, "none", NULL);
  result = send_checked (manager, alert);
  tt_assert_failed_with (result, "<backup@example.org> 450 4.1.1 <backup@example.org>: Recipient "
                         "address rejected (reply 450: temporary failure)", TRUE);
  tt_assert_contains (tocsin_result_get_error (result), "<oncall@example.com> 450 4.1.1");
  g_assert_cmpuint (tt_smtp_server_get_n_messages (f->server), ==, 0);
}

/* A temporary failure (451 at DATA) is retryable; the next message goes through. */
static void
test_temporary_failure (Fixture *f, gconstpointer data)
{
  TtSmtpOptions options = { .tempfail_data = 1 };
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) first = NULL;
  g_autoptr (TocsinResult) second = NULL;

  f->server = tt_smtp_server_new (&options);
  manager = load_smtp (f, NULL, "none", NULL);
  first = send_checked (manager, alert);
  tt_assert_failed_with (first, "(reply 451: temporary failure)", TRUE);
  second = send_checked (manager, alert);
  tt_assert_success (second);
  g_assert_nonnull (received (f, 0));
}

/* The server is gone: a retryable failure, reported within the timeout. */
static void
test_server_gone (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;

  f->server = tt_smtp_server_new (NULL);
  manager = load_smtp (f, NULL, "none", NULL);
  tt_smtp_server_stop (f->server);
  result = send_checked (manager, alert);
  tt_assert_failed_with (result, "smtp 127.0.0.1:", TRUE);
}

/* Consecutive messages reuse the connection: never more connections than workers. */
static void
test_connection_reuse (Fixture *f, gconstpointer data)
{
  guint workers = GPOINTER_TO_UINT (data);
  g_autofree char *attrs = g_strdup_printf ("workers=\"%u\"", workers);
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (GPtrArray) alerts = tt_alert_array_new ();
  g_autoptr (GPtrArray) results = NULL;

  f->server = tt_smtp_server_new (NULL);
  manager = load_smtp (f, attrs, "none", NULL);
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *title = g_strdup_printf ("alert %u", i);
      g_ptr_array_add (alerts, tt_make_alert (title, NULL, TOCSIN_LEVEL_INFO, FALSE));
    }
  results = tocsin_manager_send_many (manager, (TocsinAlert *const *) alerts->pdata, alerts->len,
                                      NULL);
  for (guint i = 0; i < results->len; i++)
    tt_assert_success (results->pdata[i]);
  g_assert_true (tt_smtp_server_wait_messages (f->server, 12, 10000));
  g_assert_cmpuint (tt_smtp_server_get_n_connections (f->server), >=, 1);
  g_assert_cmpuint (tt_smtp_server_get_n_connections (f->server), <=, workers);
}

typedef struct {
  TtSmtpSecurity security;
  gboolean reply_421;
} IdleCloseCase;

static const IdleCloseCase plain_421 = { TT_SMTP_PLAIN, TRUE };
static const IdleCloseCase plain_silent = { TT_SMTP_PLAIN, FALSE };
static const IdleCloseCase starttls_421 = { TT_SMTP_STARTTLS, TRUE };
static const IdleCloseCase starttls_silent = { TT_SMTP_STARTTLS, FALSE };

/* The server closes the connection once it has been idle for a while after a message, as a
 * real server's command timeout does, with a "421 ... timeout" line first (Postfix, Exim) or
 * without (over STARTTLS, the close_notify is still there to read): the next message goes at
 * once on a new connection, in one attempt (max-attempts is 1). */
static void
test_server_closed_idle (Fixture *f, gconstpointer data)
{
  const IdleCloseCase *c = data;
  TtSmtpOptions options = { .security = c->security, .idle_close_ms = 300,
                            .idle_close_421 = c->reply_421 };
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) first = NULL;
  g_autoptr (TocsinResult) second = NULL;
  g_autofree char *log = NULL;

  f->server = tt_smtp_server_new (&options);
  manager = load_smtp (f, "workers=\"1\"", c->security == TT_SMTP_PLAIN ? "none" : "starttls",
                       NULL);
  first = send_checked (manager, alert);
  tt_assert_success (first);
  /* Not a sleep: the server reports the close once it has sent its last bytes. */
  g_assert_true (tt_smtp_server_wait_idle_closes (f->server, 1, 10000));
  second = send_logged (manager, alert, &log);
  tt_assert_success (second);
  g_assert_cmpuint (tocsin_result_get_attempts (second), ==, 1);
  g_assert_cmpuint (tt_smtp_message_get_connection (received (f, 1)), ==, 1);
  g_assert_cmpuint (tt_smtp_server_get_n_connections (f->server), ==, 2);
  /* libcurl finds out by itself only when the server sent nothing before it closed; otherwise
   * the message failed on the old connection first. */
  if (c->security != TT_SMTP_PLAIN || c->reply_421)
    tt_assert_contains (log, "the server had closed the idle connection");
}

/* Two email channels on different transports (SMTP and Resend's HTTP API), both delivered by
 * one send. */
static void
test_two_transports (Fixture *f, gconstpointer data)
{
  g_autoptr (TtHttpServer) api = tt_http_server_new (TRUE);
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Both ways", NULL, TOCSIN_LEVEL_CRITICAL, FALSE);
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *smtp = NULL;

  f->server = tt_smtp_server_new (NULL);
  smtp = dup_transport (f, "none", NULL);
  tt_http_server_push_response (api, 200, NULL, "{\"id\":\"re-msg-1\"}");
  xml = g_strdup_printf ("<tocsin version=\"1\">\n" PREAMBLE
                         "  <channel key=\"ops-mail\" type=\"email\">\n%s" ADDRESSES "  </channel>\n"
                         "  <channel key=\"api-mail\" type=\"email\">\n"
                         "    <transport type=\"resend\"><api-key credential=\"resend_key\"/>"
                         "<base-url>%s</base-url><ca-file>%s</ca-file></transport>\n"
                         ADDRESSES "  </channel>\n</tocsin>\n",
                         smtp, tt_http_server_get_url (api), tt_http_server_get_ca_file (api));
  path = tt_write_file (f->dir, "two.xml", xml);
  manager = tocsin_manager_new_from_file (path, &error);
  g_assert_no_error (error);
  results = tocsin_manager_send (manager, alert, NULL);
  g_assert_cmpuint (results->len, ==, 2);
  for (guint i = 0; i < results->len; i++)
    tt_assert_success (results->pdata[i]);
  g_assert_true (tt_smtp_server_wait_messages (f->server, 1, 10000));
  g_assert_cmpuint (tt_http_server_get_n_requests (api), ==, 1);
  g_assert_cmpstr (tt_http_request_get_path (tt_http_server_get_request (api, 0)), ==, "/emails");
}

/* ---- configuration ---------------------------------------------------------------------------- */

static void
test_config_port (Fixture *f, gconstpointer data)
{
  g_autofree char *message = tt_load_config_fails (
    f->dir, PREAMBLE, "key=\"mail\" type=\"email\"",
    "    <transport type=\"smtp\">\n      <host>mail.example.com</host>\n      <port>70000</port>\n"
    "    </transport>\n" ADDRESSES, TOCSIN_ERROR_INVALID_VALUE, "tocsin.xml:11: ",
    "<port> 70000 is not a TCP port", NULL);

  /* The location is given once, first, with the channel and the transport after it. */
  tt_assert_contains (message, "tocsin.xml:11: channel 'mail' (type email): transport 'smtp': smtp: ");
  g_assert_null (strstr (strstr (message, "tocsin.xml:") + 1, "tocsin.xml:"));
}

static void
test_config_security (Fixture *f, gconstpointer data)
{
  g_autofree char *message = tt_load_config_fails (
    f->dir, PREAMBLE, "key=\"mail\" type=\"email\"",
    "    <transport type=\"smtp\">\n      <host>mail.example.com</host>\n"
    "      <security>opportunistic</security>\n    </transport>\n" ADDRESSES,
    TOCSIN_ERROR_INVALID_VALUE, "tocsin.xml:11: ", "opportunistic", NULL);
}

static void
test_config_missing_host (Fixture *f, gconstpointer data)
{
  g_autofree char *message = tt_load_config_fails (
    f->dir, PREAMBLE, "key=\"mail\" type=\"email\"", "    <transport type=\"smtp\"/>\n" ADDRESSES,
    TOCSIN_ERROR_MISSING_SETTING, "tocsin.xml:9: ", "transport 'smtp': missing required setting <host>",
    NULL);
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
  g_setenv (PASSWORD_VAR, PASSWORD, TRUE);
  g_setenv (BAD_PASSWORD_VAR, BAD_PASSWORD, TRUE);
  g_setenv (RESEND_KEY_VAR, "re_tt_two_transports", TRUE);
  tt_init (&argc, &argv);

  ADD ("/smtp/deliver/plain", test_plain_delivery);
  ADD ("/smtp/deliver/hostile-text", test_hostile_text);
  ADD ("/smtp/deliver/two-transports", test_two_transports);
  ADD ("/smtp/tls/starttls-auth", test_starttls_auth);
  ADD ("/smtp/tls/starttls-default", test_starttls_default);
  ADD ("/smtp/tls/implicit", test_implicit_tls);
  ADD ("/smtp/tls/starttls-not-offered", test_starttls_not_offered);
  ADD ("/smtp/tls/untrusted", test_starttls_untrusted);
  ADD ("/smtp/fail/auth", test_auth_failure);
  ADD ("/smtp/recipients/one-refused", test_one_recipient_refused);
  ADD ("/smtp/recipients/all-refused-5xx", test_all_recipients_refused);
  ADD ("/smtp/recipients/all-refused-4xx", test_all_recipients_deferred);
  ADD ("/smtp/fail/temporary", test_temporary_failure);
  ADD ("/smtp/fail/server-gone", test_server_gone);
  ADD_DATA ("/smtp/reuse/one-worker", GUINT_TO_POINTER (1), test_connection_reuse);
  ADD_DATA ("/smtp/reuse/four-workers", GUINT_TO_POINTER (4), test_connection_reuse);
  ADD_DATA ("/smtp/reuse/server-closed-plain-421", &plain_421, test_server_closed_idle);
  ADD_DATA ("/smtp/reuse/server-closed-plain-silent", &plain_silent, test_server_closed_idle);
  ADD_DATA ("/smtp/reuse/server-closed-starttls-421", &starttls_421, test_server_closed_idle);
  ADD_DATA ("/smtp/reuse/server-closed-starttls-silent", &starttls_silent,
            test_server_closed_idle);
  ADD ("/smtp/config/port", test_config_port);
  ADD ("/smtp/config/security", test_config_security);
  ADD ("/smtp/config/missing-host", test_config_missing_host);

  return g_test_run ();
}
