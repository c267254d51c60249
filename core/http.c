/* http.c: the HTTP client offered to channel plugins, on libcurl.
 *
 * Each client keeps a pool of curl easy handles: a worker takes one for the duration of a
 * request and gives it back, so a channel with N workers uses at most N handles, and each handle
 * keeps its connection alive between requests (libcurl never shares a handle between threads).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>
#include <tocsin/tocsin-plugin.h>
#include <tocsin/tocsin-http.h>
#include "log-private.h"
#include "result-private.h"

#include <curl/curl.h>
#include <string.h>

/* How much of a response body an error message quotes. */
#define EXCERPT_CHARS 200

struct _TocsinHttpClient {
  guint64 id;          /* unique in the process, see take_handle() */
  char *channel_key;   /* (owned) for log messages */
  long timeout_ms;
  gboolean verify;
  char *ca_file;       /* (owned) (nullable) */
  char *proxy;         /* (owned) (nullable): NULL = the proxy environment variables */
  GAsyncQueue *idle;   /* (owned) handles not in use */
  GMutex lock;         /* guards all */
  GPtrArray *all;      /* every handle made, for the cleanup */
};

struct _TocsinHttpRequest {
  char *method;
  char *url;
  /* "Name: value" lines, kept as the list libcurl takes, so that a request costs no list copy:
   * the User-Agent and "Expect:" lines are linked behind tail only for the transfer. */
  struct curl_slist *headers;
  struct curl_slist *tail;
  gboolean has_user_agent; /* a caller's User-Agent replaces ours */
  char *body;          /* (nullable) */
  gsize body_length;
};

struct _TocsinHttpResponse {
  guint status;
  GString *head;       /* the final response's header lines, as received */
  GPtrArray *names;    /* (element-type utf8) (nullable) header names, pointing into head, cut
                          up when a header is first asked for: many responses never are */
  GPtrArray *values;   /* (element-type utf8) (nullable) parallel to names, also in head */
  GString *body;       /* at most TOCSIN_HTTP_BODY_MAX bytes */
  gboolean truncated;  /* the body went on past that, and on_body() stopped the transfer */
};

/* Each thread keeps the last handle it used, with the id of its client: a channel's worker
 * thread then reuses its own handle (and connection) without touching the shared pool's lock.
 * Ids, not pointers, identify clients, so a new client at a freed one's address never finds
 * the old handle. */
static guint64 next_client_id = 1; /* (atomic) */
static __thread guint64 cached_client_id;
static __thread CURL *cached_handle;

static void
global_init_once (void)
{
  static gsize done = 0;

  /* curl_global_init() must run once, before any thread uses libcurl. */
  if (g_once_init_enter (&done))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&done, 1);
    }
}

