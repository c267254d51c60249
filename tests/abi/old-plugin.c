/* old-plugin.c: "abi-old", a channel plugin as a third party wrote it for tocsin 1.0.
 *
 * tests/abi/CMakeLists.txt compiles it with tests/abi/frozen-1.0 as its only tocsin include
 * path, so it sees the 1.0 structures, sizes and macros whatever today's headers say, and
 * test-abi.c loads it into the current core. It uses a good part of the 1.0 plugin API on
 * purpose: settings of every type with defaults, a secret, a repeatable setting with an
 * attribute, the config node getters, the plugin context, the alert accessors, the result
 * setters and the HTTP client; a transport class as well. Never make it do what the 1.0 API
 * could not do: it stands for plugins already built and installed.
 *
 * Each alert becomes one line in the <output> file:
 *   KEY|N|LEVEL|TITLE|BODY|label=value,...|tag=value,...|ALERT-ID
 * and, when <url> is set, a POST of the title to that URL.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin-plugin.h>

#include <errno.h>
#include <stdio.h>

/* The point of this file: it must never see the current headers. tocsin.h is not part of the
 * frozen plugin headers, so finding it means the include path is wrong. */
#if __has_include (<tocsin/tocsin.h>)
#error "old-plugin.c must be compiled against tests/abi/frozen-1.0 only, not include/"
#endif
G_STATIC_ASSERT (TOCSIN_PLUGIN_ABI_MAJOR == 1 && TOCSIN_PLUGIN_ABI_MINOR == 0);

typedef struct {
  char *name;
  char *value;
} Tag;

typedef struct {
  TocsinPluginContext *ctx;
  char *output;         /* absolute path of the file alerts are appended to */
  const char *prefix;   /* (not owned) lives as long as the config node */
  const char *url;      /* (not owned) nullable */
  gint64 max_title;
  gboolean upper;
  double retry_after;
  gboolean fail;        /* whether alerts at fail_from or above fail */
  TocsinLevel fail_from;
  GArray *tags;         /* (element-type Tag) */
  TocsinHttpClient *http;
  GMutex lock;          /* serialises writes to output */
  gint sent;            /* (atomic) */
} OldChannel;

static const char *const level_choices[] = {
  "none", "info", "success", "warning", "critical", NULL
};
static const char *const tag_attributes[] = { "name", NULL };

