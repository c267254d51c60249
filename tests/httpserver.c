/* httpserver.c: a real HTTP/HTTPS server on loopback for the tests (see httpserver.h).
 *
 * The SoupServer lives on a thread of its own, with its own GMainContext: every SoupServer call
 * happens on that thread. The test thread only touches the shared state below under the lock,
 * and hands work to the server thread with g_main_context_invoke_full().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "httpserver.h"
#include "testcert.h"
#include "testutil.h"

#include <libsoup/soup.h>
#include <string.h>

typedef struct
{
  TtHttpBehaviour behaviour;
  guint delay_ms;
  guint status;
  char *headers; /* (nullable) "Name: value" lines */
  char *body;    /* (nullable) */
} Script;

struct _TtHttpRequest
{
  char *method;
  char *path;
  char *remote;
  GPtrArray *names;     /* (element-type utf8) as received, NULL-terminated */
  GHashTable *values;   /* lower-case name -> values joined by ", " */
  GBytes *body;         /* always NUL-terminated past its size */
};

struct _TtHttpServer
{
  gboolean tls;
  char *tmpdir;         /* (nullable) the certificate files */
  char *ca_file;        /* (nullable) */
  char *url;
  guint port;

  GThread *thread;
  GMainContext *context;  /* the server thread's */
  GMainLoop *loop;
  SoupServer *soup;       /* used on the server thread only */
  GError *start_error;    /* set by the server thread when it could not start */
  gboolean started;

  GMutex lock;          /* guards everything below */
  GCond changed;        /* a request arrived, or the server started */
  GQueue scripts;       /* (element-type Script) */
  Script fallback;
  gboolean recording;
  guint n_requests;
  guint n_connections;
  GPtrArray *requests;  /* (element-type TtHttpRequest) */
  GPtrArray *hung;      /* (element-type SoupServerMessage) paused forever */
  GCancellable *stop;   /* cancelled when the server stops: ends the endless bodies */
};

static GQuark seen_quark;

static void
script_clear (Script *script)
{
  g_clear_pointer (&script->headers, g_free);
  g_clear_pointer (&script->body, g_free);
}

static void
script_free (Script *script)
{
  script_clear (script);
  g_free (script);
}

static void
script_copy (Script *dest, const Script *src)
{
  *dest = *src;
  dest->headers = g_strdup (src->headers);
  dest->body = g_strdup (src->body);
}

static void
request_free (TtHttpRequest *request)
{
  g_free (request->method);
  g_free (request->path);
  g_free (request->remote);
  g_ptr_array_unref (request->names);
  g_hash_table_unref (request->values);
  g_bytes_unref (request->body);
  g_free (request);
}

/* ---- the server thread ---- */

