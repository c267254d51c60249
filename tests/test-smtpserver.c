/* test-smtpserver.c: self-tests of the SMTP test server (smtpserver.h), with libcurl's SMTP
 * client, so that the e-mail channel's tests can trust what the server reports.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "smtpserver.h"

#include <curl/curl.h>
#include <string.h>
#include <sys/socket.h>

/* libcurl 8.2 fixed the spelling of this option; 7.88 (Debian 12) only has the old one. */
#if CURL_AT_LEAST_VERSION(8, 2, 0)
#define TT_CURLOPT_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLOWFAILS
#else
#define TT_CURLOPT_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLLOWFAILS
#endif

#define WAIT_MS 20000

/* CRLF line ends throughout, a line that is a lone dot and one that starts with dots (the client
 * dot-stuffs them, the server must give them back as sent), 8-bit UTF-8, and a final CRLF (with
 * it, the client adds nothing before the closing ".\r\n"). */
static const char test_mail[] =
  "From: Sender <sender@example.com>\r\n"
  "To: one@example.org, two@example.net\r\n"
  "Subject: =?UTF-8?Q?caf=C3=A9?=\r\n"
  "\r\n"
  "First line, caf\xc3\xa9.\r\n"
  ".\r\n"
  "..two leading dots\r\n"
  "last line\r\n";

typedef struct
{
  const char *url;
  const char *from;
  const char *const *rcpt;  /* NULL-terminated */
  const char *ca_file;      /* (nullable) the client's only trusted CA */
  gboolean starttls;        /* require STARTTLS (CURLUSESSL_ALL) */
  const char *username;     /* (nullable) */
  const char *password;
  const char *mechanism;    /* (nullable) "PLAIN", "LOGIN": the only one curl may use */
  gboolean rcpt_allowfails; /* go on when some RCPT TO are refused */
} Mail;

typedef struct
{
  const char *data;
  gsize length;
  gsize offset;
} Upload;

static size_t
read_cb (char *buffer, size_t size, size_t nitems, void *user_data)
{
  Upload *upload = user_data;
  size_t n = MIN (size * nitems, upload->length - upload->offset);

  memcpy (buffer, upload->data + upload->offset, n);
  upload->offset += n;
  return n;
}

/* Sends test_mail as @mail says with @curl, whose connection curl may keep for the next
 * transfer. @response_code (optional) gets the last SMTP reply code. */
static CURLcode
send_with (CURL *curl, const Mail *mail, long *response_code)
{
  static const char *const default_rcpt[] = { "one@example.org", NULL };
  g_autofree char *login_options = NULL;
  g_autofree char *from = g_strdup_printf ("<%s>", mail->from ? mail->from : "sender@example.com");
  char error_text[CURL_ERROR_SIZE] = "";
  Upload upload = { test_mail, sizeof test_mail - 1, 0 };
  struct curl_slist *rcpt = NULL;
  CURLcode code;

  for (const char *const *r = mail->rcpt ? mail->rcpt : default_rcpt; *r != NULL; r++)
    rcpt = curl_slist_append (rcpt, *r);
  if (mail->mechanism != NULL)
    login_options = g_strdup_printf ("AUTH=%s", mail->mechanism);
  curl_easy_setopt (curl, CURLOPT_URL, mail->url);
  curl_easy_setopt (curl, CURLOPT_MAIL_FROM, from);
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt (curl, TT_CURLOPT_RCPT_ALLOWFAILS, (long) mail->rcpt_allowfails);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt (curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (curl, CURLOPT_USE_SSL, mail->starttls ? (long) CURLUSESSL_ALL
                                                          : (long) CURLUSESSL_NONE);
  curl_easy_setopt (curl, CURLOPT_CAINFO, mail->ca_file);
  curl_easy_setopt (curl, CURLOPT_USERNAME, mail->username);
  curl_easy_setopt (curl, CURLOPT_PASSWORD, mail->password);
  curl_easy_setopt (curl, CURLOPT_LOGIN_OPTIONS, login_options);
  /* all_proxy would apply to smtp:// too; the server is on loopback. */
  curl_easy_setopt (curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) WAIT_MS);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, error_text);
  code = curl_easy_perform (curl);
  g_test_message ("curl %s: %d %s", mail->url, code, *error_text ? error_text : "");
  if (response_code != NULL)
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, response_code);
  /* Nothing set here may outlive this call: the next transfer sets them again. */
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, NULL);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, NULL);
  curl_slist_free_all (rcpt);
  return code;
}