static const TocsinSettingSpec old_settings[] = {
  { "output", TOCSIN_SETTING_PATH, TOCSIN_SETTING_REQUIRED, NULL,
    "file each alert is appended to, one line each", NULL, NULL, { NULL } },
  { "prefix", TOCSIN_SETTING_STRING, 0, "old", "message ids are PREFIX-N", NULL, NULL, { NULL } },
  { "max-title", TOCSIN_SETTING_INT, 0, "40", "longer titles are cut", NULL, NULL, { NULL } },
  { "upper", TOCSIN_SETTING_BOOLEAN, 0, "false", "titles in upper case", NULL, NULL, { NULL } },
  { "retry-after", TOCSIN_SETTING_DOUBLE, 0, "1.5", "seconds a failed alert asks to wait",
    NULL, NULL, { NULL } },
  { "fail-from", TOCSIN_SETTING_CHOICE, 0, "none", "alerts of this level or above fail",
    level_choices, NULL, { NULL } },
  { "token", TOCSIN_SETTING_STRING, TOCSIN_SETTING_SECRET, NULL, "a secret; logged redacted",
    NULL, NULL, { NULL } },
  { "tag", TOCSIN_SETTING_STRING, TOCSIN_SETTING_REPEATABLE, NULL,
    "<tag name=\"NAME\">value</tag>, written with each alert", NULL, tag_attributes, { NULL } },
  { "url", TOCSIN_SETTING_STRING, 0, NULL, "when set, each title is also POSTed there",
    NULL, NULL, { NULL } },
  TOCSIN_HTTP_SETTINGS,
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

static void
old_channel_free (OldChannel *self)
{
  for (guint i = 0; self->tags != NULL && i < self->tags->len; i++)
    {
      g_free (g_array_index (self->tags, Tag, i).name);
      g_free (g_array_index (self->tags, Tag, i).value);
    }
  g_clear_pointer (&self->tags, g_array_unref);
  g_clear_pointer (&self->http, tocsin_http_client_free);
  g_mutex_clear (&self->lock);
  g_free (self->output);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OldChannel, old_channel_free)

/* The node to cite for setting @name: its own line when present, else the channel's. */
static const TocsinConfigNode *
setting_node (const TocsinConfigNode *config, const char *name)
{
  const TocsinConfigNode *child = tocsin_config_node_get_child (config, name);

  return child != NULL ? child : config;
}

static gboolean
read_numbers (OldChannel *self, const TocsinConfigNode *config, GError **error)
{
  const char *fail_from = tocsin_config_node_get_string (config, "fail-from");

  if (!tocsin_config_node_get_int (config, "max-title", &self->max_title, error) ||
      !tocsin_config_node_get_boolean (config, "upper", &self->upper, error) ||
      !tocsin_config_node_get_double (config, "retry-after", &self->retry_after, error))
    return FALSE;
  if (self->max_title < 1)
    {
      tocsin_config_node_set_error (setting_node (config, "max-title"), error,
                                    TOCSIN_ERROR_INVALID_VALUE,
                                    "abi-old: <max-title> must be at least 1, not %"
                                    G_GINT64_FORMAT,
                                    self->max_title);
      return FALSE;
    }
  self->fail = g_strcmp0 (fail_from, "none") != 0;
  return !self->fail || tocsin_level_from_string (fail_from, &self->fail_from, error);
}

static gboolean
read_tags (OldChannel *self, const TocsinConfigNode *config, GError **error)
{
  self->tags = g_array_new (FALSE, TRUE, sizeof (Tag));
  for (guint i = 0; i < tocsin_config_node_get_n_children (config); i++)
    {
      const TocsinConfigNode *child = tocsin_config_node_get_child_at (config, i);
      Tag tag;

      if (g_strcmp0 (tocsin_config_node_get_name (child), "tag") != 0)
        continue;
      if (tocsin_config_node_get_attribute (child, "name") == NULL)
        {
          tocsin_config_node_set_error (child, error, TOCSIN_ERROR_CONFIG_INVALID,
                                        "abi-old: <tag> needs a name=\"...\" attribute");
          return FALSE;
        }
      tag.name = g_strdup (tocsin_config_node_get_attribute (child, "name"));
      tag.value = g_strdup (tocsin_config_node_get_text (child));
      g_array_append_val (self->tags, tag);
    }
  return TRUE;
}

static gpointer
old_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  g_autoptr (OldChannel) self = g_new0 (OldChannel, 1);
  const TocsinConfigNode *token = tocsin_config_node_get_child (config, "token");

  g_mutex_init (&self->lock);
  self->ctx = ctx;
  self->output = tocsin_config_node_dup_path (config, "output");
  self->prefix = tocsin_config_node_get_string (config, "prefix");
  self->url = tocsin_config_node_get_string (config, "url");
  if (!read_numbers (self, config, error) || !read_tags (self, config, error))
    return NULL;
  self->http = tocsin_http_client_new (ctx, config, error);
  if (self->http == NULL)
    return NULL;
  /* Logs the token on purpose: the context must redact a value that came from a credential. */
  tocsin_plugin_context_log (ctx, G_LOG_LEVEL_MESSAGE,
                             "abi-old: channel %s of <%s> at %s:%u ready: timeout %g s, %u "
                             "worker(s), core plugin ABI 1.%u, %u tag(s), token %s (%s)",
                             tocsin_plugin_context_get_channel_key (ctx),
                             tocsin_config_node_get_name (config),
                             tocsin_config_node_get_file (config),
                             tocsin_config_node_get_line (config),
                             tocsin_plugin_context_get_timeout (ctx),
                             tocsin_plugin_context_get_workers (ctx),
                             tocsin_plugin_context_get_core_abi_minor (ctx), self->tags->len,
                             token != NULL ? tocsin_config_node_get_text (token) : "none",
                             token != NULL && tocsin_config_node_is_secret (token)
                               ? "from a credential" : "literal");
  return g_steal_pointer (&self);
}

static void
append_pair (const char *key, const char *value, gpointer user_data)
{
  GString *line = user_data;

  g_string_append_printf (line, "%s%s=%s", line->str[line->len - 1] == '|' ? "" : ",", key,
                          value);
}

