/* ses.c: the "ses" mail transport: Amazon SES v2 SendEmail with the raw MIME message, signed
 * with AWS Signature Version 4 (sigv4.c, GLib's HMAC and checksums).
 *
 *   <transport type="ses">
 *     <region>eu-west-3</region>                              (default eu-west-3)
 *     <access-key-id credential="aws_key_id"/>                (with the secret, or neither:
 *     <secret-access-key credential="aws_secret"/>             then AWS_ACCESS_KEY_ID,
 *     <session-token credential="aws_token"/>                  AWS_SECRET_ACCESS_KEY and
 *     <endpoint>https://email.eu-west-3.amazonaws.com</endpoint>  AWS_SESSION_TOKEN are read)
 *   </transport>
 *
 *   POST /v2/email/outbound-emails
 *   Authorization: AWS4-HMAC-SHA256 Credential=AKIA.../20261126/eu-west-3/ses/aws4_request, ...
 *   {"FromEmailAddress":"...","Destination":{"ToAddresses":[...]},
 *    "Content":{"Raw":{"Data":"<base64 of the RFC 5322 message>"}}}
 *
 * The answer's "MessageId" is the message id.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin-plugin.h>

#include <json-glib/json-glib.h>
#include <string.h>

#include "json-text.h"
#include "mail-api.h"
#include "sigv4.h"

#define SEND_PATH "/v2/email/outbound-emails"

static const TocsinSettingSpec ses_settings[] = {
  { "region", TOCSIN_SETTING_STRING, 0, "eu-west-3", "the AWS region of the SES endpoint",
    NULL, NULL, { NULL } },
  { "access-key-id", TOCSIN_SETTING_STRING, TOCSIN_SETTING_SECRET, NULL,
    "the AWS access key id (default: AWS_ACCESS_KEY_ID)", NULL, NULL, { NULL } },
  { "secret-access-key", TOCSIN_SETTING_STRING, TOCSIN_SETTING_SECRET, NULL,
    "the AWS secret access key (default: AWS_SECRET_ACCESS_KEY)", NULL, NULL, { NULL } },
  { "session-token", TOCSIN_SETTING_STRING, TOCSIN_SETTING_SECRET, NULL,
    "a temporary session token (default: AWS_SESSION_TOKEN with environment credentials)",
    NULL, NULL, { NULL } },
  { "endpoint", TOCSIN_SETTING_STRING, 0, NULL,
    "the API's address (default: https://email.<region>.amazonaws.com)", NULL, NULL, { NULL } },
  TOCSIN_HTTP_SETTINGS,
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

/* SES's error answers: {"message":"..."} with the type in x-amzn-ErrorType. */
static const char *const message_paths[] = { "message", "Message", NULL };

typedef struct {
  TocsinHttpClient *client;
  char *url;
  char *host;   /* the Host header libcurl sends for url: host, or host:port ([::1]:port) */
  char *region;
  char *key_id;
  char *secret;
  char *token;  /* (nullable) */
} Ses;

/* ---- the request ---------------------------------------------------------------------------- */

static char *
build_document (TocsinMailMessage *message)
{
  GBytes *mime = tocsin_mail_message_get_mime (message);
  g_autofree char *data = g_base64_encode (g_bytes_get_data (mime, NULL), g_bytes_get_size (mime));
  const char *const *recipients = tocsin_mail_message_get_recipients (message);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "FromEmailAddress");
  json_builder_add_string_value (builder, tocsin_mail_message_get_from (message));
  json_builder_set_member_name (builder, "Destination");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ToAddresses");
  json_builder_begin_array (builder);
  for (guint i = 0; recipients[i] != NULL; i++)
    json_builder_add_string_value (builder, recipients[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "Content");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Raw");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Data");
  json_builder_add_string_value (builder, data);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return priv_tocsin_json_to_text (root);
}

