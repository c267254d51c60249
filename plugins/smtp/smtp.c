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

/* ---- reading the message into libcurl -------------------------------------------------------- */

typedef struct {
  const guint8 *data;
  gsize length;
  gsize offset;
} Upload;

static size_t
read_message (char *buffer, size_t size, size_t n, void *user_data)
{
  Upload *upload = user_data;
  size_t count = MIN (size * n, upload->length - upload->offset);

  memcpy (buffer, upload->data + upload->offset, count);
  upload->offset += count;
  return count;
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

static gboolean
map_outcome (Smtp *self, CURLcode code, long reply, const char *errbuf, TocsinResult *result,
             GError **error)
{
  g_autofree char *detail = NULL;
  gboolean retryable;

  if (code == CURLE_OK)
    return TRUE;
  /* The server's reply decides where there is one: 4xx is temporary, 5xx permanent (RFC 5321). */
  if (reply >= 400 && reply < 500)
    retryable = TRUE;
  else if (reply >= 500)
    retryable = FALSE;
  else
    retryable = !is_permanent_transport_error (code);
  if (result != NULL)
    tocsin_result_set_retryable (result, retryable);
  detail = tocsin_redact (*errbuf ? errbuf : curl_easy_strerror (code));
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
  Upload upload = { NULL, 0, 0 };
  long reply = 0;
  CURLcode code;
  CURL *handle;

  upload.data = g_bytes_get_data (mime, &upload.length);
  for (guint i = 0; recipients[i] != NULL; i++)
    {
      g_autofree char *to = g_strdup_printf ("<%s>", recipients[i]);
      rcpt = curl_slist_append (rcpt, to);
    }
  handle = take_handle (self);
  curl_easy_setopt (handle, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (handle, CURLOPT_MAIL_FROM, from);
  curl_easy_setopt (handle, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt (handle, CURLOPT_READDATA, &upload);
  curl_easy_setopt (handle, CURLOPT_INFILESIZE_LARGE, (curl_off_t) upload.length);
  code = curl_easy_perform (handle);
  curl_easy_getinfo (handle, CURLINFO_RESPONSE_CODE, &reply);
  /* No pointer into this call's stack or data may stay on the handle. */
  curl_easy_setopt (handle, CURLOPT_ERRORBUFFER, NULL);
  curl_easy_setopt (handle, CURLOPT_MAIL_RCPT, NULL);
  curl_easy_setopt (handle, CURLOPT_READDATA, NULL);
  g_async_queue_push (self->idle, handle);
  curl_slist_free_all (rcpt);
  return map_outcome (self, code, reply, errbuf, result, error);
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