TocsinHttpClient *
tocsin_http_client_new (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  g_autoptr (TocsinHttpClient) client = NULL;
  gboolean verify = TRUE;
  const char *proxy;

  g_return_val_if_fail (ctx != NULL && config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  global_init_once ();
  client = g_new0 (TocsinHttpClient, 1);
  client->id = __atomic_fetch_add (&next_client_id, 1, __ATOMIC_RELAXED);
  client->channel_key = g_strdup (tocsin_plugin_context_get_channel_key (ctx));
  client->timeout_ms = (long) (tocsin_plugin_context_get_timeout (ctx) * 1000);
  client->idle = g_async_queue_new ();
  client->all = g_ptr_array_new ();
  g_mutex_init (&client->lock);

  if (!tocsin_config_node_get_boolean (config, "tls-verify", &verify, error))
    return NULL;
  client->verify = verify;
  client->ca_file = tocsin_config_node_dup_path (config, "ca-file");
  if (client->ca_file != NULL && !g_file_test (client->ca_file, G_FILE_TEST_IS_REGULAR))
    {
      const TocsinConfigNode *node = tocsin_config_node_get_child (config, "ca-file");
      tocsin_config_node_set_error (node ? node : config, error, TOCSIN_ERROR_INVALID_VALUE,
                                    "ca-file '%s' is not a readable file; give a PEM bundle of "
                                    "trusted CA certificates", client->ca_file);
      return NULL;
    }
  proxy = tocsin_config_node_get_string (config, "proxy");
  client->proxy = proxy && *proxy ? g_strdup (proxy) : NULL;
  if (!client->verify)
    priv_tocsin_log (G_LOG_LEVEL_WARNING, client->channel_key,
                     "channel '%s': tls-verify is false: the server's certificate is not checked, "
                     "so anyone on the network path can read and change what is sent",
                     client->channel_key);
  return g_steal_pointer (&client);
}

void
tocsin_http_client_free (TocsinHttpClient *client)
{
  if (client == NULL)
    return;
  for (guint i = 0; i < client->all->len; i++)
    curl_easy_cleanup (client->all->pdata[i]);
  g_ptr_array_unref (client->all);
  g_async_queue_unref (client->idle);
  g_mutex_clear (&client->lock);
  g_free (client->channel_key);
  g_free (client->ca_file);
  g_free (client->proxy);
  g_free (client);
}

static void configure_handle (TocsinHttpClient *client, CURL *handle);

static CURL *
take_handle (TocsinHttpClient *client)
{
  CURL *handle;

  if (cached_handle != NULL && cached_client_id == client->id)
    {
      handle = cached_handle;
      cached_handle = NULL;
      return handle;
    }
  handle = g_async_queue_try_pop (client->idle);
  if (handle != NULL)
    return handle;
  handle = curl_easy_init ();
  configure_handle (client, handle);
  g_mutex_lock (&client->lock);
  g_ptr_array_add (client->all, handle);
  g_mutex_unlock (&client->lock);
  return handle;
}

static void
give_back_handle (TocsinHttpClient *client, CURL *handle)
{
  if (cached_handle == NULL || cached_client_id == client->id)
    {
      cached_client_id = client->id;
      cached_handle = handle;
    }
  else
    g_async_queue_push (client->idle, handle);
}

TocsinHttpRequest *
tocsin_http_request_new (const char *method, const char *url)
{
  TocsinHttpRequest *request;

  g_return_val_if_fail (method != NULL && url != NULL, NULL);
  request = g_new0 (TocsinHttpRequest, 1);
  request->method = g_ascii_strup (method, -1);
  request->url = g_strdup (url);
  return request;
}

void
tocsin_http_request_free (TocsinHttpRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->method);
  g_free (request->url);
  curl_slist_free_all (request->headers);
  g_free (request->body);
  g_free (request);
}

void
tocsin_http_request_add_header (TocsinHttpRequest *request, const char *name, const char *value)
{
  g_return_if_fail (request != NULL && name != NULL && value != NULL);
  /* A CR or LF in a value would start a header of its own. */
  g_return_if_fail (strpbrk (name, "\r\n:") == NULL && strpbrk (value, "\r\n") == NULL);
  g_autofree char *line = g_strconcat (name, ": ", value, NULL);
  struct curl_slist *node;

  if (g_ascii_strcasecmp (name, "User-Agent") == 0)
    request->has_user_agent = TRUE;
  /* Appended after the tail kept here, not by walking the list from its head. */
  node = curl_slist_append (NULL, line);
  if (node == NULL)
    g_error ("%s: out of memory", G_STRLOC);
  if (request->tail != NULL)
    request->tail->next = node;
  else
    request->headers = node;
  request->tail = node;
}

void
tocsin_http_request_set_body (TocsinHttpRequest *request, const char *content_type,
                              const char *body, gssize length)
{
  g_return_if_fail (request != NULL && body != NULL);
  g_free (request->body);
  request->body_length = length < 0 ? strlen (body) : (gsize) length;
  request->body = g_memdup2 (body, request->body_length + 1);
  request->body[request->body_length] = '\0';
  if (content_type != NULL)
    tocsin_http_request_add_header (request, "Content-Type", content_type);
}

static TocsinHttpResponse *
response_new (void)
{
  TocsinHttpResponse *response = g_new0 (TocsinHttpResponse, 1);

  /* Sized for a typical response at once rather than grown line by line. */
  response->head = g_string_sized_new (256);
  response->body = g_string_sized_new (128);
  return response;
}

void
tocsin_http_response_free (TocsinHttpResponse *response)
{
  if (response == NULL)
    return;
  g_string_free (response->head, TRUE);
  g_clear_pointer (&response->names, g_ptr_array_unref);
  g_clear_pointer (&response->values, g_ptr_array_unref);
  g_string_free (response->body, TRUE);
  g_free (response);
}

