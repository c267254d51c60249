/* bench-dispatch.c: core dispatch throughput and memory.
 *
 * Alerts go through a manager into N no-op channels (N = 1, 4, 16) with post() (fire and forget,
 * timed until flush() returns) and with blocking send(); the program reports alert-deliveries
 * per second, CPU time, and the heap held per queued delivery while workers are blocked.
 *
 *   build/bench/bench-dispatch [--deliveries N] [--send-alerts N] [--queued N]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>
#include <tocsin/tocsin-plugin.h>

#include "bench-util.h"

#include <malloc.h>

static gint gate_closed; /* (atomic) while set, "gated" channels block in send */
static GMutex gate_lock;
static GCond gate_cond;

static gpointer
noop_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  return GINT_TO_POINTER (1);
}

static gboolean
noop_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  return TRUE;
}

static gboolean
gated_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  g_mutex_lock (&gate_lock);
  while (g_atomic_int_get (&gate_closed))
    g_cond_wait (&gate_cond, &gate_lock);
  g_mutex_unlock (&gate_lock);
  return TRUE;
}

static void
noop_destroy (gpointer instance)
{
}

static const TocsinChannelClass noop_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .flags = TOCSIN_CHANNEL_CLASS_THREAD_SAFE,
  .type_name = "bench-noop",
  .description = "does nothing",
  .create = noop_create,
  .send = noop_send,
  .destroy = noop_destroy,
};

static const TocsinChannelClass gated_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .flags = TOCSIN_CHANNEL_CLASS_THREAD_SAFE,
  .type_name = "bench-gated",
  .description = "blocks until the gate opens",
  .create = noop_create,
  .send = gated_send,
  .destroy = noop_destroy,
};

static TocsinManager *
make_manager (const char *type, guint n_channels)
{
  TocsinManager *manager = tocsin_manager_new ();

  for (guint i = 0; i < n_channels; i++)
    {
      g_autofree char *key = g_strdup_printf ("c%u", i);
      g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new (key, type);
      g_autoptr (GError) error = NULL;
      /* The largest queue: this measures dispatch and memory, not back-pressure (the default
       * queue of 10000 would make the posting thread wait for the workers). */
      tocsin_channel_spec_set_queue (spec, TOCSIN_CHANNEL_QUEUE_SIZE_MAX, TOCSIN_OVERFLOW_BLOCK, 10);
      if (!tocsin_manager_add_channel (manager, spec, &error))
        g_error ("%s", error->message);
    }
  return manager;
}

static void
bench_post (guint n_channels, guint64 deliveries)
{
  TocsinManager *manager = make_manager ("bench-noop", n_channels);
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("bench", "body", TOCSIN_LEVEL_WARNING);
  guint64 alerts = deliveries / n_channels;
  double cpu0 = bench_cpu_seconds ();
  gint64 t0 = g_get_monotonic_time ();
  double secs, cpu;

  for (guint64 i = 0; i < alerts; i++)
    tocsin_manager_post (manager, alert, NULL);
  tocsin_manager_flush (manager, -1);
  secs = (g_get_monotonic_time () - t0) / 1e6;
  cpu = bench_cpu_seconds () - cpu0;
  g_print ("post  %2u channel(s): %9" G_GUINT64_FORMAT " deliveries in %6.3f s = %10.0f deliveries/s"
           "  (%8.0f alerts/s, CPU %.2f s)\n", n_channels, alerts * n_channels, secs,
           alerts * n_channels / secs, alerts / secs, cpu);
  tocsin_manager_unref (manager);
}

static void
bench_send (guint n_channels, guint64 alerts)
{
  TocsinManager *manager = make_manager ("bench-noop", n_channels);
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("bench", "body", TOCSIN_LEVEL_WARNING);
  double cpu0 = bench_cpu_seconds ();
  gint64 t0 = g_get_monotonic_time ();
  double secs, cpu;

  for (guint64 i = 0; i < alerts; i++)
    g_ptr_array_unref (tocsin_manager_send (manager, alert, NULL));
  secs = (g_get_monotonic_time () - t0) / 1e6;
  cpu = bench_cpu_seconds () - cpu0;
  g_print ("send  %2u channel(s): %9" G_GUINT64_FORMAT " alerts     in %6.3f s = %10.0f alerts/s"
           "      (%8.0f deliveries/s, CPU %.2f s)\n", n_channels, alerts, secs, alerts / secs,
           alerts * n_channels / secs, cpu);
  tocsin_manager_unref (manager);
}

/* Heap held per queued delivery: post while every worker is blocked, compare malloc's count of
 * bytes in use before and after. Each alert is built once and shared by its deliveries. */
static void
bench_memory (guint n_channels, guint queued)
{
  TocsinManager *manager;
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("bench", "body", TOCSIN_LEVEL_WARNING);
  struct mallinfo2 before, after;

  g_atomic_int_set (&gate_closed, 1);
  manager = make_manager ("bench-gated", n_channels);
  before = mallinfo2 ();
  for (guint i = 0; i < queued; i++)
    tocsin_manager_post (manager, alert, NULL);
  after = mallinfo2 ();
  g_print ("queue %2u channel(s): %9u deliveries queued: %6.1f bytes per queued delivery\n",
           n_channels, queued * n_channels,
           (double) (after.uordblks - before.uordblks) / ((double) queued * n_channels));
  g_mutex_lock (&gate_lock);
  g_atomic_int_set (&gate_closed, 0);
  g_cond_broadcast (&gate_cond);
  g_mutex_unlock (&gate_lock);
  tocsin_manager_unref (manager);
}

int
main (int argc, char **argv)
{
  gint64 deliveries = 4000000, send_alerts = 200000, queued = 100000;
  const guint channel_counts[] = { 1, 4, 16 };
  GOptionEntry entries[] = {
    { "deliveries", 0, 0, G_OPTION_ARG_INT64, &deliveries, "Deliveries per post run", "N" },
    { "send-alerts", 0, 0, G_OPTION_ARG_INT64, &send_alerts, "Alerts per blocking-send run", "N" },
    { "queued", 0, 0, G_OPTION_ARG_INT64, &queued, "Alerts queued for the memory run", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- tocsin core dispatch benchmark");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (!tocsin_register_channel_class (&noop_class, &error) ||
      !tocsin_register_channel_class (&gated_class, &error))
    g_error ("%s", error->message);

  g_print ("tocsin %s, %u CPU(s)\n", tocsin_get_version (), g_get_num_processors ());
  for (gsize i = 0; i < G_N_ELEMENTS (channel_counts); i++)
    bench_post (channel_counts[i], (guint64) deliveries);
  for (gsize i = 0; i < G_N_ELEMENTS (channel_counts); i++)
    bench_send (channel_counts[i], (guint64) send_alerts);
  for (gsize i = 0; i < G_N_ELEMENTS (channel_counts); i++)
    bench_memory (channel_counts[i], (guint) queued);
  return 0;
}
