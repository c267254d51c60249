/* webhook.c: the "webhook" channel, one JSON document per alert sent to any http(s) URL.
 *
 *   POST /alerts HTTP/1.1
 *   Content-Type: application/json; charset=utf-8
 *   Idempotency-Key: 0b0c3f3e-6f4e-4c1e-9a0e-3f1d2b8e7a51
 *   Authorization: Bearer ...                       (headers from the config)
 *
 *   {"title":"Disk almost full","body":"/var is at 91%","level":20,"level_name":"warning",
 *    "timestamp":"2026-11-26T16:48:54.000123+01:00","channel":"hook","labels":{"host":"db1"},
 *    "id":"0b0c3f3e-6f4e-4c1e-9a0e-3f1d2b8e7a51"}
 *
 * The Idempotency-Key is the alert's id, the same on every retry and on every send of the same
 * alert, so a receiver can drop the duplicates a retry after a lost response creates.
 *
 * Everything is fixed at create time (URL, method, header list), so send only reads the
 * instance and the class is thread-safe; the core's HTTP client keeps one kept-alive connection
 * per worker.
 *
 * Secrets: header values from credentials are never logged, nor is the URL's path or query,
 * which often holds a token even when the URL is written in the config: the core masks
 * credential values in every log line and result, its HTTP client shows only scheme://host:port
 * of a URL, and the path, query and token-like last segment of the URL are registered as
 * secrets too, since a receiver's error page may quote only a part.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <tocsin/tocsin-plugin.h>

#include <json-glib/json-glib.h>

#include "json-text.h"
#include "time-text.h"

#include <string.h>

/* A message id longer than this is not an id a receiver meant for people to quote. */
#define MESSAGE_ID_MAX 256

/* The shortest path (with its query) of a URL that is masked as a secret: see
 * register_url_parts(). */
#define MIN_SECRET_PATH 8
/* The shortest last path segment masked on its own: tokens are long (Slack's 24 characters,
 * Discord's 68), words are not. */
#define MIN_SECRET_SEGMENT 16

typedef struct {
  const char *name;  /* (not owned) the header's name= attribute */
  const char *value; /* (not owned) its text, possibly from a credential */
} Header;

typedef struct {
  const TocsinPluginContext *ctx;
  TocsinHttpClient *client;
  const char *url;    /* (not owned) the <url> node's text: it lives until destroy */
  const char *method; /* "POST" or "PUT", static */
  GArray *headers;    /* (element-type Header) extra headers from the config, in file order */
} Webhook;

static const char *const method_choices[] = { "POST", "PUT", NULL };
static const char *const header_attributes[] = { "name", NULL };

