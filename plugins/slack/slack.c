/* slack.c: the "slack" channel, posting each alert to a Slack incoming webhook.
 *
 *   <channel key="ops" type="slack" min-level="warning" workers="2">
 *     <webhook-url credential="ops_hook"/>
 *     <username>tocsin</username>
 *     <icon-emoji>:bell:</icon-emoji>
 *     <endpoint-pattern>^https://chat\.example\.org/hooks/</endpoint-pattern>
 *   </channel>
 *
 * The payload is the original's (see slack-payload.c). The webhook URL is a secret (whoever has
 * it may post to the channel), so it is registered for redaction and never quoted in a message:
 * errors name at most its scheme and host. The URL must look like a Slack webhook unless the
 * channel gives an endpoint-pattern, for GovSlack, Slack-compatible servers (Mattermost,
 * Rocket.Chat) and tests.
 *
 * Delivery goes through the core's HTTP client, which maps the outcome (2xx delivered; 429, 5xx
 * and transport errors retryable, with Retry-After; other 4xx permanent) and keeps one
 * connection alive per worker. Slack answers "ok" and gives no message id.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <tocsin/tocsin-plugin.h>

#include "slack-payload.h"

#include <string.h>

#define SLACK_URL_PATTERN \
  "^https://hooks\\.slack\\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+$"
#define SLACK_URL_SHAPE "https://hooks.slack.com/services/T.../B.../TOKEN"

/* Paths and path segments shorter than this are words ("/hooks", "services"), not secrets;
 * masking them would blank ordinary text in every log line. */
#define MIN_SECRET_SEGMENT 8

typedef struct {
  const TocsinPluginContext *ctx;
  char *url;        /* (owned) a secret */
  char *username;   /* (owned) */
  char *icon_emoji; /* (owned) */
  TocsinHttpClient *http;
} SlackChannel;

static const TocsinSettingSpec slack_settings[] = {
  { "webhook-url", TOCSIN_SETTING_STRING, TOCSIN_SETTING_REQUIRED | TOCSIN_SETTING_SECRET, NULL,
    "the incoming webhook URL; give it through a credential", NULL, NULL, { NULL } },
  { "username", TOCSIN_SETTING_STRING, 0, "tocsin", "the name the messages are posted under",
    NULL, NULL, { NULL } },
  { "icon-emoji", TOCSIN_SETTING_STRING, 0, ":bell:", "the emoji shown as the poster's icon",
    NULL, NULL, { NULL } },
  { "endpoint-pattern", TOCSIN_SETTING_STRING, 0, NULL,
    "a regular expression the webhook URL must match instead of Slack's own URL shape "
    "(GovSlack, Mattermost and other Slack-compatible servers)", NULL, NULL, { NULL } },
  TOCSIN_HTTP_SETTINGS,
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

/* ---- the webhook URL ------------------------------------------------------------------- */

/* (transfer full) "scheme://host[:port]" of @url, the most of it a message may show, or NULL
 * when it does not parse. The parser's own error is dropped: it quotes the URL. */
static char *
dup_origin (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return NULL;
  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s://%s:%d", g_uri_get_scheme (uri), g_uri_get_host (uri),
                            g_uri_get_port (uri));
  return g_strdup_printf ("%s://%s", g_uri_get_scheme (uri), g_uri_get_host (uri));
}

/* Masks the URL, its path (which carries the secret) and its last path segment (the token a
 * server's error page may echo) in every message from now on, whatever the server. */
static void
register_url_secrets (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  const char *path;
  const char *last;

  tocsin_redact_register_secret (url);
  if (uri == NULL)
    return;
  path = g_uri_get_path (uri);
  if (path != NULL && strlen (path) >= MIN_SECRET_SEGMENT)
    tocsin_redact_register_secret (path);
  if (g_uri_get_query (uri) != NULL)
    tocsin_redact_register_secret (g_uri_get_query (uri));
  last = path ? strrchr (path, '/') : NULL;
  if (last != NULL && strlen (last + 1) >= MIN_SECRET_SEGMENT)
    tocsin_redact_register_secret (last + 1);
}

