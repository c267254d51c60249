/* noop.c: the "noop" channel, which delivers nothing and counts. The tests use it to watch the
 * core's dispatch, and the benchmark to measure the core's overhead, so send is kept as cheap
 * as it can be: one relaxed atomic increment (plus a message id when asked for one).
 *
 * Settings: fail (boolean): every send fails with a retryable TOCSIN_ERROR_DELIVERY;
 *           message-id (boolean): each delivery gets the message id "noop-<n>", n counting
 *           every send of the instance from 1, so a test can see how many sends ran.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <tocsin/tocsin-plugin.h>

#include <stdatomic.h>

typedef struct {
  const TocsinPluginContext *ctx;
  gboolean fail;
  gboolean message_id;
  atomic_uint_fast64_t sends;
} NoopChannel;

static const TocsinSettingSpec noop_settings[] = {
  { "fail", TOCSIN_SETTING_BOOLEAN, 0, "false",
    "fail every send with a retryable delivery error", NULL, NULL, { NULL } },
  { "message-id", TOCSIN_SETTING_BOOLEAN, 0, "false",
    "give each delivery the message id noop-<n>", NULL, NULL, { NULL } },
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

static gpointer
noop_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  gboolean fail = FALSE, message_id = FALSE;
  NoopChannel *self;

  if (!tocsin_config_node_get_boolean (config, "fail", &fail, error)
      || !tocsin_config_node_get_boolean (config, "message-id", &message_id, error))
    return NULL;
  self = g_new0 (NoopChannel, 1);
  self->ctx = ctx;
  self->fail = fail;
  self->message_id = message_id;
  atomic_init (&self->sends, 0);
  return self;
}

static gboolean
noop_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  NoopChannel *self = instance;
  /* Relaxed: the count orders nothing else; the core's queues publish the alerts. */
  guint64 n = atomic_fetch_add_explicit (&self->sends, 1, memory_order_relaxed) + 1;

  if (G_UNLIKELY (self->fail))
    {
      tocsin_result_set_retryable (result, TRUE);
      g_set_error_literal (error, TOCSIN_ERROR, TOCSIN_ERROR_DELIVERY, "noop: configured to fail");
      return FALSE;
    }
  if (self->message_id)
    {
      char id[32];

      g_snprintf (id, sizeof id, "noop-%" G_GUINT64_FORMAT, n);
      tocsin_result_set_message_id (result, id);
    }
  return TRUE;
}

static void
noop_destroy (gpointer instance)
{
  NoopChannel *self = instance;

  tocsin_plugin_context_log (self->ctx, G_LOG_LEVEL_DEBUG, "noop: %" G_GUINT64_FORMAT " sends",
                             (guint64) atomic_load (&self->sends));
  g_free (self);
}

static const TocsinChannelClass noop_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .flags = TOCSIN_CHANNEL_CLASS_THREAD_SAFE,
  .type_name = "noop",
  .description = "delivers nothing and counts (tests and benchmarks)",
  .settings = noop_settings,
  .create = noop_create,
  .send = noop_send,
  .destroy = noop_destroy,
};

static const TocsinChannelClass *const noop_classes[] = { &noop_class, NULL };

TOCSIN_PLUGIN_DEFINE ("noop", "1.0.0", "LGPL-2.1-or-later",
                      "a counting channel that delivers nothing", noop_classes, NULL)