/* send_with() on a handle of its own: one connection per call. */
static CURLcode
send_mail (const Mail *mail, long *response_code)
{
  CURL *curl = curl_easy_init ();
  CURLcode code;

  g_assert_nonnull (curl);
  code = send_with (curl, mail, response_code);
  curl_easy_cleanup (curl);
  return code;
}

static void
assert_data_is_test_mail (const TtSmtpMessage *message)
{
  gsize length = 0;
  const char *data = tt_smtp_message_get_data (message, &length);

  g_assert_cmpmem (data, length, test_mail, sizeof test_mail - 1);
  g_assert_cmpuint (g_bytes_get_size (tt_smtp_message_get_data_bytes (message)), ==, length);
}

static void
test_plain_delivery (void)
{
  g_autoptr (TtSmtpServer) server = tt_smtp_server_new (NULL);
  const char *const rcpt[] = { "one@example.org", "two@example.net", NULL };
  Mail mail = { .url = tt_smtp_server_get_url (server), .rcpt = rcpt };
  g_autofree char *prefix = g_strdup_printf ("smtp://127.0.0.1:%u",
                                             tt_smtp_server_get_port (server));
  const TtSmtpMessage *message;

  g_assert_cmpuint (tt_smtp_server_get_port (server), >, 0);
  g_assert_cmpstr (tt_smtp_server_get_url (server), ==, prefix);
  g_assert_null (tt_smtp_server_get_ca_file (server));
  g_assert_cmpuint (tt_smtp_server_get_n_messages (server), ==, 0);
  g_assert_cmpuint (tt_smtp_server_get_n_connections (server), ==, 0);

  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_OK);
  g_assert_cmpuint (tt_smtp_server_get_n_messages (server), ==, 1);
  message = tt_smtp_server_get_message (server, 0);
  g_assert_cmpstr (tt_smtp_message_get_mail_from (message), ==, "sender@example.com");
  g_assert_cmpstrv (tt_smtp_message_get_rcpt_to (message), rcpt);
  assert_data_is_test_mail (message);
  g_assert_false (tt_smtp_message_get_used_tls (message));
  g_assert_null (tt_smtp_message_get_auth_user (message));
  g_assert_cmpuint (tt_smtp_message_get_connection (message), ==, 0);
  g_assert_cmpuint (tt_smtp_server_get_n_connections (server), ==, 1);
  g_assert_cmpuint (tt_smtp_server_get_n_data_commands (server), ==, 1);
}

static void
test_starttls_trusted (void)
{
  TtSmtpOptions options = { .security = TT_SMTP_STARTTLS };
  g_autoptr (TtSmtpServer) server = tt_smtp_server_new (&options);
  Mail mail = { .url = tt_smtp_server_get_url (server), .starttls = TRUE,
                .ca_file = tt_smtp_server_get_ca_file (server) };
  const TtSmtpMessage *message;

  g_assert_true (g_str_has_prefix (mail.url, "smtp://127.0.0.1:"));
  g_assert_nonnull (mail.ca_file);
  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_OK);
  message = tt_smtp_server_get_message (server, 0);
  g_assert_true (tt_smtp_message_get_used_tls (message));
  assert_data_is_test_mail (message);

  /* STARTTLS is offered, not required: a client may stay in plain text. */
  mail.starttls = FALSE;
  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_OK);
  g_assert_false (tt_smtp_message_get_used_tls (tt_smtp_server_get_message (server, 1)));
}

