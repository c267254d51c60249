/* smtpserver.h: a real SMTP server on loopback for the tests of the e-mail channel.
 *
 * Each server is a process of its own: tests/smtpserver.py run by /usr/bin/python3 (Debian's
 * python3-aiosmtpd; the openssl tool makes the test certificate). It listens on 127.0.0.1 on a
 * free port and records every accepted message as files in a temporary folder, which this API
 * reads back. The process ends with tt_smtp_server_stop() or _free(), or by itself when the test
 * process dies (it watches its stdin pipe).
 *
 * Not thread-safe: call these functions from one thread (the test's). Whatever client the test
 * runs (tocsin's worker threads, libcurl) talks to the server over TCP only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TtSmtpServer TtSmtpServer;
typedef struct _TtSmtpMessage TtSmtpMessage;

typedef enum
{
  TT_SMTP_PLAIN = 0,    /* no TLS: STARTTLS not offered */
  TT_SMTP_STARTTLS,     /* STARTTLS offered (see require_starttls) */
  TT_SMTP_IMPLICIT_TLS  /* SMTPS: TLS from the first byte */
} TtSmtpSecurity;

/* For tempfail_data: every DATA command is answered 451. */
#define TT_SMTP_ALWAYS G_MAXUINT

/* Zero-initialise, then set what the test needs: {0} is a plain server without AUTH. */
typedef struct
{
  TtSmtpSecurity security;
  /* TT_SMTP_STARTTLS only: every command but EHLO, NOOP and QUIT gets 530 before STARTTLS. */
  gboolean require_starttls;
  /* (nullable) With a username, AUTH PLAIN and LOGIN are offered and required: MAIL without
   * AUTH gets 530, wrong credentials 535. Without, AUTH is neither offered nor accepted. */
  const char *username;
  const char *password;
  /* AUTH is offered and accepted only over TLS (after STARTTLS, or implicit TLS) unless this is
   * set; so a TT_SMTP_PLAIN server with a username and without this refuses every MAIL. */
  gboolean auth_over_plain;
  /* (nullable) RCPT TO addresses matching this glob (fnmatch: '*', '?', [..]), compared
   * case-insensitively, are refused with reject_rcpt_code; e.g. "*@rejected.example". */
  const char *reject_rcpt;
  /* The reply code for reject_rcpt: 0 means 550; a 4xx code is a temporary refusal. */
  guint reject_rcpt_code;
  /* The first N DATA commands get 451 after the content was sent (the message is not
   * recorded); TT_SMTP_ALWAYS: all of them. For retry tests. */
  guint tempfail_data;
  /* With a value, a session that stays idle this long after a message was accepted (no byte
   * from the client) is closed by the server, as a real server's command timeout does: silently
   * (over STARTTLS: with a TLS close_notify, the TCP connection ending once the client answers
   * it or aborts), or after a "421 4.4.2 ... timeout exceeded" line with idle_close_421 (what
   * Postfix and Exim send). A session is never cut off in the middle of a message. */
  guint idle_close_ms;
  gboolean idle_close_421;
} TtSmtpOptions;

/* Makes the test certificate if needed (CN=localhost, subjectAltName IP:127.0.0.1 and
 * DNS:localhost), starts the server and returns once it listens. @options may be NULL (plain,
 * no AUTH). Aborts the test with the reason (e.g. the Debian package to install) on failure.
 * (transfer full) */
TtSmtpServer *tt_smtp_server_new (const TtSmtpOptions *options);

/* Stops the server if still running and removes its folder: the messages read from it are
 * freed too. */
void tt_smtp_server_free (TtSmtpServer *server);

/* Kills the server process (SIGTERM) and waits for it to end: from then on connections to its
 * port are refused ("server gone"), while what it recorded stays readable. Idempotent. */
void tt_smtp_server_stop (TtSmtpServer *server);

guint tt_smtp_server_get_port (TtSmtpServer *server);
/* "smtp://127.0.0.1:PORT" (plain, STARTTLS) or "smtps://127.0.0.1:PORT" (implicit TLS), no
 * trailing slash; owned by the server. */
const char *tt_smtp_server_get_url (TtSmtpServer *server);
/* The PEM file of the server's self-signed certificate, which a client must trust (its
 * ca-file); NULL for TT_SMTP_PLAIN. Owned by the server. */
const char *tt_smtp_server_get_ca_file (TtSmtpServer *server);

/* Messages accepted so far (answered 250 at the end of DATA, or about to be). */
guint tt_smtp_server_get_n_messages (TtSmtpServer *server);
/* Waits until at least @n messages were accepted: TRUE, or FALSE after @timeout_ms. Woken by a
 * file monitor on the server's folder, not by a fixed sleep. */
gboolean tt_smtp_server_wait_messages (TtSmtpServer *server, guint n, guint timeout_ms);
/* The @index-th accepted message, from 0 (transfer none: valid until the server is freed). The
 * message must exist (see tt_smtp_server_get_n_messages()). */
const TtSmtpMessage *tt_smtp_server_get_message (TtSmtpServer *server, guint index);

/* SMTP sessions (TCP connections accepted) so far, whatever became of them: a client that
 * reuses its connection for several messages counts once. */
guint tt_smtp_server_get_n_connections (TtSmtpServer *server);
/* DATA commands whose content was received, the ones answered 451 included. */
guint tt_smtp_server_get_n_data_commands (TtSmtpServer *server);
/* Sessions the server closed for being idle (idle_close_ms), counted once the server has sent
 * its last bytes (the 421 line, the close_notify) and closed or begun closing the socket. */
guint tt_smtp_server_get_n_idle_closes (TtSmtpServer *server);
/* Waits until at least @n sessions were closed for being idle: TRUE, or FALSE after
 * @timeout_ms; as tt_smtp_server_wait_messages(). */
gboolean tt_smtp_server_wait_idle_closes (TtSmtpServer *server, guint n, guint timeout_ms);

/* The envelope sender (MAIL FROM address without the angle brackets; "" for the null sender). */
const char *tt_smtp_message_get_mail_from (const TtSmtpMessage *message);
/* The accepted RCPT TO addresses, in order, NULL-terminated. */
const char *const *tt_smtp_message_get_rcpt_to (const TtSmtpMessage *message);
/* The DATA as received: CRLF line ends kept, dot-stuffing removed, without the final ".\r\n".
 * NUL-terminated past @length (optional), for string checks; the bytes may contain NULs. */
const char *tt_smtp_message_get_data (const TtSmtpMessage *message, gsize *length);
/* The same bytes (transfer none). */
GBytes *tt_smtp_message_get_data_bytes (const TtSmtpMessage *message);
/* Whether the session was encrypted (STARTTLS or implicit TLS) when DATA came. */
gboolean tt_smtp_message_get_used_tls (const TtSmtpMessage *message);
/* The user name the session authenticated as, or NULL without AUTH. */
const char *tt_smtp_message_get_auth_user (const TtSmtpMessage *message);
/* Which session carried it: 0 for the first connection, and so on. */
guint tt_smtp_message_get_connection (const TtSmtpMessage *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtSmtpServer, tt_smtp_server_free)

G_END_DECLS
