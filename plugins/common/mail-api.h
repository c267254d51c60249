/* mail-api.h: what the HTTP mail transports (resend, gmail, ses) share: a JSON POST with a
 * bearer token or signed headers, the message id from the JSON answer, and API errors
 * reported with the API's own message.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tocsin/tocsin-plugin.h>

G_BEGIN_DECLS

/* (transfer full) (nullable) A JSON response's string member at @path ("id", "error.message"),
 * or NULL when the body is not JSON or has no such string. An array on the way stands for each
 * of its elements, the first one that has the member wins ("error.errors.reason"). */
G_GNUC_INTERNAL char *priv_tocsin_mail_api_dup_member (const TocsinHttpResponse *response,
                                                       const char *path);

/* Whether a string member at @path of the JSON response (arrays as above: any element) is
 * @value: a service's error code in its answer ("error.errors.reason", "name"). */
G_GNUC_INTERNAL gboolean priv_tocsin_mail_api_has_member (const TocsinHttpResponse *response,
                                                          const char *path, const char *value);

/* A service's reading of its own error answer @response, beyond its HTTP status. Returns
 * (nullable) a hint appended to the error text, and sets *@transient to TRUE for a refusal that
 * a later attempt may get past although the status says otherwise (a rate limit answered with
 * 403, a request still in progress), which makes the result retryable. */
typedef const char *(*PrivTocsinMailApiExplain) (const TocsinHttpResponse *response,
                                                 gboolean *transient);

/* Sends @request; on a 2xx answer sets the JSON member @id_path of the answer as @result's
 * message id. On an HTTP error, @error becomes "@service: HTTP <status>: <the API's message>"
 * (the first of @message_paths found in the JSON answer, redacted), with @explain's hint
 * appended when it gives one, and the result keeps the HTTP layer's retryability (unless
 * @explain finds the refusal transient) and Retry-After. */
G_GNUC_INTERNAL gboolean priv_tocsin_mail_api_send (TocsinHttpClient *client,
                                                    TocsinHttpRequest *request,
                                                    const char *service, const char *id_path,
                                                    const char *const *message_paths,
                                                    PrivTocsinMailApiExplain explain,
                                                    TocsinResult *result, GError **error);

/* The URL of @base_url with @path appended (one slash between them), or NULL with @error if
 * @base_url (the <base-url> setting of @config) is not an absolute http(s) URL. */
G_GNUC_INTERNAL char *priv_tocsin_mail_api_dup_url (const TocsinConfigNode *config,
                                                    const char *service, const char *path,
                                                    GError **error);

G_END_DECLS