/* (transfer full) The output line for @alert, without the newline. */
static char *
format_line (OldChannel *self, TocsinAlert *alert, int n)
{
  g_autofree char *title = tocsin_alert_dup_formatted_title (alert);
  GString *line = g_string_new (NULL);

  if ((gint64) g_utf8_strlen (title, -1) > self->max_title)
    *g_utf8_offset_to_pointer (title, self->max_title) = '\0';
  if (self->upper)
    {
      g_autofree char *upper = g_utf8_strup (title, -1);
      g_free (title);
      title = g_steal_pointer (&upper);
    }
  g_string_append_printf (line, "%s|%d|%s|%s|%s|",
                          tocsin_plugin_context_get_channel_key (self->ctx), n,
                          tocsin_level_to_string (tocsin_alert_get_level (alert)), title,
                          tocsin_alert_get_body (alert));
  tocsin_alert_foreach_label (alert, append_pair, line);
  g_string_append_c (line, '|');
  for (guint i = 0; i < self->tags->len; i++)
    append_pair (g_array_index (self->tags, Tag, i).name,
                 g_array_index (self->tags, Tag, i).value, line);
  g_string_append_printf (line, "|%s", tocsin_alert_get_id (alert));
  return g_string_free (line, FALSE);
}

static gboolean
append_line (OldChannel *self, const char *line, GError **error)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  FILE *file = fopen (self->output, "a");
  gboolean ok;

  if (file == NULL)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_IO, "abi-old: cannot open %s: %s",
                   self->output, g_strerror (errno));
      return FALSE;
    }
  ok = fprintf (file, "%s\n", line) >= 0;
  ok = fclose (file) == 0 && ok;
  if (!ok)
    g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_IO, "abi-old: cannot write %s", self->output);
  return ok;
}

/* POSTs the title; the server's X-Message-Id header, if any, becomes the message id. */
static gboolean
post_title (OldChannel *self, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  g_autoptr (TocsinHttpRequest) request = tocsin_http_request_new ("POST", self->url);
  g_autoptr (TocsinHttpResponse) response = NULL;
  const char *id;

  tocsin_http_request_add_header (request, "X-Alert-Id", tocsin_alert_get_id (alert));
  tocsin_http_request_set_body (request, "text/plain", tocsin_alert_get_title (alert), -1);
  if (!tocsin_http_client_send (self->http, request, result, &response, error))
    return FALSE;
  id = tocsin_http_response_get_header (response, "X-Message-Id");
  if (id != NULL)
    tocsin_result_set_message_id (result, id);
  return TRUE;
}

static gboolean
old_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  OldChannel *self = instance;
  int n = g_atomic_int_add (&self->sent, 1) + 1;
  g_autofree char *line = format_line (self, alert, n);
  g_autofree char *id = g_strdup_printf ("%s-%d", self->prefix, n);

  if (self->fail && tocsin_alert_get_level (alert) >= self->fail_from)
    {
      tocsin_result_set_retryable (result, TRUE);
      tocsin_result_set_retry_after (result, self->retry_after);
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_DELIVERY,
                   "abi-old: refusing %s alerts (fail-from)",
                   tocsin_level_to_string (tocsin_alert_get_level (alert)));
      return FALSE;
    }
  if (!append_line (self, line, error))
    return FALSE;
  tocsin_result_set_message_id (result, id);
  return self->url == NULL || post_title (self, alert, result, error);
}

/* Leaves a last line, so the test sees that destroy ran, and after every send. */
static void
old_destroy (gpointer instance)
{
  OldChannel *self = instance;
  g_autofree char *line = g_strdup_printf ("destroyed %s after %d",
                                           tocsin_plugin_context_get_channel_key (self->ctx),
                                           g_atomic_int_get (&self->sent));

  append_line (self, line, NULL);
  old_channel_free (self);
}

/* A transport class, only to check that one built against the 1.0 headers registers. */
static gpointer
old_mail_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  return g_new0 (int, 1);
}

static gboolean
old_mail_send (gpointer instance, TocsinMailMessage *message, TocsinResult *result,
               GError **error)
{
  return TRUE;
}

static const TocsinChannelClass old_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .flags = TOCSIN_CHANNEL_CLASS_THREAD_SAFE,
  .type_name = "abi-old",
  .description = "A channel built against the frozen tocsin 1.0 headers",
  .settings = old_settings,
  .create = old_create,
  .send = old_send,
  .destroy = old_destroy,
};

static const TocsinTransportClass old_mail_class = {
  .struct_size = sizeof (TocsinTransportClass),
  .type_name = "abi-old-mail",
  .description = "A transport built against the frozen tocsin 1.0 headers",
  .create = old_mail_create,
  .send = old_mail_send,
  .destroy = g_free,
};

static const TocsinChannelClass *const channel_classes[] = { &old_class, NULL };
static const TocsinTransportClass *const transport_classes[] = { &old_mail_class, NULL };

TOCSIN_PLUGIN_DEFINE ("abi-old", "1.0.0", "LGPL-2.1-or-later",
                      "A plugin built against the frozen tocsin 1.0 headers", channel_classes,
                      transport_classes)