/* Splits the header lines into names and values, in place: the names and values point into
 * head, which this cuts up with NULs (header callback data is not NUL-terminated, so it was
 * kept raw until a caller asked). No copy per header: a lookup runs for most responses. */
static void
parse_head (TocsinHttpResponse *response)
{
  char *line = response->head->str;

  response->names = g_ptr_array_new ();
  response->values = g_ptr_array_new ();
  while (line != NULL && *line != '\0')
    {
      char *end = strchr (line, '\n');
      char *colon;

      if (end != NULL)
        *end = '\0';
      colon = strchr (line, ':');
      if (colon != NULL)
        {
          *colon = '\0';
          g_ptr_array_add (response->names, g_strstrip (line));
          g_ptr_array_add (response->values, g_strstrip (colon + 1));
        }
      line = end != NULL ? end + 1 : NULL;
    }
}

guint
tocsin_http_response_get_status (const TocsinHttpResponse *response)
{
  g_return_val_if_fail (response != NULL, 0);
  return response->status;
}

const char *
tocsin_http_response_get_header (const TocsinHttpResponse *response, const char *name)
{
  g_return_val_if_fail (response != NULL && name != NULL, NULL);
  if (response->names == NULL)
    parse_head ((TocsinHttpResponse *) response);
  for (guint i = 0; i < response->names->len; i++)
    if (g_ascii_strcasecmp (response->names->pdata[i], name) == 0)
      return response->values->pdata[i];
  return NULL;
}

const char *
tocsin_http_response_get_body (const TocsinHttpResponse *response, gsize *length)
{
  g_return_val_if_fail (response != NULL, NULL);
  if (length)
    *length = response->body->len;
  return response->body->str;
}

double
tocsin_http_response_get_retry_after (const TocsinHttpResponse *response)
{
  const char *value;

  g_return_val_if_fail (response != NULL, 0);
  value = tocsin_http_response_get_header (response, "Retry-After");
  return value ? MAX (tocsin_http_parse_retry_after (value, g_get_real_time () / G_USEC_PER_SEC), 0) : 0;
}

double
tocsin_http_parse_retry_after (const char *value, gint64 now_unix)
{
  g_autofree char *text = NULL;
  guint64 seconds;
  time_t when;

  if (value == NULL)
    return -1;
  text = g_strstrip (g_strdup (value));
  if (*text == '\0')
    return -1;
  if (g_ascii_isdigit (*text))
    return g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &seconds, NULL) ? (double) seconds : -1;
  /* An HTTP date (IMF-fixdate, or the obsolete RFC 850 and asctime forms curl also reads). */
  when = curl_getdate (text, NULL);
  if (when == -1)
    return -1;
  return when > now_unix ? (double) (when - now_unix) : 0;
}

/* Keeps the start of the body and stops the transfer (returning less than it was given, which
 * libcurl reports as CURLE_WRITE_ERROR) once it would go past the cap: reading on would keep a
 * delivery busy until the timeout with a server that never stops sending, and make a success
 * look like a failure. tocsin_http_client_send() maps that stop onto the status received. */
static size_t
on_body (char *data, size_t size, size_t n, void *user_data)
{
  TocsinHttpResponse *response = user_data;
  GString *body = response->body;
  size_t length = size * n;

  if (length > TOCSIN_HTTP_BODY_MAX - body->len)
    {
      g_string_append_len (body, data, (gssize) (TOCSIN_HTTP_BODY_MAX - body->len));
      response->truncated = TRUE;
      return 0;
    }
  g_string_append_len (body, data, (gssize) length);
  return length;
}

static size_t
on_header (char *data, size_t size, size_t n, void *user_data)
{
  TocsinHttpResponse *response = user_data;
  size_t length = size * n;

  /* A new status line (after a 100 Continue, or a proxy's CONNECT reply) starts over. */
  if (length >= 5 && memcmp (data, "HTTP/", 5) == 0)
    g_string_truncate (response->head, 0);
  else
    g_string_append_len (response->head, data, (gssize) length);
  return length;
}

