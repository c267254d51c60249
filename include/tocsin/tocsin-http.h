/* tocsin-http.h: the HTTP client the core offers to channel plugins (built on libcurl, which never
 * crosses this interface).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-result.h>
#include <tocsin/tocsin-config-node.h>
#include <tocsin/tocsin-plugin-context.h>
#include <tocsin/tocsin-setting.h>

G_BEGIN_DECLS

/**
 * TocsinHttpClient:
 * One channel's HTTP client. Safe to use from every worker thread of the channel at once: it
 * keeps one connection handle per concurrent user (so at most `workers` connections, each kept
 * alive and reused), speaks HTTP/2 where a TLS server offers it, verifies TLS certificates unless
 * told not to, honours the standard proxy environment variables (or the `proxy` setting), never
 * follows redirects, reads at most %TOCSIN_HTTP_BODY_MAX bytes of a response body and gives up
 * after the channel's timeout.
 */
typedef struct _TocsinHttpClient TocsinHttpClient;
typedef struct _TocsinHttpRequest TocsinHttpRequest;
typedef struct _TocsinHttpResponse TocsinHttpResponse;

/** The most of a response body the client keeps: the transfer stops there, and is judged by
 * the HTTP status already received (a 200 with an endless body is delivered). */
#define TOCSIN_HTTP_BODY_MAX (64 * 1024)

/**
 * TOCSIN_HTTP_SETTINGS:
 * The settings every HTTP channel accepts, to put in a class's #TocsinSettingSpec array:
 * `tls-verify` (boolean, default true; false logs a warning once), `ca-file` (a PEM bundle of
 * trusted certificates) and `proxy` (a proxy URL; default: the http_proxy, https_proxy and
 * no_proxy environment variables). The delivery timeout is the channel's `timeout` attribute.
 */
#define TOCSIN_HTTP_SETTINGS                                                                     \
  { "tls-verify", TOCSIN_SETTING_BOOLEAN, 0, "true", "verify the server's TLS certificate",       \
    NULL, NULL, { NULL } },                                                                       \
  { "ca-file", TOCSIN_SETTING_PATH, 0, NULL, "PEM bundle of trusted CA certificates",             \
    NULL, NULL, { NULL } },                                                                       \
  { "proxy", TOCSIN_SETTING_STRING, 0, NULL,                                                      \
    "proxy URL (default: the proxy environment variables)", NULL, NULL, { NULL } }

/**
 * tocsin_http_client_new:
 * @ctx: the channel's context (timeout, key for log messages)
 * @config: the channel's settings; the TOCSIN_HTTP_SETTINGS among them are read
 * Returns: (transfer full): a client, or %NULL with @error (an unreadable ca-file, a bad proxy URL)
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinHttpClient *tocsin_http_client_new (TocsinPluginContext *ctx, const TocsinConfigNode *config,
                                          GError **error);

/** tocsin_http_client_free: closes the client's connections. */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_http_client_free (TocsinHttpClient *client);

/**
 * tocsin_http_request_new:
 * @method: "POST", "PUT", "GET", ...
 * @url: an http:// or https:// URL. It may hold a secret (a Slack webhook's path): it is only
 *   ever printed through tocsin_redact()
 * Returns: (transfer full): a request with no headers and no body
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinHttpRequest *tocsin_http_request_new (const char *method, const char *url);

TOCSIN_AVAILABLE_IN_1_0
void tocsin_http_request_free (TocsinHttpRequest *request);

/**
 * tocsin_http_request_add_header:
 * Adds "@name: @value" (both copied; the value is never logged). @name must not contain ':',
 * CR or LF and @value no CR or LF: otherwise a critical is logged and nothing is added.
 */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_http_request_add_header (TocsinHttpRequest *request, const char *name, const char *value);

/**
 * tocsin_http_request_set_body:
 * @content_type: e.g. "application/json"
 * @body: the bytes to send (copied)
 * @length: their number, or -1 for a NUL-terminated string
 */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_http_request_set_body (TocsinHttpRequest *request, const char *content_type,
                                   const char *body, gssize length);

/**
 * tocsin_http_client_send:
 * @result: (nullable): the delivery's result: on failure marked retryable for 429, 5xx and
 *   transport errors (refused, reset, timeout, name lookup), with the server's Retry-After
 *   (seconds or HTTP date) as retry-after; certificate failures, bad URLs and other statuses
 *   are permanent
 * @response: (out) (optional) (transfer full): the response, when one was received
 * @error: set on any failure: %TOCSIN_ERROR_DELIVERY naming the HTTP status with a short redacted
 *   excerpt of the body, or the transport error; %TOCSIN_ERROR_TIMEOUT after the timeout
 *
 * Performs @request on a connection of its own for the duration of the call.
 *
 * Returns: %TRUE for a 2xx status
 */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_http_client_send (TocsinHttpClient *client, TocsinHttpRequest *request,
                                  TocsinResult *result, TocsinHttpResponse **response,
                                  GError **error);

TOCSIN_AVAILABLE_IN_1_0
void tocsin_http_response_free (TocsinHttpResponse *response);

/** tocsin_http_response_get_status: Returns: the HTTP status code */
TOCSIN_AVAILABLE_IN_1_0
guint tocsin_http_response_get_status (const TocsinHttpResponse *response);

/** tocsin_http_response_get_header: Returns: (transfer none) (nullable): a header's value (name case-insensitive) */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_http_response_get_header (const TocsinHttpResponse *response, const char *name);

/**
 * tocsin_http_response_get_body:
 * @length: (out) (optional): its length in bytes (at most %TOCSIN_HTTP_BODY_MAX)
 * Returns: (transfer none): the body read, NUL-terminated (it may also contain NULs)
 */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_http_response_get_body (const TocsinHttpResponse *response, gsize *length);

/** tocsin_http_response_get_retry_after: Returns: seconds from Retry-After, 0 when absent or invalid */
TOCSIN_AVAILABLE_IN_1_0
double tocsin_http_response_get_retry_after (const TocsinHttpResponse *response);

/**
 * tocsin_http_parse_retry_after:
 * @value: a Retry-After header value: delta-seconds or an HTTP date
 * @now_unix: the current time (seconds since the epoch), for a date
 * Returns: the delay in seconds (>= 0), or -1 when @value is neither
 */
TOCSIN_AVAILABLE_IN_1_0
double tocsin_http_parse_retry_after (const char *value, gint64 now_unix);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinHttpRequest, tocsin_http_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinHttpResponse, tocsin_http_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinHttpClient, tocsin_http_client_free)

G_END_DECLS
