/* smtp.c: the "smtp" mail transport, over libcurl's SMTP client.
 *
 *   <transport type="smtp">
 *     <host>smtp.example.com</host>
 *     <port>587</port>                    (default 587; 465 with security "tls")
 *     <security>starttls</security>       (starttls, the default | tls | none)
 *     <username>alerts</username>
 *     <password credential="smtp_pw"/>
 *     <ca-file>/etc/ssl/private-ca.pem</ca-file>
 *     <tls-verify>true</tls-verify>
 *     <timeout>30</timeout>               (seconds; default: the channel's timeout)
 *   </transport>
 *
 * STARTTLS is required, never opportunistic: a server that does not offer it is an error, so
 * that a man in the middle who strips the offer cannot turn the session (and the password)
 * into plain text. Each worker thread takes a libcurl handle from a pool and gives it back, so
 * an SMTP connection is reused for consecutive messages (libcurl keeps it open) and there are
 * never more connections than workers.
 *
 * A reused connection may have been closed by the server meanwhile, which libcurl notices only
 * when the server said nothing before closing (see lost_idle_connection()): a message that fails
 * that way before any of it was sent goes again at once on a new connection.
 *
 * A recipient the server refuses does not keep the message from the others: it goes to those
 * accepted, with a warning naming the refused ones; only when all are refused does it fail.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin-plugin.h>

#include <curl/curl.h>
#include <string.h>

static const char *const security_choices[] = { "starttls", "tls", "none", NULL };

static const TocsinSettingSpec smtp_settings[] = {
  { "host", TOCSIN_SETTING_STRING, TOCSIN_SETTING_REQUIRED, NULL,
    "the SMTP server's host name or address", NULL, NULL, { NULL } },
  { "port", TOCSIN_SETTING_INT, 0, NULL, "the server's port (default 587, or 465 for tls)",
    NULL, NULL, { NULL } },
  { "security", TOCSIN_SETTING_CHOICE, 0, "starttls",
    "starttls (required, never a plain-text fall-back), tls (implicit TLS) or none",
    security_choices, NULL, { NULL } },
  { "username", TOCSIN_SETTING_STRING, 0, NULL, "the AUTH user name", NULL, NULL, { NULL } },
  { "password", TOCSIN_SETTING_STRING, TOCSIN_SETTING_SECRET, NULL, "the AUTH password",
    NULL, NULL, { NULL } },
  { "ca-file", TOCSIN_SETTING_PATH, 0, NULL, "PEM bundle of trusted CA certificates",
    NULL, NULL, { NULL } },
  { "tls-verify", TOCSIN_SETTING_BOOLEAN, 0, "true", "verify the server's TLS certificate",
    NULL, NULL, { NULL } },
  { "timeout", TOCSIN_SETTING_DOUBLE, 0, NULL,
    "seconds for one message, connection included (default: the channel's timeout)",
    NULL, NULL, { NULL } },
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

typedef enum { SECURITY_STARTTLS, SECURITY_TLS, SECURITY_NONE } Security;

/* libcurl 8.2 fixed the spelling of this option; 7.88 (Debian 12) only has the old one. */
#if CURL_AT_LEAST_VERSION(8, 2, 0)
#define SMTP_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLOWFAILS
#else
#define SMTP_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLLOWFAILS
#endif

/* A connection idle for longer is closed rather than reused (libcurl's own limit is 118 s).
 * Servers drop idle clients when their command timeout expires: Postfix's smtpd_timeout is
 * 300 s but 10 s under stress, Exim's smtp_receive_timeout 5 min, and hosted relays often less.
 * Such a drop costs a failed try and a reconnection (lost_idle_connection()); staying below
 * the common timeouts avoids most of them, and a new connection now and then costs nothing
 * for alerts that come minutes apart. */
#define MAX_IDLE_SECONDS 60L

/* At most this much of the server's reply is quoted for a refused recipient. */
#define MAX_REPLY_QUOTE 200

typedef struct {
  const TocsinPluginContext *ctx;
  char *url;       /* smtp://host:port or smtps://host:port */
  char *where;     /* host:port, for messages */
  Security security;
  const char *username; /* (nullable) (not owned) the config node's text */
  const char *password; /* (nullable) (not owned) */
  char *ca_file;   /* (nullable) */
  gboolean verify;
  long timeout_ms;
  GAsyncQueue *idle; /* (element-type CURL) handles not in use */
  GMutex lock;
  GPtrArray *all;    /* every handle made, for destroy */
} Smtp;