static char *
describe_remote (SoupServerMessage *msg)
{
  GSocketAddress *address = soup_server_message_get_remote_address (msg);
  g_autofree char *host = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");
  host = g_inet_address_to_string (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup_printf ("%s:%u", host,
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

static void
add_header (const char *name, const char *value, gpointer user_data)
{
  TtHttpRequest *request = user_data;
  g_autofree char *key = g_ascii_strdown (name, -1);
  const char *old = g_hash_table_lookup (request->values, key);

  g_ptr_array_add (request->names, g_strdup (name));
  g_hash_table_insert (request->values, g_steal_pointer (&key),
                       old ? g_strconcat (old, ", ", value, NULL) : g_strdup (value));
}

static TtHttpRequest *
record (SoupServerMessage *msg)
{
  TtHttpRequest *request = g_new0 (TtHttpRequest, 1);
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);
  g_autoptr (GBytes) flat = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  gsize size;
  const char *data = g_bytes_get_data (flat, &size);
  char *copy;

  request->method = g_strdup (soup_server_message_get_method (msg));
  request->path = query ? g_strconcat (g_uri_get_path (uri), "?", query, NULL)
                        : g_strdup (g_uri_get_path (uri));
  request->remote = describe_remote (msg);
  request->names = g_ptr_array_new_with_free_func (g_free);
  request->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  soup_message_headers_foreach (soup_server_message_get_request_headers (msg), add_header, request);
  g_ptr_array_add (request->names, NULL);
  /* A copy with a NUL past the end, so tests can treat the body as a string. */
  copy = g_malloc (size + 1);
  if (size)
    memcpy (copy, data, size);
  copy[size] = '\0';
  request->body = g_bytes_new_take (copy, size + 1);
  return request;
}

/* Whether this message came on a connection not seen before; marks it seen. A mark on the
 * GSocket object dies with it, so a new connection is never mistaken for an old one. */
static gboolean
is_new_connection (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  if (socket == NULL || g_object_get_qdata (G_OBJECT (socket), seen_quark) != NULL)
    return FALSE;
  g_object_set_qdata (G_OBJECT (socket), seen_quark, GINT_TO_POINTER (1));
  return TRUE;
}

static void
set_answer (SoupServerMessage *msg, guint status, const char *headers, const char *body)
{
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  g_auto (GStrv) lines = g_strsplit (headers ? headers : "", "\n", -1);

  soup_server_message_set_status (msg, status, NULL);
  for (guint i = 0; lines[i]; i++)
    {
      char *colon = strchr (lines[i], ':');
      if (colon == NULL)
        continue;
      *colon = '\0';
      soup_message_headers_append (response_headers, g_strstrip (lines[i]), g_strstrip (colon + 1));
    }
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, body ? body : "",
                                    body ? strlen (body) : 0);
}

typedef struct
{
  SoupServerMessage *msg;
  Script script;
} Delayed;

static void
delayed_free (gpointer data)
{
  Delayed *delayed = data;

  g_object_unref (delayed->msg);
  script_clear (&delayed->script);
  g_free (delayed);
}

static gboolean
answer_delayed (gpointer data)
{
  Delayed *delayed = data;

  set_answer (delayed->msg, delayed->script.status, delayed->script.headers, delayed->script.body);
  soup_server_message_unpause (delayed->msg);
  return G_SOURCE_REMOVE;
}

/* Appends the head of a response written by hand, on a connection taken from libsoup: the
 * status line, Content-Type, @framing (the Content-Length or Transfer-Encoding line), the
 * script's headers and the empty line. */
static void
append_raw_head (GString *raw, const Script *script, const char *framing)
{
  g_string_append_printf (raw, "HTTP/1.1 %u %s\r\nContent-Type: text/plain\r\n%s\r\n",
                          script->status, soup_status_get_phrase (script->status), framing);
  if (script->headers)
    {
      g_auto (GStrv) lines = g_strsplit (script->headers, "\n", -1);
      for (guint i = 0; lines[i]; i++)
        if (*g_strstrip (lines[i]))
          g_string_append_printf (raw, "%s\r\n", lines[i]);
    }
  g_string_append (raw, "\r\n");
}

/* Writes a response whose Content-Length promises more than is sent, then hangs up: the
 * connection is taken away from libsoup so nothing it does can complete the message. */
static void
close_mid_response (SoupServerMessage *msg, const Script *script)
{
  const char *body = script->body ? script->body : "partial";
  g_autoptr (GIOStream) stream = NULL;
  g_autoptr (GString) raw = g_string_new (NULL);
  g_autofree char *framing = g_strdup_printf ("Content-Length: %zu", strlen (body) + 1000);

  append_raw_head (raw, script, framing);
  g_string_append (raw, body);

  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;
  /* Blocking writes of a few bytes on the server thread are fine in a test. */
  g_output_stream_write_all (g_io_stream_get_output_stream (stream), raw->str, raw->len, NULL,
                             NULL, NULL);
  g_output_stream_flush (g_io_stream_get_output_stream (stream), NULL, NULL);
  g_io_stream_close (stream, NULL, NULL);
}

/* ---- TT_HTTP_ENDLESS_BODY: asynchronous writes on the server thread, one chunk after the
 * other, so that the thread goes on serving (and stopping) while a client reads or not. */

#define ENDLESS_CHUNK_SIZE (16 * 1024)

typedef struct
{
  GIOStream *stream;
  GCancellable *stop;
  char *head;           /* the status line and headers, written first */
  char *chunk;          /* "4000\r\n", 16 KiB of body, "\r\n" */
  gsize chunk_length;
} Endless;

static void
endless_free (Endless *endless)
{
  g_io_stream_close (endless->stream, NULL, NULL);
  g_object_unref (endless->stream);
  g_object_unref (endless->stop);
  g_free (endless->head);
  g_free (endless->chunk);
  g_free (endless);
}

static void
endless_written (GObject *source, GAsyncResult *result, gpointer data)
{
  Endless *endless = data;

  /* An error is the client hanging up, or the server stopping. */
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    {
      endless_free (endless);
      return;
    }
  g_output_stream_write_all_async (G_OUTPUT_STREAM (source), endless->chunk,
                                   endless->chunk_length, G_PRIORITY_DEFAULT, endless->stop,
                                   endless_written, endless);
}

static void
endless_body (TtHttpServer *server, SoupServerMessage *msg, const Script *script)
{
  const char *text = script->body && *script->body ? script->body : "x";
  g_autoptr (GString) head = g_string_new (NULL);
  g_autoptr (GString) chunk = g_string_new (NULL);
  GIOStream *stream;
  Endless *endless;

  append_raw_head (head, script, "Transfer-Encoding: chunked");
  g_string_append_printf (chunk, "%x\r\n", ENDLESS_CHUNK_SIZE);
  for (gsize left = ENDLESS_CHUNK_SIZE; left > 0; left -= MIN (left, strlen (text)))
    g_string_append_len (chunk, text, (gssize) MIN (left, strlen (text)));
  g_string_append (chunk, "\r\n");

  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;
  endless = g_new0 (Endless, 1);
  endless->stream = stream;
  endless->stop = g_object_ref (server->stop);
  endless->chunk_length = chunk->len;
  endless->chunk = g_string_free (g_steal_pointer (&chunk), FALSE);
  endless->head = g_strdup (head->str);
  /* The head first; endless_written() then sends the chunk again and again. */
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream), endless->head,
                                   head->len, G_PRIORITY_DEFAULT, endless->stop,
                                   endless_written, endless);
}

