/* ntfy.c: a third-party tocsin channel plugin, "ntfy", that publishes each alert to a topic of
 * an ntfy server (https://ntfy.sh or a self-hosted one; https://docs.ntfy.sh/publish/):
 *
 *   POST /alerts HTTP/1.1
 *   Host: ntfy.example.org
 *   Content-Type: text/plain; charset=utf-8
 *   Title: Disk almost full
 *   Priority: 4
 *   Tags: warning,db
 *   Authorization: Bearer tk_...              (only with a <token>)
 *
 *   /var is at 91%
 *
 * Priority follows the level (info 3, success 3, warning 4, critical 5); a tag per level shows as
 * an emoji in ntfy's apps. Header values that are not plain ASCII (a title with "é" or "✓") go as
 * RFC 2047 encoded-words, which ntfy decodes (since ntfy 2.4). The id ntfy gives the message
 * becomes the result's message id.
 *
 * It is built outside the tocsin tree, against the installed package only (CMakeLists.txt
 * beside this file), includes nothing but <tocsin/tocsin-plugin.h>, and uses the HTTP client the
 * core offers to plugins, so it links neither libcurl nor TLS itself.
 *
 * Everything is decided in create (URL, headers, tags) and send only reads the instance; the
 * core's HTTP client may be used by several threads at once. So the class is thread-safe and a
 * channel may run workers="N" deliveries in parallel.
 *
 * SPDX-License-Identifier: MIT
 */
#include <tocsin/tocsin-plugin.h>

#include <string.h>

/* CMakeLists.txt passes the project's version; a one-line cc build gets this one. */
#ifndef NTFY_VERSION
#define NTFY_VERSION "1.0.0"
#endif

/* ntfy's default message-size-limit: a longer body becomes an attachment or is refused. */
#define NTFY_BODY_MAX 4096
#define NTFY_TOPIC_MAX 64
#define NTFY_ID_MAX 64
#define ELLIPSIS "\xe2\x80\xa6" /* U+2026, marks a shortened body */

typedef struct {
  const TocsinPluginContext *ctx;
  TocsinHttpClient *client;
  char *url;           /* <server>/<topic> */
  char *authorization; /* (nullable) "Bearer <token>" */
  char *tags;          /* (nullable) the <tags> of the config, cleaned up: "a,b" */
  gboolean level_tags;
  gboolean label_tags;
  GRegex *id_regex;    /* finds "id":"..." in ntfy's JSON answer; GRegex is safe to share */
} Ntfy;