static void
test_starttls_untrusted (void)
{
  TtSmtpOptions options = { .security = TT_SMTP_STARTTLS };
  g_autoptr (TtSmtpServer) server = tt_smtp_server_new (&options);
  Mail mail = { .url = tt_smtp_server_get_url (server), .starttls = TRUE };

  /* Without the test CA the self-signed certificate is refused... */
  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_PEER_FAILED_VERIFICATION);
  g_assert_cmpuint (tt_smtp_server_get_n_messages (server), ==, 0);
  /* ...and the server, unharmed, serves the next client. */
  mail.ca_file = tt_smtp_server_get_ca_file (server);
  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_OK);
  g_assert_cmpuint (tt_smtp_server_get_n_messages (server), ==, 1);
  g_assert_cmpuint (tt_smtp_server_get_n_connections (server), ==, 2);
}

static void
test_starttls_required (void)
{
  TtSmtpOptions options = { .security = TT_SMTP_STARTTLS, .require_starttls = TRUE };
  g_autoptr (TtSmtpServer) server = tt_smtp_server_new (&options);
  Mail mail = { .url = tt_smtp_server_get_url (server),
                .ca_file = tt_smtp_server_get_ca_file (server) };
  long response = 0;

  g_assert_cmpint (send_mail (&mail, &response), !=, CURLE_OK);
  g_assert_cmpint (response, ==, 530);
  mail.starttls = TRUE;
  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_OK);
  g_assert_cmpuint (tt_smtp_server_get_n_messages (server), ==, 1);
}

static void
test_implicit_tls (void)
{
  TtSmtpOptions options = { .security = TT_SMTP_IMPLICIT_TLS };
  g_autoptr (TtSmtpServer) server = tt_smtp_server_new (&options);
  Mail mail = { .url = tt_smtp_server_get_url (server),
                .ca_file = tt_smtp_server_get_ca_file (server) };
  const TtSmtpMessage *message;

  g_assert_true (g_str_has_prefix (mail.url, "smtps://127.0.0.1:"));
  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_OK);
  message = tt_smtp_server_get_message (server, 0);
  g_assert_true (tt_smtp_message_get_used_tls (message));
  assert_data_is_test_mail (message);
}

static void
test_auth_success (void)
{
  TtSmtpOptions options = { .security = TT_SMTP_STARTTLS, .username = "alice",
                            .password = "s3cret" };
  g_autoptr (TtSmtpServer) server = tt_smtp_server_new (&options);
  g_autoptr (TtSmtpServer) smtps = NULL;
  Mail mail = { .url = tt_smtp_server_get_url (server), .starttls = TRUE,
                .ca_file = tt_smtp_server_get_ca_file (server), .username = "alice",
                .password = "s3cret", .mechanism = "PLAIN" };

  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_OK);
  mail.mechanism = "LOGIN";
  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_OK);
  g_assert_cmpuint (tt_smtp_server_get_n_messages (server), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const TtSmtpMessage *message = tt_smtp_server_get_message (server, i);

      g_assert_cmpstr (tt_smtp_message_get_auth_user (message), ==, "alice");
      g_assert_true (tt_smtp_message_get_used_tls (message));
    }

  /* Implicit TLS counts as TLS for AUTH too (aiosmtpd alone would answer 538). */
  options.security = TT_SMTP_IMPLICIT_TLS;
  smtps = tt_smtp_server_new (&options);
  mail.url = tt_smtp_server_get_url (smtps);
  mail.ca_file = tt_smtp_server_get_ca_file (smtps);
  mail.starttls = FALSE;
  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_OK);
  g_assert_cmpstr (tt_smtp_message_get_auth_user (tt_smtp_server_get_message (smtps, 0)), ==,
                   "alice");
}

static void
test_auth_failure (void)
{
  TtSmtpOptions options = { .security = TT_SMTP_STARTTLS, .username = "alice",
                            .password = "s3cret" };
  g_autoptr (TtSmtpServer) server = tt_smtp_server_new (&options);
  Mail mail = { .url = tt_smtp_server_get_url (server), .starttls = TRUE,
                .ca_file = tt_smtp_server_get_ca_file (server), .username = "alice",
                .password = "wrong" };
  long response = 0;

  g_assert_cmpint (send_mail (&mail, &response), ==, CURLE_LOGIN_DENIED);
  g_assert_cmpint (response, ==, 535);
  mail.username = "mallory";
  mail.password = "s3cret";
  g_assert_cmpint (send_mail (&mail, &response), ==, CURLE_LOGIN_DENIED);
  g_assert_cmpint (response, ==, 535);
  g_assert_cmpuint (tt_smtp_server_get_n_messages (server), ==, 0);
}