static void
handle (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
        gpointer user_data)
{
  TtHttpServer *server = user_data;
  TtHttpRequest *request = NULL;
  Script script;
  Script *next;

  (void) soup; (void) path; (void) query;
  g_mutex_lock (&server->lock);
  if (server->recording)
    request = record (msg);
  next = g_queue_pop_head (&server->scripts);
  if (next != NULL)
    {
      script = *next;
      g_free (next);
    }
  else
    script_copy (&script, &server->fallback);
  if (is_new_connection (msg))
    server->n_connections++;
  if (request)
    g_ptr_array_add (server->requests, request);
  server->n_requests++;
  if (script.behaviour == TT_HTTP_HANG)
    g_ptr_array_add (server->hung, g_object_ref (msg));
  g_cond_broadcast (&server->changed);
  g_mutex_unlock (&server->lock);

  switch (script.behaviour)
    {
    case TT_HTTP_NORMAL:
      set_answer (msg, script.status, script.headers, script.body);
      break;
    case TT_HTTP_DELAY:
      {
        Delayed *delayed = g_new0 (Delayed, 1);
        GSource *source = g_timeout_source_new (script.delay_ms);
        delayed->msg = g_object_ref (msg);
        script_copy (&delayed->script, &script);
        soup_server_message_pause (msg);
        g_source_set_callback (source, answer_delayed, delayed, delayed_free);
        g_source_attach (source, server->context);
        g_source_unref (source);
      }
      break;
    case TT_HTTP_HANG:
      soup_server_message_pause (msg);
      break;
    case TT_HTTP_CLOSE_MID_RESPONSE:
      close_mid_response (msg, &script);
      break;
    case TT_HTTP_ENDLESS_BODY:
      endless_body (server, msg, &script);
      break;
    }
  script_clear (&script);
}