/* Signs and sends @document; every header that is signed is sent with the same value. */
static gboolean
post_signed (Ses *self, const char *document, TocsinResult *result, GError **error)
{
  static const char content_type[] = "application/json";
  const PrivTocsinSigv4Pair headers[] = { { "content-type", content_type }, { "host", self->host } };
  PrivTocsinSigv4Request signing = {
    .method = "POST", .path = SEND_PATH, .headers = headers, .n_headers = G_N_ELEMENTS (headers),
    .payload = document, .payload_length = strlen (document), .region = self->region,
    .service = "ses", .access_key_id = self->key_id, .secret_access_key = self->secret,
    .session_token = self->token, .unix_time = g_get_real_time () / G_USEC_PER_SEC,
  };
  g_autoptr (PrivTocsinSigv4Result) signature = NULL;
  g_autoptr (TocsinHttpRequest) request = NULL;
  g_autoptr (GError) local = NULL;

  signature = priv_tocsin_sigv4_sign (&signing, &local);
  if (signature == NULL)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_DELIVERY, "ses: cannot sign the request: %s",
                   local->message);
      return FALSE;
    }
  request = tocsin_http_request_new ("POST", self->url);
  tocsin_http_request_set_body (request, content_type, document, -1);
  tocsin_http_request_add_header (request, "X-Amz-Date", signature->amz_date);
  if (self->token != NULL)
    tocsin_http_request_add_header (request, "X-Amz-Security-Token", self->token);
  tocsin_http_request_add_header (request, "Authorization", signature->authorization);
  return priv_tocsin_mail_api_send (self->client, request, "ses", "MessageId", message_paths,
                                    NULL, result, error);
}

static gboolean
ses_send (gpointer instance, TocsinMailMessage *message, TocsinResult *result, GError **error)
{
  g_autofree char *document = build_document (message);

  return post_signed (instance, document, result, error);
}

/* ---- creation --------------------------------------------------------------------------------- */

static void
ses_destroy (gpointer instance)
{
  Ses *self = instance;

  g_clear_pointer (&self->client, tocsin_http_client_free);
  g_free (self->url);
  g_free (self->host);
  g_free (self->region);
  g_free (self->key_id);
  if (self->secret != NULL)
    priv_tocsin_sigv4_wipe (self->secret, strlen (self->secret));
  g_free (self->secret);
  g_free (self->token);
  g_free (self);
}

/* The credentials from the settings (both or neither), else from the environment. Values from
 * the environment are registered as secrets: no credential element vouches for them. */
static gboolean
read_credentials (Ses *self, const TocsinConfigNode *config, GError **error)
{
  const char *id = tocsin_config_node_get_string (config, "access-key-id");
  const char *secret = tocsin_config_node_get_string (config, "secret-access-key");
  const char *token = tocsin_config_node_get_string (config, "session-token");

  if ((id == NULL) != (secret == NULL))
    {
      tocsin_config_node_set_error (config, error, TOCSIN_ERROR_MISSING_SETTING,
                                    "ses: give both <access-key-id> and <secret-access-key>, or "
                                    "neither (then AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                                    "are used)");
      return FALSE;
    }
  if (id == NULL)
    {
      id = g_getenv ("AWS_ACCESS_KEY_ID");
      secret = g_getenv ("AWS_SECRET_ACCESS_KEY");
      token = token ? token : g_getenv ("AWS_SESSION_TOKEN");
      if (id == NULL || *id == '\0' || secret == NULL || *secret == '\0')
        {
          tocsin_config_node_set_error (config, error, TOCSIN_ERROR_CREDENTIAL,
                                        "ses: no AWS credentials: set <access-key-id> and "
                                        "<secret-access-key> from credentials, or the "
                                        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment "
                                        "variables");
          return FALSE;
        }
      tocsin_redact_register_secret (secret);
      tocsin_redact_register_secret (token);
    }
  self->key_id = g_strdup (id);
  self->secret = g_strdup (secret);
  self->token = token && *token ? g_strdup (token) : NULL;
  return TRUE;
}

/* The URL's host and the Host header's for @host as GLib gives it: a name or IPv4 address as it
 * is; an IPv6 literal, which GLib gives without brackets ("::1", "fe80::1%eth0"), in brackets,
 * its zone written "%25eth0" in the URL (RFC 6874) and left out of the Host header, as libcurl
 * leaves it out of the header it sends (and signs, here, so the two must match). */
