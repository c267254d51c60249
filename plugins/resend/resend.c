/* resend.c: the "resend" mail transport: Resend's HTTP API (POST /emails).
 *
 *   <transport type="resend">
 *     <api-key credential="resend_key"/>
 *     <base-url>https://api.resend.com</base-url>   (default; for tests and proxies)
 *   </transport>
 *
 *   POST https://api.resend.com/emails
 *   Authorization: Bearer re_...
 *   Idempotency-Key: <the message's Message-ID>
 *   {"from":"Alerts <alerts@example.com>","to":["oncall@example.com"],"subject":"...","text":"..."}
 *
 * The answer's "id" is the message id. The Idempotency-Key is the same for every send of one alert
 * through one channel, so Resend drops the duplicate a retry after a lost answer would make.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin-plugin.h>

#include <json-glib/json-glib.h>

#include "json-text.h"
#include "mail-api.h"

#include <string.h>

static const TocsinSettingSpec resend_settings[] = {
  { "api-key", TOCSIN_SETTING_STRING, TOCSIN_SETTING_REQUIRED | TOCSIN_SETTING_SECRET, NULL,
    "the Resend API key (re_...), from a credential", NULL, NULL, { NULL } },
  { "base-url", TOCSIN_SETTING_STRING, 0, "https://api.resend.com",
    "the API's address; /emails is appended", NULL, NULL, { NULL } },
  TOCSIN_HTTP_SETTINGS,
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

/* Where Resend's error answers ({"statusCode":422,"name":"...","message":"..."}) say why. */
static const char *const message_paths[] = { "message", "error.message", "error", NULL };

typedef struct {
  TocsinHttpClient *client;
  char *url;
  char *authorization; /* "Bearer <key>" */
} Resend;

/* (transfer full) The JSON document for @message. */
static char *
build_document (TocsinMailMessage *message)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  const char *const *recipients = tocsin_mail_message_get_recipients (message);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "from");
  json_builder_add_string_value (builder, tocsin_mail_message_get_from (message));
  json_builder_set_member_name (builder, "to");
  json_builder_begin_array (builder);
  for (guint i = 0; recipients[i] != NULL; i++)
    json_builder_add_string_value (builder, recipients[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "subject");
  json_builder_add_string_value (builder, tocsin_mail_message_get_subject (message));
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, tocsin_mail_message_get_text (message));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return priv_tocsin_json_to_text (root);
}

static const char *
explain (const TocsinHttpResponse *response, gboolean *transient)
{
  guint status = tocsin_http_response_get_status (response);

  /* A retry (ours or the application's) that overtook the request it repeats: once that one is
   * done, the same Idempotency-Key gets its outcome back (Resend's "Idempotency Keys" guide). */
  if (status == 409
      && priv_tocsin_mail_api_has_member (response, "name", "concurrent_idempotent_requests"))
    {
      *transient = TRUE;
      return "a request for the same message (same Idempotency-Key) is still in progress; a "
             "later attempt gets its outcome";
    }
  if (status == 401 || status == 403)
    return "check the api-key credential (a Resend key starts with re_)";
  return NULL;
}

static gboolean
resend_send (gpointer instance, TocsinMailMessage *message, TocsinResult *result, GError **error)
{
  Resend *self = instance;
  g_autofree char *document = build_document (message);
  g_autoptr (TocsinHttpRequest) request = tocsin_http_request_new ("POST", self->url);
  const char *id = tocsin_mail_message_get_message_id (message);

  tocsin_http_request_set_body (request, "application/json", document, -1);
  tocsin_http_request_add_header (request, "Authorization", self->authorization);
  if (id != NULL)
    tocsin_http_request_add_header (request, "Idempotency-Key", id);
  return priv_tocsin_mail_api_send (self->client, request, "resend", "id", message_paths, explain,
                                    result, error);
}

static void
resend_destroy (gpointer instance)
{
  Resend *self = instance;

  g_clear_pointer (&self->client, tocsin_http_client_free);
  g_free (self->url);
  g_free (self->authorization);
  g_free (self);
}

static gpointer
resend_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  const char *key = tocsin_config_node_get_string (config, "api-key");
  g_autofree char *url = NULL;
  Resend *self;

  if (key == NULL || *key == '\0' || strpbrk (key, " \t\r\n") != NULL)
    {
      tocsin_config_node_set_error (tocsin_config_node_get_child (config, "api-key"), error,
                                    TOCSIN_ERROR_INVALID_VALUE,
                                    "resend: <api-key> is empty or contains white space");
      return NULL;
    }
  if ((url = priv_tocsin_mail_api_dup_url (config, "resend", "emails", error)) == NULL)
    return NULL;
  self = g_new0 (Resend, 1);
  self->client = tocsin_http_client_new (ctx, config, error);
  if (self->client == NULL)
    {
      resend_destroy (self);
      return NULL;
    }
  self->url = g_steal_pointer (&url);
  self->authorization = g_strconcat ("Bearer ", key, NULL);
  tocsin_plugin_context_log (ctx, G_LOG_LEVEL_DEBUG, "resend: POST %s", self->url);
  return self;
}

static const TocsinTransportClass resend_class = {
  .struct_size = sizeof (TocsinTransportClass),
  .flags = TOCSIN_TRANSPORT_CLASS_THREAD_SAFE,
  .type_name = "resend",
  .description = "sends mail through Resend's HTTP API",
  .settings = resend_settings,
  .create = resend_create,
  .send = resend_send,
  .destroy = resend_destroy,
};

static const TocsinTransportClass *const resend_classes[] = { &resend_class, NULL };

TOCSIN_PLUGIN_DEFINE ("resend", "1.0.0", "LGPL-2.1-or-later", "Resend mail transport (HTTP API)",
                      NULL, resend_classes)