/* Why @url is not a Slack webhook URL, without quoting it (it is a secret). */
static const char *
explain_not_slack (const char *url)
{
  const char *rest;

  if (!g_str_has_prefix (url, "https://"))
    return "it must start with https://";
  rest = url + strlen ("https://");
  if (!g_str_has_prefix (rest, "hooks.slack.com/"))
    return "its host must be hooks.slack.com (for GovSlack, Mattermost or another "
           "Slack-compatible server, set <endpoint-pattern> to a regular expression the URL "
           "must match)";
  rest += strlen ("hooks.slack.com/");
  if (!g_str_has_prefix (rest, "services/"))
    return "its path must start with /services/";
  return "its path must be /services/T.../B.../TOKEN with upper-case team (T...) and bot (B...) "
         "ids and a letters-and-digits token, as Slack shows it";
}

static gboolean
check_slack_url (const TocsinConfigNode *where, const char *url, GError **error)
{
  if (g_regex_match_simple (SLACK_URL_PATTERN, url, G_REGEX_DOLLAR_ENDONLY, 0))
    return TRUE;
  tocsin_config_node_set_error (where, error, TOCSIN_ERROR_INVALID_VALUE,
                                "slack: setting <webhook-url> (a secret, not shown) is not a "
                                "Slack webhook URL (" SLACK_URL_SHAPE "): %s; copy the URL "
                                "from the webhook's page in Slack", explain_not_slack (url));
  return FALSE;
}

static gboolean
check_custom_url (const TocsinConfigNode *where, const TocsinConfigNode *pattern_node,
                  const char *url, GError **error)
{
  const char *pattern = tocsin_config_node_get_text (pattern_node);
  g_autoptr (GError) regex_error = NULL;
  g_autoptr (GRegex) regex = NULL;
  g_autofree char *origin = NULL;

  if (pattern == NULL || *pattern == '\0')
    {
      tocsin_config_node_set_error (pattern_node, error, TOCSIN_ERROR_INVALID_VALUE,
                                    "slack: setting <endpoint-pattern> is empty; give a regular "
                                    "expression the webhook URL must match, or remove it to "
                                    "accept Slack's own URLs only");
      return FALSE;
    }
  regex = g_regex_new (pattern, 0, 0, &regex_error);
  if (regex == NULL)
    {
      tocsin_config_node_set_error (pattern_node, error, TOCSIN_ERROR_INVALID_VALUE,
                                    "slack: setting <endpoint-pattern> is not a valid regular "
                                    "expression: %s", regex_error->message);
      return FALSE;
    }
  if (g_regex_match (regex, url, 0, NULL))
    return TRUE;
  origin = dup_origin (url);
  tocsin_config_node_set_error (where, error, TOCSIN_ERROR_INVALID_VALUE,
                                "slack: setting <webhook-url> (a secret, not shown%s%s) does not "
                                "match <endpoint-pattern> (line %u)",
                                origin ? "; it points to " : "", origin ? origin : "",
                                tocsin_config_node_get_line (pattern_node));
  return FALSE;
}

/* Only http(s) makes sense, and a URL with spaces or control characters is a pasting accident
 * that an endpoint-pattern such as "^https://host/" would let through. */