/* ---- one transfer ----------------------------------------------------------------------------- */

/* Where a transfer is in the reply to its last command, as far as recipients go. */
typedef enum {
  REPLY_OTHER,          /* not the reply to a RCPT TO */
  REPLY_RCPT,           /* RCPT TO sent, no line of its reply read yet */
  REPLY_RCPT_ACCEPTED,  /* the rest of a 2xx reply to RCPT TO */
  REPLY_RCPT_REFUSED    /* the rest of a refusal: quoted */
} ReplyState;

/* What one message's transfer reads and learns; on smtp_send()'s stack. */
typedef struct {
  const guint8 *data;   /* the message */
  gsize length;
  gsize offset;         /* bytes handed to libcurl: 0 until the server said 354 to DATA */
  const char *const *recipients; /* in the order of the RCPT TO commands */
  guint n_recipients;
  guint n_rcpt_sent;    /* RCPT TO commands sent */
  ReplyState reply;
  gsize quote_left;     /* of MAX_REPLY_QUOTE, for the refusal being quoted */
  guint n_refused;
  long temporary_reply; /* the first 4xx code among the refusals, or 0 */
  GString *refused;     /* (nullable) "<a@example.com> 550 5.1.1 ...; <b@...> ..." */
} Transfer;

static size_t
read_message (char *buffer, size_t size, size_t n, void *user_data)
{
  Transfer *t = user_data;
  size_t count = MIN (size * n, t->length - t->offset);

  memcpy (buffer, t->data + t->offset, count);
  t->offset += count;
  return count;
}

/* Quotes @size bytes of a reply line, printable ASCII only and within quote_left: a server's
 * text goes into an error message and a log line. */
static void
quote_reply (Transfer *t, const char *text, size_t size)
{
  while (size > 0 && (text[size - 1] == '\n' || text[size - 1] == '\r'))
    size--;
  for (size_t i = 0; i < size && t->quote_left > 0; i++, t->quote_left--)
    g_string_append_c (t->refused, g_ascii_isprint (text[i]) ? text[i] : '?');
}

/* The first line of a reply to RCPT TO that is not 2xx: notes the refusal of its recipient. */
static void
begin_refusal (Transfer *t, const char *line, size_t size)
{
  guint index = t->n_rcpt_sent - 1;

  t->n_refused++;
  if (t->temporary_reply == 0 && size >= 3 && line[0] == '4' && g_ascii_isdigit (line[1])
      && g_ascii_isdigit (line[2]))
    t->temporary_reply = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (t->refused == NULL)
    t->refused = g_string_new (NULL);
  else
    g_string_append (t->refused, "; ");
  /* libcurl sends the RCPT TO commands one by one, in the order of the list. */
  g_string_append_printf (t->refused, "<%s> ",
                          index < t->n_recipients ? t->recipients[index] : "?");
  t->quote_left = MAX_REPLY_QUOTE;
  quote_reply (t, line, size);
}

static void
read_rcpt_reply_line (Transfer *t, const char *line, size_t size)
{
  /* "550-..." goes on, "550 ..." is the last line of a reply. */
  gboolean last = size < 4 || line[3] != '-';

  if (t->reply == REPLY_RCPT && size > 0 && line[0] == '2')
    t->reply = REPLY_RCPT_ACCEPTED;
  else if (t->reply == REPLY_RCPT)
    {
      begin_refusal (t, line, size);
      t->reply = REPLY_RCPT_REFUSED;
    }
  else if (t->reply == REPLY_RCPT_REFUSED)
    {
      g_string_append_c (t->refused, ' ');
      quote_reply (t, line, size);
    }
  if (last)
    t->reply = REPLY_OTHER;
}

/* libcurl's debug stream (CURLOPT_VERBOSE), read for one thing only: which RCPT TO got which
 * reply. Nothing of it is printed, and only the refusals are kept: commands, AUTH exchanges,
 * the message and the other replies go by untouched. @user_data is NULL outside smtp_send()
 * (the QUIT of a handle being destroyed). */