static void
test_auth_required (void)
{
  TtSmtpOptions options = { .security = TT_SMTP_STARTTLS, .username = "alice",
                            .password = "s3cret" };
  g_autoptr (TtSmtpServer) server = tt_smtp_server_new (&options);
  g_autoptr (TtSmtpServer) plain = NULL;
  Mail mail = { .url = tt_smtp_server_get_url (server), .starttls = TRUE,
                .ca_file = tt_smtp_server_get_ca_file (server) };
  long response = 0;

  /* No AUTH: MAIL is refused. */
  g_assert_cmpint (send_mail (&mail, &response), !=, CURLE_OK);
  g_assert_cmpint (response, ==, 530);

  /* Before STARTTLS, AUTH is not offered, so the credentials cannot be used. */
  mail = (Mail) { .url = tt_smtp_server_get_url (server), .username = "alice",
                  .password = "s3cret" };
  g_assert_cmpint (send_mail (&mail, &response), !=, CURLE_OK);
  g_assert_cmpint (response, ==, 530);

  /* Likewise on a plain server with accounts but without auth_over_plain. */
  options = (TtSmtpOptions) { .username = "alice", .password = "s3cret" };
  plain = tt_smtp_server_new (&options);
  mail.url = tt_smtp_server_get_url (plain);
  g_assert_cmpint (send_mail (&mail, &response), !=, CURLE_OK);
  g_assert_cmpint (response, ==, 530);

  g_assert_cmpuint (tt_smtp_server_get_n_messages (server), ==, 0);
  g_assert_cmpuint (tt_smtp_server_get_n_messages (plain), ==, 0);
}

static void
test_auth_over_plain (void)
{
  TtSmtpOptions options = { .username = "alice", .password = "s3cret",
                            .auth_over_plain = TRUE };
  g_autoptr (TtSmtpServer) server = tt_smtp_server_new (&options);
  Mail mail = { .url = tt_smtp_server_get_url (server), .username = "alice",
                .password = "s3cret" };
  const TtSmtpMessage *message;
  long response = 0;

  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_OK);
  message = tt_smtp_server_get_message (server, 0);
  g_assert_cmpstr (tt_smtp_message_get_auth_user (message), ==, "alice");
  g_assert_false (tt_smtp_message_get_used_tls (message));

  mail.password = "wrong";
  g_assert_cmpint (send_mail (&mail, &response), ==, CURLE_LOGIN_DENIED);
  g_assert_cmpint (response, ==, 535);
}

static void
test_reject_rcpt (void)
{
  TtSmtpOptions options = { .reject_rcpt = "*@rejected.example" };
  g_autoptr (TtSmtpServer) server = tt_smtp_server_new (&options);
  const char *const rejected[] = { "bob@rejected.example", NULL };
  const char *const mixed[] = { "one@example.org", "Bob@REJECTED.Example", NULL };
  const char *const accepted[] = { "one@example.org", NULL };
  Mail mail = { .url = tt_smtp_server_get_url (server), .rcpt = rejected };
  long response = 0;

  g_assert_cmpint (send_mail (&mail, &response), !=, CURLE_OK);
  g_assert_cmpint (response, ==, 550);
  g_assert_cmpuint (tt_smtp_server_get_n_messages (server), ==, 0);

  /* Matched case-insensitively; the other recipient still gets the message. */
  mail.rcpt = mixed;
  mail.rcpt_allowfails = TRUE;
  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_OK);
  g_assert_cmpstrv (tt_smtp_message_get_rcpt_to (tt_smtp_server_get_message (server, 0)),
                    accepted);
}

/* reject_rcpt_code: the refusal has that code, and a 4xx code the matching status class. */
static void
test_reject_rcpt_code (void)
{
  TtSmtpOptions options = { .reject_rcpt = "*@rejected.example", .reject_rcpt_code = 450 };
  g_autoptr (TtSmtpServer) server = tt_smtp_server_new (&options);
  const char *const rejected[] = { "bob@rejected.example", NULL };
  Mail mail = { .url = tt_smtp_server_get_url (server), .rcpt = rejected };
  long response = 0;

  g_assert_cmpint (send_mail (&mail, &response), !=, CURLE_OK);
  g_assert_cmpint (response, ==, 450);
  g_assert_cmpuint (tt_smtp_server_get_n_messages (server), ==, 0);
}