static gboolean
check_url_syntax (const TocsinConfigNode *where, const char *url, GError **error)
{
  g_autofree char *origin = dup_origin (url);

  for (const char *p = url; *p; p++)
    if ((guchar) *p <= ' ' || *p == 0x7f)
      {
        tocsin_config_node_set_error (where, error, TOCSIN_ERROR_INVALID_VALUE,
                                      "slack: setting <webhook-url> (a secret, not shown) "
                                      "contains white space or control characters; check how "
                                      "it was copied");
        return FALSE;
      }
  if (origin == NULL || !(g_str_has_prefix (url, "https://") || g_str_has_prefix (url, "http://")))
    {
      tocsin_config_node_set_error (where, error, TOCSIN_ERROR_INVALID_VALUE,
                                    "slack: setting <webhook-url> (a secret, not shown) is not "
                                    "an http:// or https:// URL");
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_loopback_host (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  const char *host = uri ? g_uri_get_host (uri) : NULL;

  return host != NULL && (g_str_equal (host, "localhost") || g_str_has_prefix (host, "127.")
                          || g_str_equal (host, "::1"));
}

/* Returns the URL (transfer none) once it is known good, else NULL with @error citing its line. */
static const char *
read_url (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  const TocsinConfigNode *url_node = tocsin_config_node_get_child (config, "webhook-url");
  const TocsinConfigNode *pattern_node = tocsin_config_node_get_child (config, "endpoint-pattern");
  const TocsinConfigNode *where = url_node ? url_node : config;
  const char *url = url_node ? tocsin_config_node_get_text (url_node) : NULL;

  if (url == NULL || *url == '\0')
    {
      tocsin_config_node_set_error (where, error, TOCSIN_ERROR_MISSING_SETTING,
                                    "slack: setting <webhook-url> is empty; give the incoming "
                                    "webhook URL through a credential");
      return NULL;
    }
  /* Before any check may fail: whatever is printed from now on, the URL is masked. */
  register_url_secrets (url);
  if (!check_url_syntax (where, url, error))
    return NULL;
  if (pattern_node == NULL ? !check_slack_url (where, url, error)
                           : !check_custom_url (where, pattern_node, url, error))
    return NULL;
  if (g_str_has_prefix (url, "http://") && !is_loopback_host (url))
    tocsin_plugin_context_log (ctx, G_LOG_LEVEL_WARNING,
                               "slack: <webhook-url> uses plain http://: the URL (a secret) and "
                               "every alert cross the network unencrypted; use https://");
  return url;
}

/* ---- the channel ----------------------------------------------------------------------- */

/* (transfer none) A text setting that has a default; an empty element is a mistake, not "none". */
static const char *
read_nonempty (const TocsinConfigNode *config, const char *name, GError **error)
{
  const char *value = tocsin_config_node_get_string (config, name);
  const TocsinConfigNode *node;

  if (value != NULL && *value != '\0')
    return value;
  node = tocsin_config_node_get_child (config, name);
  tocsin_config_node_set_error (node ? node : config, error, TOCSIN_ERROR_INVALID_VALUE,
                                "slack: setting <%s> is empty; remove it to use the default",
                                name);
  return NULL;
}

static void
slack_destroy (gpointer instance)
{
  SlackChannel *self = instance;

  tocsin_http_client_free (self->http);
  /* Overwritten so the secret does not linger in freed memory. */
  if (self->url != NULL)
    explicit_bzero (self->url, strlen (self->url));
  g_free (self->url);
  g_free (self->username);
  g_free (self->icon_emoji);
  g_free (self);
}

static gpointer
slack_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  const char *url, *username, *icon_emoji;
  g_autofree char *origin = NULL;
  SlackChannel *self;

  if ((url = read_url (ctx, config, error)) == NULL
      || (username = read_nonempty (config, "username", error)) == NULL
      || (icon_emoji = read_nonempty (config, "icon-emoji", error)) == NULL)
    return NULL;

  self = g_new0 (SlackChannel, 1);
  self->ctx = ctx;
  self->url = g_strdup (url);
  self->username = g_strdup (username);
  self->icon_emoji = g_strdup (icon_emoji);
  self->http = tocsin_http_client_new (ctx, config, error);
  if (self->http == NULL)
    {
      slack_destroy (self);
      return NULL;
    }
  origin = dup_origin (url);
  tocsin_plugin_context_log (ctx, G_LOG_LEVEL_DEBUG, "slack: posting to %s as '%s'", origin,
                             username);
  return self;
}

static gboolean
slack_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  SlackChannel *self = instance;
  g_autofree char *payload = priv_tocsin_slack_payload_new (self->username, self->icon_emoji,
                                                            alert);
  g_autoptr (TocsinHttpRequest) request = tocsin_http_request_new ("POST", self->url);

  tocsin_http_request_set_body (request, "application/json", payload, -1);
  if (tocsin_http_client_send (self->http, request, result, NULL, error))
    return TRUE;
  g_prefix_error (error, "slack: ");
  return FALSE;
}

static const TocsinChannelClass slack_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .flags = TOCSIN_CHANNEL_CLASS_THREAD_SAFE,
  .type_name = "slack",
  .description = "posts each alert to a Slack incoming webhook (or a Slack-compatible server) "
                 "as a coloured attachment",
  .settings = slack_settings,
  .create = slack_create,
  .send = slack_send,
  .destroy = slack_destroy,
};

static const TocsinChannelClass *const slack_classes[] = { &slack_class, NULL };

TOCSIN_PLUGIN_DEFINE ("slack", "1.0.0", "LGPL-2.1-or-later",
                      "Slack incoming webhooks (and Slack-compatible servers)", slack_classes, NULL)