static int
on_debug (CURL *handle, curl_infotype type, char *data, size_t size, void *user_data)
{
  Transfer *t = user_data;

  (void) handle;
  if (t == NULL)
    return 0;
  if (type == CURLINFO_HEADER_OUT)
    {
      /* Every command sent ends the reply before it. */
      t->reply = size >= 8 && g_ascii_strncasecmp (data, "RCPT TO:", 8) == 0 ? REPLY_RCPT
                                                                               : REPLY_OTHER;
      if (t->reply == REPLY_RCPT)
        t->n_rcpt_sent++;
    }
  else if (type == CURLINFO_HEADER_IN && t->reply != REPLY_OTHER)
    read_rcpt_reply_line (t, data, size);
  return 0;
}

/* Back to before the transfer, for a try on a new connection. */
static void
transfer_restart (Transfer *t)
{
  t->offset = 0;
  t->n_rcpt_sent = 0;
  t->reply = REPLY_OTHER;
  t->n_refused = 0;
  t->temporary_reply = 0;
  if (t->refused != NULL)
    g_string_truncate (t->refused, 0);
}

static gboolean
all_refused (const Transfer *t)
{
  return t->n_refused > 0 && t->n_refused == t->n_recipients;
}

/* ---- handles ---------------------------------------------------------------------------------- */

