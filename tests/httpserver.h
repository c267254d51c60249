/* httpserver.h: a real HTTP/HTTPS server on loopback for the tests of the HTTP channels.
 *
 * Built on libsoup 3's SoupServer. It runs in a thread of its own with its own GMainContext, so a
 * test may call blocking tocsin APIs (tocsin_manager_send, tocsin_http_client_send) on its main
 * thread while the server answers. Every function here is thread-safe.
 *
 * A server answers each request with the next scripted response from its queue (in the order they
 * were pushed), and with the default response once the queue is empty (200 "ok" unless changed).
 * It records every request (method, path with query, headers, body) and counts the distinct client
 * connections it has seen.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TtHttpServer TtHttpServer;
typedef struct _TtHttpRequest TtHttpRequest;

typedef enum
{
  TT_HTTP_NORMAL = 0,        /* answer at once */
  TT_HTTP_DELAY,             /* answer after delay_ms (on the server thread; others still served) */
  TT_HTTP_HANG,              /* never answer until tt_http_server_release_hung() or _free() */
  TT_HTTP_CLOSE_MID_RESPONSE, /* send the status line, the headers with a Content-Length larger
                               * than the body, the body, then close the connection */
  TT_HTTP_ENDLESS_BODY       /* HTTP/1.1 only: send the status line, the headers and a chunked
                              * body that never ends (chunks of 16 KiB repeating the script's
                              * body, or "x"), until the client hangs up or the server stops */
} TtHttpBehaviour;

/* Starts a server on 127.0.0.1 on a free port. With @tls it serves HTTPS with a self-signed
 * certificate made at start (CN=localhost, subjectAltName IP:127.0.0.1 and DNS:localhost) by the
 * openssl command-line tool; a client trusts it only if given tt_http_server_get_ca_file() (leave
 * the ca-file out to test the untrusted case). Aborts the test on failure. */
TtHttpServer *tt_http_server_new (gboolean tls);

/* Answers hung requests (503 "released"), stops the server thread, closes every connection and
 * removes the temporary certificate files. */
void tt_http_server_free (TtHttpServer *server);

/* "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT" (no trailing slash); owned by the server. */
const char *tt_http_server_get_url (TtHttpServer *server);
guint tt_http_server_get_port (TtHttpServer *server);
/* The PEM file of the server's certificate (the CA a client must trust), or NULL without TLS. */
const char *tt_http_server_get_ca_file (TtHttpServer *server);

/* Queues a response. @headers: NULL or extra header lines "Name: value" separated by '\n'
 * (e.g. "Retry-After: 3"); @body: NULL for an empty body. @delay_ms only counts for
 * TT_HTTP_DELAY. The status, headers and body also serve TT_HTTP_CLOSE_MID_RESPONSE and
 * TT_HTTP_ENDLESS_BODY. */
void tt_http_server_push (TtHttpServer *server, TtHttpBehaviour behaviour, guint delay_ms,
                          guint status, const char *headers, const char *body);
/* Shorthand for tt_http_server_push (server, TT_HTTP_NORMAL, 0, status, headers, body). */
void tt_http_server_push_response (TtHttpServer *server, guint status, const char *headers,
                                   const char *body);
/* The answer once the queue is empty (initially TT_HTTP_NORMAL 200 "ok"); same arguments. */
void tt_http_server_set_default (TtHttpServer *server, TtHttpBehaviour behaviour, guint delay_ms,
                                 guint status, const char *headers, const char *body);
/* Answers every request hung so far with 503 "released". */
void tt_http_server_release_hung (TtHttpServer *server);

/* Whether requests are kept for tt_http_server_get_request() (default TRUE). A benchmark turns it
 * off so that a long run only counts requests and connections. */
void tt_http_server_set_recording (TtHttpServer *server, gboolean recording);

/* Requests received so far (counted when their handling starts, recorded or not). */
guint tt_http_server_get_n_requests (TtHttpServer *server);
/* Waits (without polling) until at least @n requests arrived; FALSE after @timeout_seconds. */
gboolean tt_http_server_wait_for_requests (TtHttpServer *server, guint n, double timeout_seconds);
/* The @index-th recorded request (transfer none): valid until the server is freed. */
const TtHttpRequest *tt_http_server_get_request (TtHttpServer *server, guint index);
/* Distinct client connections seen so far (each TCP connection counts once, however many
 * requests it carried). */
guint tt_http_server_get_n_connections (TtHttpServer *server);

const char *tt_http_request_get_method (const TtHttpRequest *request);
/* The path with the query string if any, e.g. "/hook?token=x". */
const char *tt_http_request_get_path (const TtHttpRequest *request);
/* A header's value (name case-insensitive; several values joined by ", "), or NULL. */
const char *tt_http_request_get_header (const TtHttpRequest *request, const char *name);
/* All header names as received, in order, NULL-terminated (transfer none). */
const char *const *tt_http_request_get_header_names (const TtHttpRequest *request);
/* The body, NUL-terminated; @length (optional) gets its size in bytes. */
const char *tt_http_request_get_body (const TtHttpRequest *request, gsize *length);
/* The client's "address:port" (which connection carried the request). */
const char *tt_http_request_get_remote (const TtHttpRequest *request);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtHttpServer, tt_http_server_free)

G_END_DECLS