/* The options that are the same for every request of @client, set once per handle. */
static void
configure_handle (TocsinHttpClient *client, CURL *handle)
{
  curl_easy_setopt (handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (handle, CURLOPT_TIMEOUT_MS, client->timeout_ms);
  curl_easy_setopt (handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (handle, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt (handle, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (handle, CURLOPT_SSL_VERIFYPEER, client->verify ? 1L : 0L);
  curl_easy_setopt (handle, CURLOPT_SSL_VERIFYHOST, client->verify ? 2L : 0L);
  if (client->ca_file)
    curl_easy_setopt (handle, CURLOPT_CAINFO, client->ca_file);
  if (client->proxy)
    curl_easy_setopt (handle, CURLOPT_PROXY, client->proxy);
  curl_easy_setopt (handle, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (handle, CURLOPT_HEADERFUNCTION, on_header);
}

/* Sets the options of one request: every one that differs between requests is set each time,
 * so nothing of the previous request on this handle remains. @headers is the request's lines
 * with ours linked behind them. */
static void
prepare (CURL *handle, TocsinHttpRequest *request, struct curl_slist *headers,
         TocsinHttpResponse *response, char *errbuf)
{
  curl_easy_setopt (handle, CURLOPT_URL, request->url);
  curl_easy_setopt (handle, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (handle, CURLOPT_WRITEDATA, response);
  curl_easy_setopt (handle, CURLOPT_HEADERDATA, response);
  if (request->body != NULL)
    {
      curl_easy_setopt (handle, CURLOPT_POSTFIELDS, request->body);
      curl_easy_setopt (handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) request->body_length);
    }
  else
    curl_easy_setopt (handle, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt (handle, CURLOPT_CUSTOMREQUEST,
                    g_strcmp0 (request->method, request->body ? "POST" : "GET") != 0 ? request->method : NULL);
  curl_easy_setopt (handle, CURLOPT_HTTPHEADER, headers);
}

/* (transfer full) A one-line, redacted excerpt of a response body for an error message.
 * Redacted before it is cut to EXCERPT_CHARS, so a secret that straddles that cut is still
 * recognised whole; but only the start of the body is redacted (eight times what is shown),
 * since redacting costs time in proportion to the text and 64 KiB could hold a worker up. */
static char *
excerpt (const GString *body)
{
  g_autofree char *valid = g_utf8_make_valid (body->str, MIN (body->len, EXCERPT_CHARS * 8));
  g_autofree char *redacted = NULL;
  char *flat;

  for (char *p = valid; *p; p++)
    if ((guchar) *p < 0x20)
      *p = ' ';
  redacted = tocsin_redact (valid);
  flat = g_strstrip (redacted);
  if (g_utf8_strlen (flat, -1) > EXCERPT_CHARS)
    {
      g_autofree char *head = g_utf8_substring (flat, 0, EXCERPT_CHARS);
      return g_strconcat (head, "...", NULL);
    }
  return g_strdup (flat);
}

static gboolean
transport_error_is_retryable (CURLcode code)
{
  switch (code)
    {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_TOO_MANY_REDIRECTS:
      return FALSE; /* trying again cannot help */
    default:
      return TRUE;  /* refused, reset, timed out, name lookup, handshake interrupted... */
    }
}

/* (transfer full) What a message may show of @url: "scheme://host[:port]", then "/..." when a
 * path or query follows. Only that much: a webhook URL often carries its secret in the path or
 * query (https://host/api/webhooks/ID/TOKEN), and a URL written literally in a config is
 * registered with the redaction only when its plugin thinks of it. GLib's parse error is
 * dropped: it quotes the URL. The slack plugin has a copy for its config errors (dup_origin()),
 * as plugins can reach only the exported API. */
static char *
dup_url_origin (const char *url)
{
  g_autofree char *scheme = NULL, *host = NULL, *path = NULL, *query = NULL;
  g_autoptr (GString) origin = NULL;
  int port = -1;

  /* g_uri_split(), not a GUri: its struct would join the library's ABI baseline (abidiff). */
  if (!g_uri_split (url, G_URI_FLAGS_ENCODED, &scheme, NULL, &host, &port, &path, &query, NULL,
                    NULL)
      || scheme == NULL || host == NULL || *host == '\0')
    return g_strdup ("(URL not shown)");
  origin = g_string_new (scheme);
  /* An IPv6 literal is written in brackets, or its colons would read as a port. */
  g_string_append_printf (origin, strchr (host, ':') ? "://[%s]" : "://%s", host);
  if (port > 0)
    g_string_append_printf (origin, ":%d", port);
  if ((*path != '\0' && strcmp (path, "/") != 0) || query != NULL)
    g_string_append (origin, "/...");
  /* A host registered as a secret stays masked too. */
  return tocsin_redact (origin->str);
}

/* Maps a finished transfer onto the result and error. */
static gboolean
map_outcome (TocsinHttpRequest *request, CURLcode code, const char *errbuf,
             TocsinHttpResponse *response, TocsinResult *result, GError **error)
{
  g_autofree char *origin = NULL;

  if (code != CURLE_OK)
    {
      gboolean timeout = code == CURLE_OPERATION_TIMEDOUT;
      g_autofree char *detail = tocsin_redact (*errbuf ? errbuf : curl_easy_strerror (code));
      if (result)
        tocsin_result_set_retryable (result, transport_error_is_retryable (code));
      origin = dup_url_origin (request->url);
      g_set_error (error, TOCSIN_ERROR, timeout ? TOCSIN_ERROR_TIMEOUT : TOCSIN_ERROR_DELIVERY,
                   "%s %s: %s", request->method, origin, detail);
      return FALSE;
    }
  if (response->status >= 200 && response->status < 300)
    return TRUE;

  if (result)
    {
      tocsin_result_set_retryable (result, response->status == 429 || response->status >= 500);
      tocsin_result_set_retry_after (result, tocsin_http_response_get_retry_after (response));
    }
  origin = dup_url_origin (request->url);
  {
    g_autofree char *quote = excerpt (response->body);
    g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_DELIVERY, "%s %s: HTTP %u%s%s%s", request->method,
                 origin, response->status,
                 response->status >= 300 && response->status < 400 ? " (redirects are not followed)" : "",
                 *quote ? ": " : "", quote);
  }
  return FALSE;
}

gboolean
tocsin_http_client_send (TocsinHttpClient *client, TocsinHttpRequest *request, TocsinResult *result,
                         TocsinHttpResponse **response_out, GError **error)
{
  g_autoptr (TocsinHttpResponse) response = response_new ();
  char errbuf[CURL_ERROR_SIZE] = "";
  /* Our lines, on the stack and linked behind the request's for this transfer only: libcurl
   * reads the list and copies nothing. A header line rather than CURLOPT_USERAGENT, which
   * libcurl (7.88) formats anew for every request (about 4,500 instructions, more than all of
   * prepare()). No "Expect: 100-continue": it costs a round trip on every body over 1 KiB. */
  struct curl_slist ours[] = {
    { (char *) "User-Agent: tocsin/" TOCSIN_VERSION_STRING, &ours[1] },
    { (char *) "Expect:", NULL },
  };
  struct curl_slist *own = request->has_user_agent ? &ours[1] : &ours[0];
  CURL *handle;
  CURLcode code;
  long status = 0;
  gboolean ok;

  g_return_val_if_fail (client != NULL && request != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  handle = take_handle (client);
  if (request->tail != NULL)
    request->tail->next = own;
  prepare (handle, request, request->headers ? request->headers : own, response, errbuf);
  code = curl_easy_perform (handle);
  /* on_body() stopped a body past the cap: the response is whole but for its tail. */
  if (code == CURLE_WRITE_ERROR && response->truncated)
    code = CURLE_OK;
  if (code == CURLE_OK)
    curl_easy_getinfo (handle, CURLINFO_RESPONSE_CODE, &status);
  response->status = (guint) status;
  /* No pointer into this call's stack or data may stay on the handle. */
  curl_easy_setopt (handle, CURLOPT_ERRORBUFFER, NULL);
  curl_easy_setopt (handle, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt (handle, CURLOPT_POSTFIELDS, NULL);
  curl_easy_setopt (handle, CURLOPT_WRITEDATA, NULL);
  curl_easy_setopt (handle, CURLOPT_HEADERDATA, NULL);
  if (request->tail != NULL)
    request->tail->next = NULL;
  give_back_handle (client, handle);

  ok = map_outcome (request, code, errbuf, response, result, error);
  if (response_out != NULL && code == CURLE_OK)
    *response_out = g_steal_pointer (&response);
  return ok;
}