/* The options that are the same for every message, set once per handle. */
static CURL *
new_handle (Smtp *self)
{
  CURL *handle = curl_easy_init ();

  if (handle == NULL)
    g_error ("smtp: libcurl could not create a handle (out of memory)");
  curl_easy_setopt (handle, CURLOPT_URL, self->url);
  curl_easy_setopt (handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt (handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (handle, CURLOPT_TIMEOUT_MS, self->timeout_ms);
  curl_easy_setopt (handle, CURLOPT_USE_SSL,
                    self->security == SECURITY_NONE ? (long) CURLUSESSL_NONE : (long) CURLUSESSL_ALL);
  curl_easy_setopt (handle, CURLOPT_SSL_VERIFYPEER, self->verify ? 1L : 0L);
  curl_easy_setopt (handle, CURLOPT_SSL_VERIFYHOST, self->verify ? 2L : 0L);
  if (self->ca_file != NULL)
    curl_easy_setopt (handle, CURLOPT_CAINFO, self->ca_file);
  if (self->username != NULL)
    {
      curl_easy_setopt (handle, CURLOPT_USERNAME, self->username);
      curl_easy_setopt (handle, CURLOPT_PASSWORD, self->password ? self->password : "");
    }
  curl_easy_setopt (handle, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (handle, CURLOPT_READFUNCTION, read_message);
  curl_easy_setopt (handle, CURLOPT_MAXAGE_CONN, MAX_IDLE_SECONDS);
  /* The message goes to the recipients the server accepts (at least one, or it fails). */
  curl_easy_setopt (handle, SMTP_RCPT_ALLOWFAILS, 1L);
  /* The debug function first: with VERBOSE and without it, libcurl would print the dialogue
   * (the AUTH exchange included) on stderr. */
  curl_easy_setopt (handle, CURLOPT_DEBUGFUNCTION, on_debug);
  curl_easy_setopt (handle, CURLOPT_DEBUGDATA, NULL);
  curl_easy_setopt (handle, CURLOPT_VERBOSE, 1L);
  return handle;
}

static CURL *
take_handle (Smtp *self)
{
  CURL *handle = g_async_queue_try_pop (self->idle);

  if (handle != NULL)
    return handle;
  handle = new_handle (self);
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->all, handle);
  g_mutex_unlock (&self->lock);
  return handle;
}

/* ---- outcomes --------------------------------------------------------------------------------- */

static gboolean
is_permanent_transport_error (CURLcode code)
{
  switch (code)
    {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_USE_SSL_FAILED:
    case CURLE_LOGIN_DENIED:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return TRUE; /* trying again cannot help */
    default:
      return FALSE;
    }
}

/* What to do about a failure, in words, for the common cases. */
static const char *
advice (CURLcode code)
{
  switch (code)
    {
    case CURLE_USE_SSL_FAILED:
      return "; the server does not offer STARTTLS, and tocsin never falls back to plain text: "
             "use security \"tls\" if the port speaks implicit TLS, or \"none\" only on a "
             "trusted network";
    case CURLE_LOGIN_DENIED:
      return "; check <username> and the <password> credential";
    case CURLE_PEER_FAILED_VERIFICATION:
      return "; the server's certificate is not trusted: set <ca-file> to the CA that signed it";
    default:
      return "";
    }
}

/* What went wrong, in words (transfer full): libcurl's, and the refused recipients if any. */
static char *
describe_failure (CURLcode code, const char *errbuf, const Transfer *t)
{
  const char *what = *errbuf ? errbuf : curl_easy_strerror (code);

  if (all_refused (t))
    return g_strdup_printf ("the server refused every recipient: %s", t->refused->str);
  if (t->n_refused > 0)
    return g_strdup_printf ("%s; and it refused %s", what, t->refused->str);
  return g_strdup (what);
}

/* Sets @error (and @result's retryable flag) for a failed transfer, described by @text. */
static gboolean
map_failure (Smtp *self, CURLcode code, long reply, const char *text, TocsinResult *result,
             GError **error)
{
  g_autofree char *detail = NULL;
  gboolean retryable;

  /* The server's reply decides where there is one: 4xx is temporary, 5xx permanent (RFC 5321). */
  if (reply >= 400 && reply < 500)
    retryable = TRUE;
  else if (reply >= 500)
    retryable = FALSE;
  else
    retryable = !is_permanent_transport_error (code);
  if (result != NULL)
    tocsin_result_set_retryable (result, retryable);
  detail = tocsin_redact (text);
  if (reply > 0)
    g_set_error (error, TOCSIN_ERROR,
                 code == CURLE_OPERATION_TIMEDOUT ? TOCSIN_ERROR_TIMEOUT : TOCSIN_ERROR_DELIVERY,
                 "smtp %s: %s (reply %ld: %s failure)%s", self->where, detail, reply,
                 retryable ? "temporary" : "permanent", advice (code));
  else
    g_set_error (error, TOCSIN_ERROR,
                 code == CURLE_OPERATION_TIMEDOUT ? TOCSIN_ERROR_TIMEOUT : TOCSIN_ERROR_DELIVERY,
                 "smtp %s: %s%s", self->where, detail, advice (code));
  return FALSE;
}

/* The outcome of @t's transfer: TRUE when the message went to at least one recipient (with a
 * warning naming those refused), else FALSE with @error set. */
static gboolean
map_outcome (Smtp *self, CURLcode code, long reply, const char *errbuf, const Transfer *t,
             TocsinResult *result, GError **error)
{
  g_autofree char *text = NULL;

  if (code == CURLE_OK && t->n_refused > 0)
    {
      /* Addresses and the server's replies are no secrets; redacted all the same. */
      g_autofree char *refused = tocsin_redact (t->refused->str);

      tocsin_plugin_context_log (self->ctx, G_LOG_LEVEL_WARNING,
                                 "smtp %s: the message went to %u of %u recipients: the server "
                                 "refused %s", self->where, t->n_recipients - t->n_refused,
                                 t->n_recipients, refused);
    }
  if (code == CURLE_OK)
    return TRUE;
  /* A temporary refusal among them makes the whole failure temporary: a retry may reach that
   * recipient. libcurl's reply code is the last one. */
  if (all_refused (t) && t->temporary_reply != 0)
    reply = t->temporary_reply;
  text = describe_failure (code, errbuf, t);
  return map_failure (self, code, reply, text, result, error);
}

/* Whether the transfer that ended with @code and @reply failed because the server had closed
 * the reused connection while it was idle, before any of the message was sent. libcurl reuses
 * a connection unless the server's end of file is all that waits on it; a server that sent
 * anything before closing (Postfix and Exim: "421 ... timeout"; over TLS: a close_notify) leaves
 * data there, so the connection looks alive and the first command fails: with the 421 as its
 * reply, or without a reply (the read or the write fails). */
static gboolean
lost_idle_connection (CURL *handle, const Transfer *t, CURLcode code, long reply)
{
  long new_connections = -1;

  if (code == CURLE_OK || t->offset > 0)
    return FALSE;
  if (curl_easy_getinfo (handle, CURLINFO_NUM_CONNECTS, &new_connections) != CURLE_OK
      || new_connections != 0)
    return FALSE;
  if (reply == 421)
    return TRUE;
  /* A reply other than 421 came from a live server: it stands. */
  return reply == 0
         && (code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING);
}

static CURLcode
perform (CURL *handle, Transfer *t, char *errbuf, long *reply)
{
  CURLcode code;

  transfer_restart (t);
  *errbuf = '\0';
  *reply = 0;
  code = curl_easy_perform (handle);
  curl_easy_getinfo (handle, CURLINFO_RESPONSE_CODE, reply);
  return code;
}

/* Sends @t's message on @handle, and once more at once on a new connection if the reused one
 * turns out to have been closed by the server: that is no failure of the message, and must not
 * cost it an attempt and a backoff. */
static CURLcode
perform_with_reconnect (Smtp *self, CURL *handle, Transfer *t, char *errbuf, long *reply)
{
  CURLcode code = perform (handle, t, errbuf, reply);
  g_autofree char *why = NULL;

  if (!lost_idle_connection (handle, t, code, *reply))
    return code;
  why = tocsin_redact (*errbuf ? errbuf : curl_easy_strerror (code));
  tocsin_plugin_context_log (self->ctx, G_LOG_LEVEL_DEBUG,
                             "smtp %s: the server had closed the idle connection (%s); sending "
                             "on a new one", self->where, why);
  curl_easy_setopt (handle, CURLOPT_FRESH_CONNECT, 1L);
  code = perform (handle, t, errbuf, reply);
  curl_easy_setopt (handle, CURLOPT_FRESH_CONNECT, 0L);
  return code;
}

/* ---- the class -------------------------------------------------------------------------------- */

static gboolean
smtp_send (gpointer instance, TocsinMailMessage *message, TocsinResult *result, GError **error)
{
  Smtp *self = instance;
  GBytes *mime = tocsin_mail_message_get_mime (message);
  const char *const *recipients = tocsin_mail_message_get_recipients (message);
  g_autofree char *from = g_strdup_printf ("<%s>", tocsin_mail_message_get_sender (message));
  struct curl_slist *rcpt = NULL;
  char errbuf[CURL_ERROR_SIZE] = "";
  Transfer t = { .recipients = recipients };
  long reply = 0;
  gboolean ok;
  CURLcode code;
  CURL *handle;

  t.data = g_bytes_get_data (mime, &t.length);
  for (; recipients[t.n_recipients] != NULL; t.n_recipients++)
    {
      g_autofree char *to = g_strdup_printf ("<%s>", recipients[t.n_recipients]);
      rcpt = curl_slist_append (rcpt, to);
    }
  handle = take_handle (self);
  curl_easy_setopt (handle, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (handle, CURLOPT_MAIL_FROM, from);
  curl_easy_setopt (handle, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt (handle, CURLOPT_READDATA, &t);
  curl_easy_setopt (handle, CURLOPT_DEBUGDATA, &t);
  curl_easy_setopt (handle, CURLOPT_INFILESIZE_LARGE, (curl_off_t) t.length);
  code = perform_with_reconnect (self, handle, &t, errbuf, &reply);
  /* No pointer into this call's stack or data may stay on the handle. */
  curl_easy_setopt (handle, CURLOPT_ERRORBUFFER, NULL);
  curl_easy_setopt (handle, CURLOPT_MAIL_RCPT, NULL);
  curl_easy_setopt (handle, CURLOPT_READDATA, NULL);
  curl_easy_setopt (handle, CURLOPT_DEBUGDATA, NULL);
  g_async_queue_push (self->idle, handle);
  curl_slist_free_all (rcpt);
  ok = map_outcome (self, code, reply, errbuf, &t, result, error);
  if (t.refused != NULL)
    g_string_free (t.refused, TRUE);
  return ok;
}

static void
smtp_destroy (gpointer instance)
{
  Smtp *self = instance;

  if (self->all != NULL)
    g_ptr_array_unref (self->all);
  if (self->idle != NULL)
    g_async_queue_unref (self->idle);
  g_mutex_clear (&self->lock);
  g_free (self->url);
  g_free (self->where);
  g_free (self->ca_file);
  g_free (self);
}

/* Reads <port> (default by security) into @port. */
static gboolean
read_port (const TocsinConfigNode *config, Security security, gint64 *port, GError **error)
{
  *port = security == SECURITY_TLS ? 465 : 587;
  if (!tocsin_config_node_get_int (config, "port", port, error))
    return FALSE;
  if (*port < 1 || *port > 65535)
    {
      tocsin_config_node_set_error (tocsin_config_node_get_child (config, "port"), error,
                                    TOCSIN_ERROR_INVALID_VALUE,
                                    "smtp: <port> %" G_GINT64_FORMAT " is not a TCP port (1-65535)",
                                    *port);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_host (const TocsinConfigNode *config, char **host, GError **error)
{
  const char *text = tocsin_config_node_get_string (config, "host");

  if (text == NULL || *text == '\0' || strpbrk (text, " /?#@\t\r\n") != NULL)
    {
      tocsin_config_node_set_error (tocsin_config_node_get_child (config, "host"), error,
                                    TOCSIN_ERROR_INVALID_VALUE,
                                    "smtp: <host> '%s' is not a host name or address",
                                    text ? text : "");
      return FALSE;
    }
  /* An IPv6 address goes into the URL in brackets. */
  *host = strchr (text, ':') && text[0] != '[' ? g_strdup_printf ("[%s]", text) : g_strdup (text);
  return TRUE;
}

static Security
read_security (const TocsinConfigNode *config)
{
  const char *text = tocsin_config_node_get_string (config, "security");

  if (g_strcmp0 (text, "tls") == 0)
    return SECURITY_TLS;
  return g_strcmp0 (text, "none") == 0 ? SECURITY_NONE : SECURITY_STARTTLS;
}

static gboolean
read_timeout (const TocsinPluginContext *ctx, const TocsinConfigNode *config, long *timeout_ms,
              GError **error)
{
  double seconds = tocsin_plugin_context_get_timeout (ctx);

  if (!tocsin_config_node_get_double (config, "timeout", &seconds, error))
    return FALSE;
  /* The same bounds as a channel's timeout. */
  *timeout_ms = (long) (CLAMP (seconds, 1.0, 120.0) * 1000);
  return TRUE;
}

static gpointer
init_curl (gpointer data)
{
  /* Reference-counted by libcurl, and thread-safe since 7.84: the core's HTTP client may have
   * called it too. */
  curl_global_init (CURL_GLOBAL_DEFAULT);
  return NULL;
}

static gpointer
smtp_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  static GOnce curl_once = G_ONCE_INIT;
  g_autofree char *host = NULL;
  Smtp *self = g_new0 (Smtp, 1);
  gint64 port = 0;
  gboolean verify = TRUE;

  g_once (&curl_once, init_curl, NULL);
  g_mutex_init (&self->lock);
  self->ctx = ctx;
  self->security = read_security (config);
  if (!read_host (config, &host, error) || !read_port (config, self->security, &port, error)
      || !tocsin_config_node_get_boolean (config, "tls-verify", &verify, error)
      || !read_timeout (ctx, config, &self->timeout_ms, error))
    {
      smtp_destroy (self);
      return NULL;
    }
  self->verify = verify;
  self->url = g_strdup_printf ("%s://%s:%" G_GINT64_FORMAT,
                               self->security == SECURITY_TLS ? "smtps" : "smtp", host, port);
  self->where = g_strdup_printf ("%s:%" G_GINT64_FORMAT, host, port);
  self->username = tocsin_config_node_get_string (config, "username");
  self->password = tocsin_config_node_get_string (config, "password");
  self->ca_file = tocsin_config_node_dup_path (config, "ca-file");
  self->idle = g_async_queue_new ();
  self->all = g_ptr_array_new_with_free_func ((GDestroyNotify) curl_easy_cleanup);
  if (!verify)
    tocsin_plugin_context_log (ctx, G_LOG_LEVEL_WARNING,
                               "smtp %s: tls-verify is false: the server's certificate is not "
                               "checked, so anyone on the path can read the mail and the password",
                               self->where);
  if (self->security == SECURITY_NONE && self->username != NULL)
    tocsin_plugin_context_log (ctx, G_LOG_LEVEL_WARNING,
                               "smtp %s: security is none: the password crosses the network in "
                               "plain text", self->where);
  tocsin_plugin_context_log (ctx, G_LOG_LEVEL_DEBUG, "smtp: %s (%s)", self->url,
                             tocsin_config_node_get_string (config, "security"));
  return self;
}

static const TocsinTransportClass smtp_class = {
  .struct_size = sizeof (TocsinTransportClass),
  .flags = TOCSIN_TRANSPORT_CLASS_THREAD_SAFE,
  .type_name = "smtp",
  .description = "sends mail to an SMTP server (STARTTLS required by default, or implicit TLS)",
  .settings = smtp_settings,
  .create = smtp_create,
  .send = smtp_send,
  .destroy = smtp_destroy,
};

static const TocsinTransportClass *const smtp_classes[] = { &smtp_class, NULL };

TOCSIN_PLUGIN_DEFINE ("smtp", "1.0.0", "LGPL-2.1-or-later",
                      "SMTP mail transport (libcurl)", NULL, smtp_classes)
