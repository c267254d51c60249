/* hello.c: a minimal, well-formed plugin for the loader tests. It counts what it is sent.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin-plugin.h>

typedef struct {
  TocsinPluginContext *ctx;
  gint sent; /* (atomic) */
} Hello;

static gpointer
hello_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  Hello *self = g_new0 (Hello, 1);

  self->ctx = ctx;
  return self;
}

/* Not exported: the loader tests check that dlsym() cannot see it. */
gboolean hello_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error);

gboolean
hello_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  Hello *self = instance;

  g_atomic_int_inc (&self->sent);
  tocsin_result_set_message_id (result, "hello-1");
  return TRUE;
}

static void
hello_destroy (gpointer instance)
{
  g_free (instance);
}

static gpointer
hello_mail_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  return g_new0 (Hello, 1);
}

static gboolean
hello_mail_send (gpointer instance, TocsinMailMessage *message, TocsinResult *result,
                 GError **error)
{
  return TRUE;
}

static const char *const greetings[] = { "hi", "hello", NULL };

static const TocsinSettingSpec hello_settings[] = {
  { "greeting", TOCSIN_SETTING_CHOICE, 0, "hello", "How to greet", greetings },
  { "target", TOCSIN_SETTING_STRING, TOCSIN_SETTING_REQUIRED, NULL, "Who to greet" },
  { "token", TOCSIN_SETTING_STRING, TOCSIN_SETTING_SECRET, NULL, "A secret" },
  { NULL }
};

static const TocsinChannelClass hello_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .flags = TOCSIN_CHANNEL_CLASS_THREAD_SAFE,
  .type_name = "hello",
  .description = "Counts the alerts it is sent",
  .settings = hello_settings,
  .create = hello_create,
  .send = hello_send,
  .destroy = hello_destroy,
};

static const TocsinTransportClass hello_mail_class = {
  .struct_size = sizeof (TocsinTransportClass),
  .type_name = "hello-mail",
  .description = "Accepts every message",
  .create = hello_mail_create,
  .send = hello_mail_send,
  .destroy = hello_destroy,
};

static const TocsinChannelClass *const channel_classes[] = { &hello_class, NULL };
static const TocsinTransportClass *const transport_classes[] = { &hello_mail_class, NULL };

TOCSIN_PLUGIN_DEFINE ("hello", "1.2.3", "LGPL-2.1-or-later", "A test plugin that says hello",
                      channel_classes, transport_classes)