static const TocsinSettingSpec ntfy_settings[] = {
  { "server", TOCSIN_SETTING_STRING, 0, "https://ntfy.sh",
    "the ntfy server's base URL, http:// or https://", NULL, NULL, { NULL } },
  { "topic", TOCSIN_SETTING_STRING, TOCSIN_SETTING_REQUIRED, NULL,
    "the topic to publish to: 1 to 64 letters, digits, '-' or '_'; may come from a credential",
    NULL, NULL, { NULL } },
  { "token", TOCSIN_SETTING_STRING, TOCSIN_SETTING_SECRET, NULL,
    "an access token sent as 'Authorization: Bearer'; give it with credential=\"...\"",
    NULL, NULL, { NULL } },
  { "tags", TOCSIN_SETTING_STRING, 0, NULL,
    "comma-separated tags added to every message; emoji short codes show as emoji",
    NULL, NULL, { NULL } },
  { "level-tags", TOCSIN_SETTING_BOOLEAN, 0, "true",
    "tag each message with its level's emoji: information_source, white_check_mark, warning, "
    "rotating_light", NULL, NULL, { NULL } },
  { "label-tags", TOCSIN_SETTING_BOOLEAN, 0, "false",
    "add each label of the alert as a tag KEY=VALUE", NULL, NULL, { NULL } },
  TOCSIN_HTTP_SETTINGS,
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

/* ---- header values -------------------------------------------------------------------------- */

/* HTTP forbids control characters in a header value: a CR or LF would end the header early and
 * let the text inject headers of its own. */
static gboolean
has_control (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return TRUE;
  return FALSE;
}

/* (transfer full) @text on one line: every control character becomes a space. */
static char *
dup_one_line (const char *text)
{
  char *copy = g_strdup (text);

  for (guchar *p = (guchar *) copy; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      *p = ' ';
  return g_strstrip (copy);
}

/* (transfer full) @text (UTF-8, one line) as a header value: as it is when plain printable
 * ASCII, else one RFC 2047 encoded-word, which ntfy decodes. Text that merely looks like an
 * encoded-word ("=?") is encoded too, so that it reaches the phone as written. */
static char *
dup_header_value (const char *text)
{
  g_autofree char *base64 = NULL;
  gboolean plain = strstr (text, "=?") == NULL;

  for (const guchar *p = (const guchar *) text; plain && *p; p++)
    plain = *p >= 0x20 && *p < 0x7f;
  if (plain)
    return g_strdup (text);
  base64 = g_base64_encode ((const guchar *) text, strlen (text));
  return g_strconcat ("=?UTF-8?B?", base64, "?=", NULL);
}

/* ---- settings ------------------------------------------------------------------------------- */

/* ntfy's own rule for topic names. */
static gboolean
is_valid_topic (const char *topic)
{
  gsize length = strlen (topic);

  if (length == 0 || length > NTFY_TOPIC_MAX)
    return FALSE;
  for (const char *p = topic; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

/* (transfer full) How an error message shows a setting's value: quoted, through tocsin_redact()
 * (which masks a password in a URL), or not at all when it came from a credential. */
static char *
dup_shown_value (const TocsinConfigNode *node, const char *value)
{
  g_autofree char *redacted = NULL;

  if (node != NULL && tocsin_config_node_is_secret (node))
    return g_strdup ("(from a credential, not shown)");
  redacted = tocsin_redact (value != NULL ? value : "");
  return g_strdup_printf ("'%s'", redacted);
}

/* Returns the <topic> text, or NULL with @error. On ntfy.sh anyone who knows a topic may read
 * it, so a topic from a credential is a secret: it is never quoted, and masked in every log. */
static const char *
check_topic (const TocsinConfigNode *config, GError **error)
{
  const TocsinConfigNode *node = tocsin_config_node_get_child (config, "topic");
  const char *topic = node != NULL ? tocsin_config_node_get_text (node) : NULL;

  if (topic == NULL || !is_valid_topic (topic))
    {
      g_autofree char *shown = dup_shown_value (node, topic);

      tocsin_config_node_set_error (node != NULL ? node : config, error,
                                    TOCSIN_ERROR_INVALID_VALUE,
                                    "ntfy: <topic> %s is not a topic name; use 1 to %d letters, "
                                    "digits, '-' or '_'", shown, NTFY_TOPIC_MAX);
      return NULL;
    }
  if (tocsin_config_node_is_secret (node))
    tocsin_redact_register_secret (topic);
  return topic;
}

/* (transfer full) The <server> URL without trailing slashes, or NULL with @error. The topic is
 * appended to it, so it may have a path (a server behind a proxy at /ntfy) but no query. */
static char *
check_server (const TocsinConfigNode *config, GError **error)
{
  const TocsinConfigNode *node = tocsin_config_node_get_child (config, "server");
  const TocsinConfigNode *at = node != NULL ? node : config;
  g_autofree char *server = g_strdup (tocsin_config_node_get_string (config, "server"));
  g_autoptr (GUri) uri = NULL;
  const char *scheme;

  /* The GError of g_uri_parse() is not quoted: the URL may carry a password. */
  if (server != NULL && !has_control (server) && strchr (server, ' ') == NULL)
    uri = g_uri_parse (server, G_URI_FLAGS_ENCODED, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (scheme == NULL
      || (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
      || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0'
      || g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_autofree char *shown = dup_shown_value (node, server);

      tocsin_config_node_set_error (at, error, TOCSIN_ERROR_INVALID_VALUE,
                                    "ntfy: <server> %s is not an http:// or https:// base URL "
                                    "without query; write it as https://ntfy.example.org", shown);
      return NULL;
    }
  if (node != NULL && tocsin_config_node_is_secret (node))
    tocsin_redact_register_secret (server);
  while (g_str_has_suffix (server, "/"))
    server[strlen (server) - 1] = '\0';
  return g_steal_pointer (&server);
}

/* (transfer full) (nullable) "Bearer <token>", NULL without <token>; sets @error for a bad one.
 * The token itself is never quoted in a message, even when written literally. */
static char *
check_token (const TocsinConfigNode *config, GError **error)
{
  const TocsinConfigNode *node = tocsin_config_node_get_child (config, "token");
  const char *token = node != NULL ? tocsin_config_node_get_text (node) : NULL;

  if (node == NULL)
    return NULL;
  if (token == NULL || *token == '\0' || has_control (token) || strchr (token, ' ') != NULL)
    {
      tocsin_config_node_set_error (node, error, TOCSIN_ERROR_INVALID_VALUE,
                                    "ntfy: <token> (not shown) is empty or contains a space or a "
                                    "control character; give the access token alone (tk_...)");
      return NULL;
    }
  /* The core masks credentials; a literal token (it warns about those) is masked from now on. */
  tocsin_redact_register_secret (token);
  return g_strconcat ("Bearer ", token, NULL);
}

/* (transfer full) (nullable) The <tags> list, spaces around each tag removed, empty ones
 * dropped; sets @error for a tag with a control character. */
static char *
check_tags (const TocsinConfigNode *config, GError **error)
{
  const TocsinConfigNode *node = tocsin_config_node_get_child (config, "tags");
  const char *text = tocsin_config_node_get_string (config, "tags");
  g_auto (GStrv) parts = NULL;
  g_autoptr (GString) tags = NULL;

  if (text == NULL)
    return NULL;
  if (has_control (text))
    {
      tocsin_config_node_set_error (node != NULL ? node : config, error,
                                    TOCSIN_ERROR_INVALID_VALUE,
                                    "ntfy: <tags> contains a line break or another control "
                                    "character; write the tags on one line, separated by commas");
      return NULL;
    }
  parts = g_strsplit (text, ",", -1);
  tags = g_string_new (NULL);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *tag = g_strstrip (parts[i]);

      if (*tag != '\0')
        g_string_append_printf (tags, "%s%s", tags->len > 0 ? "," : "", tag);
    }
  return tags->len > 0 ? g_string_free (g_steal_pointer (&tags), FALSE) : NULL;
}

/* ---- the request ---------------------------------------------------------------------------- */

static const char *
level_priority (TocsinLevel level)
{
  switch (level)
    {
    case TOCSIN_LEVEL_WARNING:
      return "4"; /* high */
    case TOCSIN_LEVEL_CRITICAL:
      return "5"; /* urgent: long vibration bursts and a pop-over notification */
    case TOCSIN_LEVEL_INFO:
    case TOCSIN_LEVEL_SUCCESS:
    default:
      return "3"; /* default */
    }
}

static const char *
level_tag (TocsinLevel level)
{
  switch (level)
    {
    case TOCSIN_LEVEL_SUCCESS:
      return "white_check_mark";
    case TOCSIN_LEVEL_WARNING:
      return "warning";
    case TOCSIN_LEVEL_CRITICAL:
      return "rotating_light";
    case TOCSIN_LEVEL_INFO:
    default:
      return "information_source";
    }
}

/* A comma inside a label would split it into two tags. */
static void
append_label_tag (const char *key, const char *value, gpointer user_data)
{
  GString *tags = user_data;
  g_autofree char *tag = g_strdup_printf ("%s=%s", key, value);

  g_strdelimit (tag, ",", ' ');
  g_string_append_printf (tags, "%s%s", tags->len > 0 ? "," : "", tag);
}

/* (transfer full) (nullable) The Tags header's text for @alert, NULL when there are none. */
static char *
dup_tags (const Ntfy *self, TocsinAlert *alert)
{
  g_autoptr (GString) tags = g_string_new (NULL);
  g_autofree char *line = NULL;

  if (self->level_tags)
    g_string_append (tags, level_tag (tocsin_alert_get_level (alert)));
  if (self->tags != NULL)
    g_string_append_printf (tags, "%s%s", tags->len > 0 ? "," : "", self->tags);
  if (self->label_tags)
    tocsin_alert_foreach_label (alert, append_label_tag, tags);
  if (tags->len == 0)
    return NULL;
  line = dup_one_line (tags->str);
  return dup_header_value (line);
}

/* (transfer full) The message: the body, or the title when the body is empty (ntfy would show
 * "triggered"), cut at NTFY_BODY_MAX bytes on a character boundary. */
static char *
dup_message (TocsinAlert *alert, const char *title)
{
  const char *body = tocsin_alert_get_body (alert);
  const char *text = *body != '\0' ? body : title;
  const char *end;
  g_autofree char *head = NULL;

  if (strlen (text) <= NTFY_BODY_MAX)
    return g_strdup (text);
  end = text + NTFY_BODY_MAX - strlen (ELLIPSIS);
  while (end > text && ((guchar) *end & 0xc0) == 0x80) /* back to the start of a character */
    end--;
  head = g_strndup (text, end - text);
  return g_strconcat (head, ELLIPSIS, NULL);
}

/* ntfy answers {"id":"sPs71M8A2T","time":...,"event":"message",...}: keep the id. */
static void
set_message_id (const Ntfy *self, const TocsinHttpResponse *response, TocsinResult *result)
{
  const char *body = tocsin_http_response_get_body (response, NULL);
  g_autoptr (GMatchInfo) match = NULL;

  if (g_regex_match (self->id_regex, body, 0, &match))
    {
      g_autofree char *id = g_match_info_fetch (match, 1);
      tocsin_result_set_message_id (result, id);
    }
}

/* ---- the class ------------------------------------------------------------------------------ */

static gboolean
ntfy_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  Ntfy *self = instance;
  g_autofree char *raw_title = tocsin_alert_dup_formatted_title (alert);
  g_autofree char *title = dup_one_line (raw_title);
  g_autofree char *message = dup_message (alert, title);
  g_autofree char *tags = dup_tags (self, alert);
  g_autoptr (TocsinHttpRequest) request = tocsin_http_request_new ("POST", self->url);
  g_autoptr (TocsinHttpResponse) response = NULL;

  tocsin_http_request_set_body (request, "text/plain; charset=utf-8", message, -1);
  /* Without a body the title went as the message: a Title header would show it twice. */
  if (*tocsin_alert_get_body (alert) != '\0' && *title != '\0')
    {
      g_autofree char *value = dup_header_value (title);
      tocsin_http_request_add_header (request, "Title", value);
    }
  tocsin_http_request_add_header (request, "Priority",
                                  level_priority (tocsin_alert_get_level (alert)));
  if (tags != NULL)
    tocsin_http_request_add_header (request, "Tags", tags);
  if (self->authorization != NULL)
    tocsin_http_request_add_header (request, "Authorization", self->authorization);

  /* The client marks 429, 5xx and transport failures retryable, with ntfy's Retry-After; its
   * error names the status and quotes (redacted) what ntfy said. */
  if (!tocsin_http_client_send (self->client, request, result, &response, error))
    {
      guint status = response != NULL ? tocsin_http_response_get_status (response) : 0;

      if (status == 401 || status == 403)
        g_prefix_error (error, "ntfy: the server refused %s; check <token> and the topic's "
                        "access rights: ", self->authorization ? "the token" : "anonymous access");
      else if (status == 413)
        g_prefix_error (error, "ntfy: the message is larger than the server accepts: ");
      else
        g_prefix_error (error, "ntfy: ");
      return FALSE;
    }
  if (result != NULL)
    set_message_id (self, response, result);
  return TRUE;
}

static void
ntfy_destroy (gpointer instance)
{
  Ntfy *self = instance;

  /* Also frees a half-built instance from a failed create. */
  if (self->client != NULL)
    tocsin_http_client_free (self->client);
  g_clear_pointer (&self->id_regex, g_regex_unref);
  g_free (self->url);
  g_free (self->authorization);
  g_free (self->tags);
  g_free (self);
}

/* Reads and checks every setting into @self; FALSE with @error naming the line to fix. */
static gboolean
load_settings (Ntfy *self, const TocsinConfigNode *config, GError **error)
{
  const char *topic = check_topic (config, error);
  g_autofree char *server = NULL;

  if (topic == NULL)
    return FALSE;
  server = check_server (config, error);
  if (server == NULL)
    return FALSE;
  self->url = g_strconcat (server, "/", topic, NULL);
  self->authorization = check_token (config, error);
  if (error != NULL && *error != NULL)
    return FALSE;
  self->tags = check_tags (config, error);
  if (error != NULL && *error != NULL)
    return FALSE;
  /* The core already checked that these are booleans; defaults apply when they are absent. */
  self->level_tags = TRUE;
  self->label_tags = FALSE;
  return tocsin_config_node_get_boolean (config, "level-tags", &self->level_tags, error)
         && tocsin_config_node_get_boolean (config, "label-tags", &self->label_tags, error);
}

static gpointer
ntfy_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  Ntfy *self = g_new0 (Ntfy, 1);

  self->ctx = ctx;
  self->id_regex = g_regex_new ("\"id\"\\s*:\\s*\"([A-Za-z0-9_-]{1," G_STRINGIFY (NTFY_ID_MAX) "})\"",
                                G_REGEX_OPTIMIZE, 0, NULL);
  /* A local error: @error may be NULL, and load_settings tests whether one was set. */
  if (!load_settings (self, config, &local_error)
      || (self->client = tocsin_http_client_new (ctx, config, &local_error)) == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      ntfy_destroy (self);
      return NULL;
    }
  /* The context's log masks secrets, so a topic or server from a credential shows as ***. */
  tocsin_plugin_context_log (ctx, G_LOG_LEVEL_DEBUG, "ntfy: publishing to %s%s", self->url,
                             self->authorization ? " with a token" : "");
  return self;
}

static const TocsinChannelClass ntfy_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .flags = TOCSIN_CHANNEL_CLASS_THREAD_SAFE,
  .type_name = "ntfy",
  .description = "publishes alerts to an ntfy topic (push notifications to phones and desktops)",
  .settings = ntfy_settings,
  .create = ntfy_create,
  .send = ntfy_send,
  .destroy = ntfy_destroy,
};

static const TocsinChannelClass *const ntfy_classes[] = { &ntfy_class, NULL };

TOCSIN_PLUGIN_DEFINE ("ntfy", NTFY_VERSION, "MIT", "ntfy.sh push notifications (example plugin)",
                      ntfy_classes, NULL)