/* Runs on the server thread. */
static gboolean
release_hung_now (gpointer data)
{
  TtHttpServer *server = data;
  g_autoptr (GPtrArray) hung = NULL;

  g_mutex_lock (&server->lock);
  hung = g_steal_pointer (&server->hung);
  server->hung = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_unlock (&server->lock);
  for (guint i = 0; i < hung->len; i++)
    {
      set_answer (hung->pdata[i], 503, NULL, "released");
      soup_server_message_unpause (hung->pdata[i]);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
stop_now (gpointer data)
{
  TtHttpServer *server = data;

  release_hung_now (server);
  g_cancellable_cancel (server->stop);
  g_main_loop_quit (server->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
start (TtHttpServer *server, GError **error)
{
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoslist (GUri) uris = NULL;

  if (server->tls)
    {
      g_autofree char *cert = g_build_filename (server->tmpdir, "cert.pem", NULL);
      g_autofree char *key = g_build_filename (server->tmpdir, "key.pem", NULL);
      certificate = g_tls_certificate_new_from_files (cert, key, error);
      if (certificate == NULL)
        return FALSE;
    }
  server->soup = soup_server_new ("server-header", "tt-httpserver", "tls-certificate", certificate,
                                  NULL);
  soup_server_add_handler (server->soup, NULL, handle, server, NULL);
  if (!soup_server_listen_local (server->soup, 0,
                                 SOUP_SERVER_LISTEN_IPV4_ONLY
                                 | (server->tls ? SOUP_SERVER_LISTEN_HTTPS : 0), error))
    return FALSE;
  uris = soup_server_get_uris (server->soup);
  g_assert_nonnull (uris);
  server->port = (guint) g_uri_get_port (uris->data);
  server->url = g_strdup_printf ("%s://127.0.0.1:%u", server->tls ? "https" : "http", server->port);
  return TRUE;
}

static gpointer
server_thread (gpointer data)
{
  TtHttpServer *server = data;
  GError *error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (server->context);
  ok = start (server, &error);
  g_mutex_lock (&server->lock);
  server->start_error = error;
  server->started = TRUE;
  g_cond_broadcast (&server->changed);
  g_mutex_unlock (&server->lock);
  if (ok)
    g_main_loop_run (server->loop);
  if (server->soup)
    soup_server_disconnect (server->soup);
  g_clear_object (&server->soup);
  /* Let the disconnections and the sources they drop finish on this context. */
  while (g_main_context_iteration (server->context, FALSE))
    ;
  g_main_context_pop_thread_default (server->context);
  return NULL;
}

/* ---- the certificate ---- */

static void
make_certificate (TtHttpServer *server)
{
  g_autoptr (GError) error = NULL;

  server->ca_file = tt_make_test_certificate (server->tmpdir, &error);
  if (server->ca_file == NULL)
    g_error ("tt-httpserver: %s", error->message);
}

/* ---- the test thread's API ---- */

TtHttpServer *
tt_http_server_new (gboolean tls)
{
  TtHttpServer *server = g_new0 (TtHttpServer, 1);

  seen_quark = g_quark_from_static_string ("tt-httpserver-seen");
  server->tls = tls;
  g_mutex_init (&server->lock);
  g_cond_init (&server->changed);
  g_queue_init (&server->scripts);
  server->fallback = (Script) { TT_HTTP_NORMAL, 0, 200, NULL, g_strdup ("ok") };
  server->recording = TRUE;
  server->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) request_free);
  server->hung = g_ptr_array_new_with_free_func (g_object_unref);
  server->stop = g_cancellable_new ();
  if (tls)
    {
      server->tmpdir = tt_make_tmpdir ();
      make_certificate (server);
    }
  server->context = g_main_context_new ();
  server->loop = g_main_loop_new (server->context, FALSE);
  server->thread = g_thread_new ("tt-httpserver", server_thread, server);

  g_mutex_lock (&server->lock);
  while (!server->started)
    g_cond_wait (&server->changed, &server->lock);
  g_mutex_unlock (&server->lock);
  if (server->start_error)
    g_error ("tt-httpserver: cannot start the %s server: %s", tls ? "HTTPS" : "HTTP",
             server->start_error->message);
  return server;
}

void
tt_http_server_free (TtHttpServer *server)
{
  if (server == NULL)
    return;
  g_main_context_invoke (server->context, stop_now, server);
  g_thread_join (server->thread);
  g_main_loop_unref (server->loop);
  g_main_context_unref (server->context);
  g_queue_clear_full (&server->scripts, (GDestroyNotify) script_free);
  script_clear (&server->fallback);
  g_ptr_array_unref (server->requests);
  g_ptr_array_unref (server->hung);
  g_object_unref (server->stop);
  g_clear_error (&server->start_error);
  if (server->tmpdir)
    tt_rm_rf (server->tmpdir);
  g_free (server->tmpdir);
  g_free (server->ca_file);
  g_free (server->url);
  g_mutex_clear (&server->lock);
  g_cond_clear (&server->changed);
  g_free (server);
}

const char *
tt_http_server_get_url (TtHttpServer *server)
{
  return server->url;
}

guint
tt_http_server_get_port (TtHttpServer *server)
{
  return server->port;
}

const char *
tt_http_server_get_ca_file (TtHttpServer *server)
{
  return server->ca_file;
}

void
tt_http_server_push (TtHttpServer *server, TtHttpBehaviour behaviour, guint delay_ms, guint status,
                     const char *headers, const char *body)
{
  Script *script = g_new0 (Script, 1);

  *script = (Script) { behaviour, delay_ms, status, g_strdup (headers), g_strdup (body) };
  g_mutex_lock (&server->lock);
  g_queue_push_tail (&server->scripts, script);
  g_mutex_unlock (&server->lock);
}

void
tt_http_server_push_response (TtHttpServer *server, guint status, const char *headers,
                              const char *body)
{
  tt_http_server_push (server, TT_HTTP_NORMAL, 0, status, headers, body);
}

void
tt_http_server_set_default (TtHttpServer *server, TtHttpBehaviour behaviour, guint delay_ms,
                            guint status, const char *headers, const char *body)
{
  g_mutex_lock (&server->lock);
  script_clear (&server->fallback);
  server->fallback = (Script) { behaviour, delay_ms, status, g_strdup (headers), g_strdup (body) };
  g_mutex_unlock (&server->lock);
}

void
tt_http_server_release_hung (TtHttpServer *server)
{
  g_main_context_invoke (server->context, release_hung_now, server);
}

void
tt_http_server_set_recording (TtHttpServer *server, gboolean recording)
{
  g_mutex_lock (&server->lock);
  server->recording = recording;
  g_mutex_unlock (&server->lock);
}

guint
tt_http_server_get_n_requests (TtHttpServer *server)
{
  guint n;

  g_mutex_lock (&server->lock);
  n = server->n_requests;
  g_mutex_unlock (&server->lock);
  return n;
}

gboolean
tt_http_server_wait_for_requests (TtHttpServer *server, guint n, double timeout_seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_seconds * G_USEC_PER_SEC);
  gboolean reached;

  g_mutex_lock (&server->lock);
  while (server->n_requests < n)
    if (!g_cond_wait_until (&server->changed, &server->lock, deadline))
      break;
  reached = server->n_requests >= n;
  g_mutex_unlock (&server->lock);
  return reached;
}

const TtHttpRequest *
tt_http_server_get_request (TtHttpServer *server, guint index)
{
  const TtHttpRequest *request;

  g_mutex_lock (&server->lock);
  g_assert_cmpuint (index, <, server->requests->len);
  request = server->requests->pdata[index];
  g_mutex_unlock (&server->lock);
  return request;
}

guint
tt_http_server_get_n_connections (TtHttpServer *server)
{
  guint n;

  g_mutex_lock (&server->lock);
  n = server->n_connections;
  g_mutex_unlock (&server->lock);
  return n;
}

const char *
tt_http_request_get_method (const TtHttpRequest *request)
{
  return request->method;
}

const char *
tt_http_request_get_path (const TtHttpRequest *request)
{
  return request->path;
}

const char *
tt_http_request_get_header (const TtHttpRequest *request, const char *name)
{
  g_autofree char *key = g_ascii_strdown (name, -1);

  return g_hash_table_lookup (request->values, key);
}

const char *const *
tt_http_request_get_header_names (const TtHttpRequest *request)
{
  return (const char *const *) request->names->pdata;
}

const char *
tt_http_request_get_body (const TtHttpRequest *request, gsize *length)
{
  gsize size;
  const char *data = g_bytes_get_data (request->body, &size);

  if (length)
    *length = size - 1;
  return data;
}

const char *
tt_http_request_get_remote (const TtHttpRequest *request)
{
  return request->remote;
}