static const TocsinSettingSpec webhook_settings[] = {
  { "url", TOCSIN_SETTING_STRING, TOCSIN_SETTING_REQUIRED, NULL,
    "the http:// or https:// URL to send each alert to; may come from a credential",
    NULL, NULL, { NULL } },
  { "method", TOCSIN_SETTING_CHOICE, 0, "POST", "the HTTP method: POST or PUT",
    method_choices, NULL, { NULL } },
  { "header", TOCSIN_SETTING_STRING, TOCSIN_SETTING_REPEATABLE, NULL,
    "an extra request header <header name=\"NAME\">value</header>; the value may come from a "
    "credential", NULL, header_attributes, { NULL } },
  TOCSIN_HTTP_SETTINGS,
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

/* Headers the channel sets itself, or that decide how the request is framed: a second value
 * from the config would contradict ours. */
static const char *const owned_headers[] = {
  "Content-Type", "Content-Length", "Idempotency-Key", "Host", "Transfer-Encoding", NULL
};

/* Parts of header names that mark a credential: Authorization, X-Api-Key, X-Auth-Token... */
static const char *const sensitive_name_parts[] = {
  "auth", "token", "key", "secret", "signature", "password", "cookie", NULL
};

/* ---- settings ------------------------------------------------------------------------------ */

/* RFC 9110 token: the characters a header name may use. */
static gboolean
is_token (const char *text)
{
  if (text == NULL || *text == '\0')
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr ("!#$%&'*+-.^_`|~", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* A field value may hold visible characters, spaces, tabs and non-ASCII bytes, but no control
 * character: a CR or LF would end the header and let the value inject headers of its own. */
static gboolean
is_field_value (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p; p++)
    if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
      return FALSE;
  return TRUE;
}

static gboolean
is_owned_header (const char *name)
{
  for (guint i = 0; owned_headers[i] != NULL; i++)
    if (g_ascii_strcasecmp (name, owned_headers[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_sensitive_name (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  for (guint i = 0; sensitive_name_parts[i] != NULL; i++)
    if (strstr (lower, sensitive_name_parts[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* A credential written into the config leaks through backups and version control; it still
 * works, so this warns (as the core does for secret settings) and keeps the value out of logs. */
static void
warn_literal_secret (const TocsinPluginContext *ctx, const TocsinConfigNode *node,
                     const char *name, const char *value)
{
  tocsin_redact_register_secret (value);
  tocsin_plugin_context_log (ctx, G_LOG_LEVEL_WARNING,
                             "%s:%u: webhook: <header name=\"%s\"> looks like a credential "
                             "written as literal text; define it in <credentials> and name it "
                             "with credential=\"...\" on the <header> instead",
                             tocsin_config_node_get_file (node) ? tocsin_config_node_get_file (node)
                                                                 : "<config>",
                             tocsin_config_node_get_line (node), name);
}

/* An error about @url's text: quotes it unless it is a secret. */
static void
set_url_error (const TocsinConfigNode *node, const char *url, GError **error, const char *why)
{
  if (tocsin_config_node_is_secret (node))
    tocsin_config_node_set_error (node, error, TOCSIN_ERROR_INVALID_VALUE,
                                  "webhook: <url> (from a credential, not shown) %s", why);
  else
    tocsin_config_node_set_error (node, error, TOCSIN_ERROR_INVALID_VALUE,
                                  "webhook: <url> '%s' %s", url, why);
}

/* A webhook URL's token may be in its user information, path or query (Discord's
 * https://host/api/webhooks/ID/TOKEN), whether the URL comes from a credential or is written in
 * the config; an error message or a receiver's error page may quote one part alone, which the
 * whole URL's registration (the core's, for a credential) cannot catch. Short parts are left
 * alone: "/alerts" holds no token, and masking it would garble every log line that says it. */
static void
register_url_parts (GUri *uri)
{
  const char *path = g_uri_get_path (uri);
  const char *query = g_uri_get_query (uri);
  const char *last = strrchr (path, '/');
  g_autofree char *path_and_query = g_strconcat (path, query ? "?" : "", query ? query : "",
                                                 NULL);

  tocsin_redact_register_secret (g_uri_get_userinfo (uri));
  if (strlen (path_and_query) >= MIN_SECRET_PATH)
    tocsin_redact_register_secret (path_and_query);
  if (query != NULL && strlen (query) >= MIN_SECRET_PATH)
    tocsin_redact_register_secret (query);
  if (last != NULL && strlen (last + 1) >= MIN_SECRET_SEGMENT)
    tocsin_redact_register_secret (last + 1);
}

/* Checks that <url> is an absolute http(s) URL that parses. Returns its text, or NULL. */
static const char *
check_url (const TocsinConfigNode *config, GError **error)
{
  const TocsinConfigNode *node = tocsin_config_node_get_child (config, "url");
  const char *url = node ? tocsin_config_node_get_text (node) : NULL;
  g_autoptr (GUri) uri = NULL;
  const char *scheme;

  if (url == NULL || *url == '\0')
    {
      tocsin_config_node_set_error (node ? node : config, error, TOCSIN_ERROR_MISSING_SETTING,
                                    "webhook: <url> is empty; give the http:// or https:// URL "
                                    "to send alerts to");
      return NULL;
    }
  for (const guchar *p = (const guchar *) url; *p; p++)
    if (g_ascii_isspace (*p) || *p < 0x20 || *p == 0x7f)
      {
        set_url_error (node, url, error, "contains white space or a control character; "
                       "percent-encode it (%20 for a space)");
        return NULL;
      }
  /* No GError of GLib's is quoted: it may repeat a piece of a secret URL. */
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    {
      set_url_error (node, url, error, "is not a valid URL; write it as https://host/path");
      return NULL;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_autofree char *why = g_strdup_printf ("uses the scheme '%s'; the webhook channel sends "
                                              "only to http:// and https:// URLs", scheme);
      set_url_error (node, url, error, why);
      return NULL;
    }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      set_url_error (node, url, error, "has no host; write it as https://host/path");
      return NULL;
    }
  register_url_parts (uri);
  return url;
}

/* The core masks a credential's whole value; a receiver that rejects it often echoes only the
 * token after the scheme ("Bearer <token>"), so that part is masked as well. */
static void
register_value_parts (const char *value)
{
  const char *space = strpbrk (value, " \t");

  if (space == NULL)
    return;
  while (*space == ' ' || *space == '\t')
    space++;
  tocsin_redact_register_secret (space);
}

static gboolean
check_header (const TocsinPluginContext *ctx, const TocsinConfigNode *node, Header *header,
              GError **error)
{
  const char *name = tocsin_config_node_get_attribute (node, "name");
  const char *value = tocsin_config_node_get_text (node);

  if (name == NULL || *name == '\0')
    {
      tocsin_config_node_set_error (node, error, TOCSIN_ERROR_CONFIG_INVALID,
                                    "webhook: <header> needs a name=\"...\" attribute, e.g. "
                                    "<header name=\"Authorization\" credential=\"hook_token\"/>");
      return FALSE;
    }
  if (!is_token (name))
    {
      tocsin_config_node_set_error (node, error, TOCSIN_ERROR_INVALID_VALUE,
                                    "webhook: <header name=\"%s\">: not a valid HTTP header name "
                                    "(letters, digits and !#$%%&'*+-.^_`|~ only, no spaces or "
                                    "colons)", name);
      return FALSE;
    }
  if (is_owned_header (name))
    {
      tocsin_config_node_set_error (node, error, TOCSIN_ERROR_INVALID_VALUE,
                                    "webhook: <header name=\"%s\">: the channel sets this header "
                                    "itself; remove it from the config", name);
      return FALSE;
    }
  if (value == NULL || *value == '\0')
    {
      tocsin_config_node_set_error (node, error, TOCSIN_ERROR_INVALID_VALUE,
                                    "webhook: <header name=\"%s\"> has no value; give it text "
                                    "or a credential=\"...\" attribute", name);
      return FALSE;
    }
  /* The value itself is never quoted: it is often a token even when written literally. */
  if (!is_field_value (value))
    {
      tocsin_config_node_set_error (node, error, TOCSIN_ERROR_INVALID_VALUE,
                                    "webhook: <header name=\"%s\">: the value (%s) contains a "
                                    "line break or another control character, which HTTP does "
                                    "not allow in a header", name,
                                    tocsin_config_node_is_secret (node)
                                      ? "from a credential, not shown" : "not shown");
      return FALSE;
    }
  if (tocsin_config_node_is_secret (node))
    register_value_parts (value);
  else if (is_sensitive_name (name))
    warn_literal_secret (ctx, node, name, value);
  header->name = name;
  header->value = value;
  return TRUE;
}

/* (transfer full) The <header> settings, in file order, or NULL with @error. */
static GArray *
load_headers (const TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  g_autoptr (GArray) headers = g_array_new (FALSE, FALSE, sizeof (Header));

  for (guint i = 0; i < tocsin_config_node_get_n_children (config); i++)
    {
      const TocsinConfigNode *child = tocsin_config_node_get_child_at (config, i);
      Header header;

      if (g_strcmp0 (tocsin_config_node_get_name (child), "header") != 0)
        continue;
      if (!check_header (ctx, child, &header, error))
        return NULL;
      g_array_append_val (headers, header);
    }
  return g_steal_pointer (&headers);
}

/* ---- the document -------------------------------------------------------------------------- */

/* Every document has the same members in the same order, so each worker thread keeps one tree
 * and only replaces the values: building and freeing a tree of ten nodes per alert (a hash table
 * insert and several allocations per member) cost more CPU than the HTTP exchange's own
 * bookkeeping in the webhook benchmark. A thread runs one send at a time, so the tree is never
 * shared; it serves every webhook channel whose sends that thread runs. */
typedef struct {
  JsonNode *root;
  JsonNode *title, *body, *level, *level_name, *timestamp, *channel, *labels, *id;
} Document;

static JsonNode *
add_member (JsonObject *object, const char *name, JsonNodeType type)
{
  JsonNode *node = json_node_new (type);

  if (type == JSON_NODE_OBJECT)
    json_node_take_object (node, json_object_new ());
  json_object_set_member (object, name, node);
  return node;
}

static void
document_free (gpointer data)
{
  Document *document = data;

  json_node_unref (document->root);
  g_free (document);
}

static GPrivate thread_document = G_PRIVATE_INIT (document_free);

/* (transfer none) This thread's document tree, made on first use. */
static Document *
get_document (void)
{
  Document *document = g_private_get (&thread_document);
  JsonObject *object;

  if (document != NULL)
    return document;
  document = g_new0 (Document, 1);
  object = json_object_new ();
  document->root = json_node_init_object (json_node_alloc (), object);
  document->title = add_member (object, "title", JSON_NODE_VALUE);
  document->body = add_member (object, "body", JSON_NODE_VALUE);
  document->level = add_member (object, "level", JSON_NODE_VALUE);
  document->level_name = add_member (object, "level_name", JSON_NODE_VALUE);
  document->timestamp = add_member (object, "timestamp", JSON_NODE_VALUE);
  document->channel = add_member (object, "channel", JSON_NODE_VALUE);
  document->labels = add_member (object, "labels", JSON_NODE_OBJECT);
  document->id = add_member (object, "id", JSON_NODE_VALUE);
  json_object_unref (object);
  g_private_set (&thread_document, document);
  return document;
}

static void
add_label (const char *key, const char *value, gpointer user_data)
{
  json_object_set_string_member (user_data, key, value);
}

/* (transfer full) The JSON document for @alert. */
static char *
build_document (Webhook *self, TocsinAlert *alert)
{
  Document *document = get_document ();
  TocsinLevel level = tocsin_alert_get_level (alert);
  g_autofree char *title = tocsin_alert_dup_formatted_title (alert);
  char stamp[PRIV_TOCSIN_RFC3339_SIZE];
  JsonObject *labels = json_object_new ();
  char *text;

  json_node_set_string (document->title, title);
  json_node_set_string (document->body, tocsin_alert_get_body (alert));
  json_node_set_int (document->level, level);
  json_node_set_string (document->level_name, tocsin_level_to_string (level));
  json_node_set_string (document->timestamp, priv_tocsin_format_rfc3339 (tocsin_alert_get_time (alert), stamp));
  json_node_set_string (document->channel, tocsin_plugin_context_get_channel_key (self->ctx));
  tocsin_alert_foreach_label (alert, add_label, labels);
  json_node_take_object (document->labels, labels);
  json_node_set_string (document->id, tocsin_alert_get_id (alert));
  text = priv_tocsin_json_to_text (document->root);
  /* A large title or body is not kept until the thread's next send. */
  json_node_set_string (document->title, "");
  json_node_set_string (document->body, "");
  return text;
}

/* (transfer full) The alert id as a header value. A generated id (a UUID) goes as it is; an id
 * set by the application with characters a header cannot carry is percent-encoded, so every
 * send of the alert still carries the same key. */
static char *
dup_idempotency_key (TocsinAlert *alert)
{
  const char *id = tocsin_alert_get_id (alert);

  for (const guchar *p = (const guchar *) id; *p; p++)
    if (*p <= 0x20 || *p >= 0x7f || *p == '%')
      return g_uri_escape_string (id, NULL, FALSE);
  return g_strdup (id);
}

/* ---- the response -------------------------------------------------------------------------- */

static gboolean
is_printable_id (const char *id)
{
  return id != NULL && *id != '\0' && strlen (id) <= MESSAGE_ID_MAX && g_utf8_validate (id, -1, NULL)
         && is_field_value (id) && strchr (id, '\t') == NULL;
}

/* (transfer full) (nullable) The "id" member of a JSON object body, as text. */
static char *
dup_body_id (const TocsinHttpResponse *response)
{
  gsize length = 0;
  const char *body = tocsin_http_response_get_body (response, &length);
  g_autoptr (JsonParser) parser = NULL;
  JsonNode *root, *id;

  if (length == 0 || memchr (body, '{', length) == NULL)
    return NULL;
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, body, (gssize) length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  id = json_object_get_member (json_node_get_object (root), "id");
  if (id == NULL || !JSON_NODE_HOLDS_VALUE (id))
    return NULL;
  if (json_node_get_value_type (id) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (id));
  if (json_node_get_value_type (id) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (id));
  return NULL;
}

/* The receiver's id for the message: the "id" of a JSON body, else the Location header. */
static void
set_message_id (TocsinResult *result, const TocsinHttpResponse *response)
{
  g_autofree char *id = dup_body_id (response);

  if (!is_printable_id (id))
    {
      g_free (id);
      id = g_strdup (tocsin_http_response_get_header (response, "Location"));
    }
  if (is_printable_id (id))
    tocsin_result_set_message_id (result, id);
}

/* ---- the class ----------------------------------------------------------------------------- */

static gboolean
webhook_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  Webhook *self = instance;
  g_autofree char *document = build_document (self, alert);
  g_autofree char *key = dup_idempotency_key (alert);
  g_autoptr (TocsinHttpRequest) request = tocsin_http_request_new (self->method, self->url);
  g_autoptr (TocsinHttpResponse) response = NULL;

  tocsin_http_request_set_body (request, "application/json; charset=utf-8", document, -1);
  tocsin_http_request_add_header (request, "Idempotency-Key", key);
  for (guint i = 0; i < self->headers->len; i++)
    {
      const Header *header = &g_array_index (self->headers, Header, i);
      tocsin_http_request_add_header (request, header->name, header->value);
    }
  if (!tocsin_http_client_send (self->client, request, result, &response, error))
    {
      g_prefix_error (error, "webhook: ");
      return FALSE;
    }
  if (result != NULL)
    set_message_id (result, response);
  return TRUE;
}

static void
webhook_destroy (gpointer instance)
{
  Webhook *self = instance;

  tocsin_http_client_free (self->client);
  g_array_unref (self->headers);
  g_free (self);
}

/* The header names (never the values) for the debug line, e.g. " and headers Authorization, X-Env". */
static char *
dup_header_names (GArray *headers)
{
  g_autoptr (GString) names = g_string_new (NULL);

  for (guint i = 0; i < headers->len; i++)
    g_string_append_printf (names, "%s%s", i ? ", " : " and headers ",
                            g_array_index (headers, Header, i).name);
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static gpointer
webhook_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  const char *url = check_url (config, error);
  const char *method;
  g_autoptr (GArray) headers = NULL;
  g_autofree char *names = NULL;
  TocsinHttpClient *client;
  Webhook *self;

  if (url == NULL)
    return NULL;
  headers = load_headers (ctx, config, error);
  if (headers == NULL)
    return NULL;
  client = tocsin_http_client_new (ctx, config, error);
  if (client == NULL)
    return NULL;
  /* The core accepted only a declared choice; map it onto a static string. */
  method = g_strcmp0 (tocsin_config_node_get_string (config, "method"), "PUT") == 0 ? "PUT" : "POST";

  self = g_new0 (Webhook, 1);
  self->ctx = ctx;
  self->client = client;
  self->url = url;
  self->method = method;
  self->headers = g_steal_pointer (&headers);
  names = dup_header_names (self->headers);
  /* The URL goes through the log's redaction, which masks it whole when it is a credential. */
  tocsin_plugin_context_log (ctx, G_LOG_LEVEL_DEBUG, "webhook: %s to %s%s", method, url, names);
  return self;
}

static const TocsinChannelClass webhook_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .flags = TOCSIN_CHANNEL_CLASS_THREAD_SAFE,
  .type_name = "webhook",
  .description = "sends each alert as a JSON document to an http(s) URL (POST or PUT)",
  .settings = webhook_settings,
  .create = webhook_create,
  .send = webhook_send,
  .destroy = webhook_destroy,
};

static const TocsinChannelClass *const webhook_classes[] = { &webhook_class, NULL };

TOCSIN_PLUGIN_DEFINE ("webhook", "1.0.0", "LGPL-2.1-or-later",
                      "sends alerts as JSON to any HTTP(S) endpoint", webhook_classes, NULL)
