/* pager.c: a third-party channel plugin, built the way one outside the tocsin tree is built:
 *
 *   cc -shared -fPIC -fvisibility=hidden $(pkg-config --cflags tocsin-1) pager.c \
 *      -o pager.so $(pkg-config --libs tocsin-1)
 *
 * It includes nothing but <tocsin/tocsin-plugin.h> (and GLib, which that header brings), so it
 * proves the installed headers are complete for a plugin author. The channel type "pager"
 * appends one line per alert to the file named by its required <outfile> setting:
 *
 *   WARNING|Disk almost full|/var is at 91%
 *
 * tests/install/run-install-test.sh compiles it, loads it through a config file and checks
 * the line. The license is deliberately not the core's: the ABI lets a plugin carry any.
 *
 * SPDX-License-Identifier: MIT
 */
#include <tocsin/tocsin-plugin.h>

#include <errno.h>
#include <stdio.h>

typedef struct {
  const TocsinPluginContext *ctx;
  char *outfile;
  GMutex lock;   /* one line at a time, even if a later version declares itself thread-safe */
  guint64 sent;  /* numbers the message ids */
} Pager;

static const TocsinSettingSpec pager_settings[] = {
  { "outfile", TOCSIN_SETTING_PATH, TOCSIN_SETTING_REQUIRED, NULL,
    "the file that receives one LEVEL|title|body line per alert", NULL, NULL, { NULL } },
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

/* A page is one line: a newline or '|' inside a field would split or shift it. */
static char *
pager_field (const char *text)
{
  char *copy = g_strdup (text != NULL ? text : "");

  return g_strdelimit (copy, "\r\n|", ' ');
}

static gpointer
pager_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  g_autofree char *outfile = tocsin_config_node_dup_path (config, "outfile");
  const TocsinConfigNode *node = tocsin_config_node_get_child (config, "outfile");
  Pager *self;
  FILE *probe;

  /* Open once now so that an unwritable file is a config error with its line, not a failure
   * at the first alert. */
  probe = outfile != NULL ? fopen (outfile, "a") : NULL;
  if (probe == NULL)
    {
      int saved = errno;

      tocsin_config_node_set_error (node != NULL ? node : config, error,
                                    TOCSIN_ERROR_INVALID_VALUE,
                                    "pager: cannot append to '%s': %s; give a writable <outfile>",
                                    outfile != NULL ? outfile : "(none)", g_strerror (saved));
      return NULL;
    }
  fclose (probe);

  self = g_new0 (Pager, 1);
  self->ctx = ctx;
  self->outfile = g_steal_pointer (&outfile);
  g_mutex_init (&self->lock);
  tocsin_plugin_context_log (ctx, G_LOG_LEVEL_DEBUG, "pager: paging to %s", self->outfile);
  return self;
}

static gboolean
pager_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  Pager *self = instance;
  g_autofree char *raw_title = tocsin_alert_dup_formatted_title (alert);
  g_autofree char *title = pager_field (raw_title);
  g_autofree char *body = pager_field (tocsin_alert_get_body (alert));
  g_autofree char *line = g_strdup_printf ("%s|%s|%s\n",
                                           tocsin_level_to_upper (tocsin_alert_get_level (alert)),
                                           title, body);
  g_autofree char *message_id = NULL;
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  FILE *out = fopen (self->outfile, "a");
  gboolean written;

  written = out != NULL && fputs (line, out) >= 0;
  if (out != NULL && fclose (out) != 0)
    written = FALSE;
  if (!written)
    {
      int saved = errno;

      /* A full disk or a removed folder may come back: let the caller try again. */
      tocsin_result_set_retryable (result, TRUE);
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_DELIVERY, "pager: cannot append to '%s': %s",
                   self->outfile, g_strerror (saved));
      return FALSE;
    }
  message_id = g_strdup_printf ("page-%" G_GUINT64_FORMAT, ++self->sent);
  tocsin_result_set_message_id (result, message_id);
  return TRUE;
}

static void
pager_destroy (gpointer instance)
{
  Pager *self = instance;

  g_mutex_clear (&self->lock);
  g_free (self->outfile);
  g_free (self);
}

static const TocsinChannelClass pager_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .flags = 0,
  .type_name = "pager",
  .description = "appends LEVEL|title|body lines to a file (third-party example)",
  .settings = pager_settings,
  .create = pager_create,
  .send = pager_send,
  .destroy = pager_destroy,
};

static const TocsinChannelClass *const pager_channel_classes[] = { &pager_class, NULL };

TOCSIN_PLUGIN_DEFINE ("pager", "0.3.1", "MIT", "Example third-party pager",
                      pager_channel_classes, NULL)