static void
bracket_host (const char *host, char **url_host, char **header_host)
{
  const char *zone = strchr (host, '%');
  int address_length = zone ? (int) (zone - host) : (int) strlen (host);

  if (strchr (host, ':') == NULL)
    {
      *url_host = g_strdup (host);
      *header_host = g_strdup (host);
      return;
    }
  *header_host = g_strdup_printf ("[%.*s]", address_length, host);
  *url_host = zone ? g_strdup_printf ("[%.*s%%25%s]", address_length, host, zone + 1)
                   : g_strdup (*header_host);
}

/* The endpoint URL and the Host header libcurl will send for it. */
static gboolean
read_endpoint (Ses *self, const TocsinConfigNode *config, GError **error)
{
  const char *endpoint = tocsin_config_node_get_string (config, "endpoint");
  g_autofree char *fallback = g_strdup_printf ("https://email.%s.amazonaws.com", self->region);
  g_autoptr (GUri) uri = g_uri_parse (endpoint ? endpoint : fallback, G_URI_FLAGS_ENCODED, NULL);
  const char *scheme = uri ? g_uri_get_scheme (uri) : NULL;
  g_autofree char *url_host = NULL;
  g_autofree char *header_host = NULL;
  g_autofree char *port_suffix = NULL;
  int port;

  if (uri == NULL || (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0)
      || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0'
      || (*g_uri_get_path (uri) != '\0' && strcmp (g_uri_get_path (uri), "/") != 0))
    {
      const TocsinConfigNode *node = tocsin_config_node_get_child (config, "endpoint");
      tocsin_config_node_set_error (node ? node : config, error, TOCSIN_ERROR_INVALID_VALUE,
                                    "ses: <endpoint> '%s' is not an http(s) URL without a path; "
                                    "write it as https://email.eu-west-3.amazonaws.com",
                                    endpoint ? endpoint : fallback);
      return FALSE;
    }
  port = g_uri_get_port (uri);
  port_suffix = port > 0 && port != (g_str_equal (scheme, "https") ? 443 : 80)
                  ? g_strdup_printf (":%d", port)
                  : g_strdup ("");
  bracket_host (g_uri_get_host (uri), &url_host, &header_host);
  self->host = g_strconcat (header_host, port_suffix, NULL);
  self->url = g_strdup_printf ("%s://%s%s%s", scheme, url_host, port_suffix, SEND_PATH);
  return TRUE;
}

static gboolean
is_region (const char *region)
{
  if (region == NULL || *region == '\0')
    return FALSE;
  for (const char *p = region; *p; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

static gpointer
ses_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  Ses *self = g_new0 (Ses, 1);

  self->region = g_strdup (tocsin_config_node_get_string (config, "region"));
  if (!is_region (self->region))
    {
      const TocsinConfigNode *node = tocsin_config_node_get_child (config, "region");
      tocsin_config_node_set_error (node ? node : config, error, TOCSIN_ERROR_INVALID_VALUE,
                                    "ses: <region> '%s' is not an AWS region name such as "
                                    "eu-west-3", self->region ? self->region : "");
      ses_destroy (self);
      return NULL;
    }
  if (!read_credentials (self, config, error) || !read_endpoint (self, config, error)
      || (self->client = tocsin_http_client_new (ctx, config, error)) == NULL)
    {
      ses_destroy (self);
      return NULL;
    }
  tocsin_plugin_context_log (ctx, G_LOG_LEVEL_DEBUG, "ses: POST %s (region %s)", self->url,
                             self->region);
  return self;
}

static const TocsinTransportClass ses_class = {
  .struct_size = sizeof (TocsinTransportClass),
  .flags = TOCSIN_TRANSPORT_CLASS_THREAD_SAFE,
  .type_name = "ses",
  .description = "sends mail through Amazon SES v2 (SendEmail, raw MIME, Signature Version 4)",
  .settings = ses_settings,
  .create = ses_create,
  .send = ses_send,
  .destroy = ses_destroy,
};

static const TocsinTransportClass *const ses_classes[] = { &ses_class, NULL };

TOCSIN_PLUGIN_DEFINE ("ses", "1.0.0", "LGPL-2.1-or-later", "Amazon SES mail transport",
                      NULL, ses_classes)