static void
test_tempfail_data (void)
{
  TtSmtpOptions options = { .tempfail_data = 1 };
  g_autoptr (TtSmtpServer) server = tt_smtp_server_new (&options);
  g_autoptr (TtSmtpServer) always = NULL;
  Mail mail = { .url = tt_smtp_server_get_url (server) };
  long response = 0;

  g_assert_cmpint (send_mail (&mail, &response), !=, CURLE_OK);
  g_assert_cmpint (response, ==, 451);
  g_assert_cmpuint (tt_smtp_server_get_n_messages (server), ==, 0);
  /* The retry goes through. */
  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_OK);
  g_assert_cmpuint (tt_smtp_server_get_n_messages (server), ==, 1);
  assert_data_is_test_mail (tt_smtp_server_get_message (server, 0));
  g_assert_cmpuint (tt_smtp_server_get_n_data_commands (server), ==, 2);
  g_assert_cmpuint (tt_smtp_server_get_n_connections (server), ==, 2);

  options.tempfail_data = TT_SMTP_ALWAYS;
  always = tt_smtp_server_new (&options);
  mail.url = tt_smtp_server_get_url (always);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpint (send_mail (&mail, &response), !=, CURLE_OK);
      g_assert_cmpint (response, ==, 451);
    }
  g_assert_cmpuint (tt_smtp_server_get_n_messages (always), ==, 0);
  g_assert_cmpuint (tt_smtp_server_get_n_data_commands (always), ==, 3);
}

static void
test_connection_reuse (void)
{
  g_autoptr (TtSmtpServer) server = tt_smtp_server_new (NULL);
  Mail mail = { .url = tt_smtp_server_get_url (server) };
  CURL *curl = curl_easy_init ();

  g_assert_cmpint (send_with (curl, &mail, NULL), ==, CURLE_OK);
  g_assert_cmpint (send_with (curl, &mail, NULL), ==, CURLE_OK);
  curl_easy_cleanup (curl);
  g_assert_cmpuint (tt_smtp_server_get_n_messages (server), ==, 2);
  g_assert_cmpuint (tt_smtp_server_get_n_connections (server), ==, 1);
  g_assert_cmpuint (tt_smtp_message_get_connection (tt_smtp_server_get_message (server, 1)), ==,
                    0);

  /* A new handle, a new connection. */
  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_OK);
  g_assert_cmpuint (tt_smtp_server_get_n_connections (server), ==, 2);
  g_assert_cmpuint (tt_smtp_message_get_connection (tt_smtp_server_get_message (server, 2)), ==,
                    1);
}

/* What the server sent on @curl's connection (the one libcurl kept) until it closed it, read
 * from the socket itself (transfer full). */
static char *
read_until_closed (CURL *curl)
{
  curl_socket_t sock = CURL_SOCKET_BAD;
  GString *text = g_string_new (NULL);

  g_assert_cmpint (curl_easy_getinfo (curl, CURLINFO_ACTIVESOCKET, &sock), ==, CURLE_OK);
  g_assert_cmpint (sock, !=, CURL_SOCKET_BAD);
  for (;;)
    {
      GPollFD poll_fd = { sock, G_IO_IN, 0 };
      char buffer[256];
      gssize n;

      g_assert_cmpint (g_poll (&poll_fd, 1, WAIT_MS), ==, 1);
      n = recv (sock, buffer, sizeof buffer, 0);
      g_assert_cmpint (n, >=, 0);
      if (n == 0)
        return g_string_free (text, FALSE);
      g_string_append_len (text, buffer, n);
    }
}

/* idle_close_ms: after a message, the idle session is closed, after a 421 line with
 * idle_close_421, and the close is counted; the server serves the next client. */
