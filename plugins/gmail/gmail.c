/* gmail.c: the "gmail" mail transport: the Gmail API's messages.send.
 *
 *   <transport type="gmail">
 *     <access-token credential="gmail_token"/>           (OAuth 2.0, scope gmail.send)
 *     <base-url>https://gmail.googleapis.com</base-url>  (default; for tests and proxies)
 *   </transport>
 *
 *   POST https://gmail.googleapis.com/gmail/v1/users/me/messages/send
 *   Authorization: Bearer ya29...
 *   {"raw":"<the RFC 5322 message, base64url without padding>"}
 *
 * The answer's "id" is the message id. Obtaining and refreshing the token is the application's
 * business (the credential is read when the configuration is loaded); a 401 says so. A 403 is
 * a missing scope, unless the error's reason is a rate limit: then it is retryable, like a 429.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin-plugin.h>

#include <json-glib/json-glib.h>
#include <string.h>

#include "json-text.h"
#include "mail-api.h"

#define SEND_PATH "gmail/v1/users/me/messages/send"

static const TocsinSettingSpec gmail_settings[] = {
  { "access-token", TOCSIN_SETTING_STRING, TOCSIN_SETTING_REQUIRED | TOCSIN_SETTING_SECRET, NULL,
    "an OAuth 2.0 access token with the gmail.send scope, from a credential",
    NULL, NULL, { NULL } },
  { "base-url", TOCSIN_SETTING_STRING, 0, "https://gmail.googleapis.com",
    "the API's address; /" SEND_PATH " is appended", NULL, NULL, { NULL } },
  TOCSIN_HTTP_SETTINGS,
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

/* Google's error answers: {"error":{"code":400,"message":"...","status":"..."}}. */
static const char *const message_paths[] = { "error.message", "message", NULL };

typedef struct {
  TocsinHttpClient *client;
  char *url;
  char *authorization; /* "Bearer <token>" */
} Gmail;

/* (transfer full) @data in base64url (RFC 4648 section 5) without padding, as Gmail's "raw"
 * field wants it. */
static char *
base64url (GBytes *data)
{
  gsize length = 0;
  const guchar *bytes = g_bytes_get_data (data, &length);
  char *text = g_base64_encode (bytes, length);
  char *end = text + strlen (text);

  while (end > text && end[-1] == '=')
    *--end = '\0';
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  return text;
}

static char *
build_document (TocsinMailMessage *message)
{
  g_autofree char *raw = base64url (tocsin_mail_message_get_mime (message));
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "raw");
  json_builder_add_string_value (builder, raw);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return priv_tocsin_json_to_text (root);
}

/* Gmail answers its per-user and per-project rate limits with 403 as well as 429, told apart from
 * a refusal for good by the reason of the error (Gmail API guide "Resolve errors"). */
static gboolean
is_rate_limited (const TocsinHttpResponse *response)
{
  return tocsin_http_response_get_status (response) == 429
         || priv_tocsin_mail_api_has_member (response, "error.errors.reason", "rateLimitExceeded")
         || priv_tocsin_mail_api_has_member (response, "error.errors.reason",
                                             "userRateLimitExceeded");
}

static const char *
explain (const TocsinHttpResponse *response, gboolean *transient)
{
  guint status = tocsin_http_response_get_status (response);

  if (is_rate_limited (response))
    {
      *transient = TRUE;
      return "rate limited by Gmail: too many requests for this user or project; a later attempt "
             "may succeed";
    }
  if (status == 401)
    return "the access token is expired or invalid: give the credential a fresh OAuth 2.0 "
           "token with the gmail.send scope";
  if (status == 403)
    return "the token lacks the gmail.send scope, or the Gmail API is not enabled for its project";
  return NULL;
}

static gboolean
gmail_send (gpointer instance, TocsinMailMessage *message, TocsinResult *result, GError **error)
{
  Gmail *self = instance;
  g_autofree char *document = build_document (message);
  g_autoptr (TocsinHttpRequest) request = tocsin_http_request_new ("POST", self->url);

  tocsin_http_request_set_body (request, "application/json", document, -1);
  tocsin_http_request_add_header (request, "Authorization", self->authorization);
  return priv_tocsin_mail_api_send (self->client, request, "gmail", "id", message_paths, explain,
                                    result, error);
}

static void
gmail_destroy (gpointer instance)
{
  Gmail *self = instance;

  g_clear_pointer (&self->client, tocsin_http_client_free);
  g_free (self->url);
  g_free (self->authorization);
  g_free (self);
}

static gpointer
gmail_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  const char *token = tocsin_config_node_get_string (config, "access-token");
  g_autofree char *url = NULL;
  Gmail *self;

  if (token == NULL || *token == '\0' || strpbrk (token, " \t\r\n") != NULL)
    {
      tocsin_config_node_set_error (tocsin_config_node_get_child (config, "access-token"), error,
                                    TOCSIN_ERROR_INVALID_VALUE,
                                    "gmail: <access-token> is empty or contains white space");
      return NULL;
    }
  if ((url = priv_tocsin_mail_api_dup_url (config, "gmail", SEND_PATH, error)) == NULL)
    return NULL;
  self = g_new0 (Gmail, 1);
  self->client = tocsin_http_client_new (ctx, config, error);
  if (self->client == NULL)
    {
      gmail_destroy (self);
      return NULL;
    }
  self->url = g_steal_pointer (&url);
  self->authorization = g_strconcat ("Bearer ", token, NULL);
  tocsin_plugin_context_log (ctx, G_LOG_LEVEL_DEBUG, "gmail: POST %s", self->url);
  return self;
}

static const TocsinTransportClass gmail_class = {
  .struct_size = sizeof (TocsinTransportClass),
  .flags = TOCSIN_TRANSPORT_CLASS_THREAD_SAFE,
  .type_name = "gmail",
  .description = "sends mail through the Gmail API (messages.send)",
  .settings = gmail_settings,
  .create = gmail_create,
  .send = gmail_send,
  .destroy = gmail_destroy,
};

static const TocsinTransportClass *const gmail_classes[] = { &gmail_class, NULL };

TOCSIN_PLUGIN_DEFINE ("gmail", "1.0.0", "LGPL-2.1-or-later", "Gmail API mail transport",
                      NULL, gmail_classes)