static void
test_idle_close (void)
{
  for (guint with_421 = 0; with_421 < 2; with_421++)
    {
      TtSmtpOptions options = { .idle_close_ms = 100, .idle_close_421 = with_421 };
      g_autoptr (TtSmtpServer) server = tt_smtp_server_new (&options);
      Mail mail = { .url = tt_smtp_server_get_url (server) };
      CURL *curl = curl_easy_init ();
      g_autofree char *last_words = NULL;

      g_assert_cmpuint (tt_smtp_server_get_n_idle_closes (server), ==, 0);
      g_assert_cmpint (send_with (curl, &mail, NULL), ==, CURLE_OK);
      g_assert_true (tt_smtp_server_wait_idle_closes (server, 1, WAIT_MS));
      g_assert_cmpuint (tt_smtp_server_get_n_idle_closes (server), ==, 1);
      last_words = read_until_closed (curl);
      g_assert_cmpstr (last_words, ==,
                       with_421 ? "421 4.4.2 localhost Error: timeout exceeded\r\n" : "");
      curl_easy_cleanup (curl);

      g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_OK);
      g_assert_cmpuint (tt_smtp_server_get_n_messages (server), ==, 2);
      g_assert_cmpuint (tt_smtp_server_get_n_connections (server), ==, 2);
    }
}

static void
test_server_stopped (void)
{
  g_autoptr (TtSmtpServer) server = tt_smtp_server_new (NULL);
  Mail mail = { .url = tt_smtp_server_get_url (server) };

  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_OK);
  tt_smtp_server_stop (server);
  tt_smtp_server_stop (server);
  g_assert_cmpint (send_mail (&mail, NULL), ==, CURLE_COULDNT_CONNECT);
  /* What it recorded is still there. */
  g_assert_cmpuint (tt_smtp_server_get_n_messages (server), ==, 1);
  assert_data_is_test_mail (tt_smtp_server_get_message (server, 0));
  g_assert_cmpuint (tt_smtp_server_get_n_connections (server), ==, 1);
}

static gpointer
send_thread (gpointer user_data)
{
  return GINT_TO_POINTER (send_mail (user_data, NULL));
}

static void
test_wait_messages (void)
{
  g_autoptr (TtSmtpServer) server = tt_smtp_server_new (NULL);
  Mail mail = { .url = tt_smtp_server_get_url (server) };
  GThread *thread;

  g_assert_true (tt_smtp_server_wait_messages (server, 0, 0));
  g_assert_false (tt_smtp_server_wait_messages (server, 1, 10));
  /* The client runs while the test waits, as tocsin's workers do. */
  thread = g_thread_new ("smtp-client", send_thread, &mail);
  g_assert_true (tt_smtp_server_wait_messages (server, 1, WAIT_MS));
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (thread)), ==, CURLE_OK);
  assert_data_is_test_mail (tt_smtp_server_get_message (server, 0));
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (curl_global_init (CURL_GLOBAL_DEFAULT), ==, CURLE_OK);
  g_test_add_func ("/smtpserver/plain-delivery", test_plain_delivery);
  g_test_add_func ("/smtpserver/starttls-trusted", test_starttls_trusted);
  g_test_add_func ("/smtpserver/starttls-untrusted", test_starttls_untrusted);
  g_test_add_func ("/smtpserver/starttls-required", test_starttls_required);
  g_test_add_func ("/smtpserver/implicit-tls", test_implicit_tls);
  g_test_add_func ("/smtpserver/auth-success", test_auth_success);
  g_test_add_func ("/smtpserver/auth-failure", test_auth_failure);
  g_test_add_func ("/smtpserver/auth-required", test_auth_required);
  g_test_add_func ("/smtpserver/auth-over-plain", test_auth_over_plain);
  g_test_add_func ("/smtpserver/reject-rcpt", test_reject_rcpt);
  g_test_add_func ("/smtpserver/refusal-code", test_reject_rcpt_code);
  g_test_add_func ("/smtpserver/tempfail-data", test_tempfail_data);
  g_test_add_func ("/smtpserver/connection-reuse", test_connection_reuse);
  g_test_add_func ("/smtpserver/idle-close", test_idle_close);
  g_test_add_func ("/smtpserver/server-stopped", test_server_stopped);
  g_test_add_func ("/smtpserver/wait-messages", test_wait_messages);
  status = g_test_run ();
  curl_global_cleanup ();
  return status;
}
