/* bench-webhook.c: webhook throughput through the manager against a plain libcurl client.
 *
 * Both post the same JSON bodies to the same loopback HTTP sink (http-sink.c, which counts
 * requests and connections) over the same number of keep-alive connections: 1 and 4 (the
 * webhook channel's workers, or the plain client's threads). Reports alerts per second, CPU
 * time, connections, and the manager's rate as a share of the plain client's.
 *
 *   TOCSIN_PLUGIN_PATH=build/plugins build/bench/bench-webhook [--alerts N]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>

#include "http-sink.h"

#include <curl/curl.h>
#include <sys/resource.h>

typedef struct {
  double seconds;
  double cpu;
  guint connections;
  guint64 requests;
} Run;

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* The document the webhook channel sends for the benchmark's alert, give or take the values. */
static const char body[] =
  "{\"title\":\"Disk almost full\",\"body\":\"/var at 91%\",\"level\":20,\"level_name\":\"warning\","
  "\"timestamp\":\"2026-11-26T17:00:00.000000+00:00\",\"channel\":\"hook\",\"labels\":{\"host\":\"db1\"},"
  "\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\"}";

typedef struct {
  char *url;
  guint64 count;
} PlainJob;

static size_t
discard (char *data, size_t size, size_t n, void *user_data)
{
  return size * n;
}

static gpointer
plain_worker (gpointer data)
{
  PlainJob *job = data;
  CURL *curl = curl_easy_init ();
  struct curl_slist *headers = NULL;

  headers = curl_slist_append (headers, "Content-Type: application/json; charset=utf-8");
  headers = curl_slist_append (headers, "Idempotency-Key: 0f8fad5b-d9cb-469f-a165-70867728950e");
  headers = curl_slist_append (headers, "Expect:");
  curl_easy_setopt (curl, CURLOPT_URL, job->url);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE, (long) (sizeof body - 1));
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, discard);
  for (guint64 i = 0; i < job->count; i++)
    if (curl_easy_perform (curl) != CURLE_OK)
      g_error ("plain client: request failed");
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  return NULL;
}

static Run
run_plain (guint workers, guint64 alerts)
{
  HttpSink *sink = http_sink_start ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/alerts", http_sink_get_port (sink));
  GThread *threads[16];
  PlainJob jobs[16];
  double cpu0 = cpu_seconds ();
  gint64 t0 = g_get_monotonic_time ();
  Run run;

  for (guint i = 0; i < workers; i++)
    {
      jobs[i] = (PlainJob) { url, alerts / workers };
      threads[i] = g_thread_new ("plain", plain_worker, &jobs[i]);
    }
  for (guint i = 0; i < workers; i++)
    g_thread_join (threads[i]);
  run.seconds = (g_get_monotonic_time () - t0) / 1e6;
  run.cpu = cpu_seconds () - cpu0;
  run.connections = http_sink_get_connections (sink);
  run.requests = http_sink_get_requests (sink);
  http_sink_stop (sink);
  return run;
}

static Run
run_manager (guint workers, guint64 alerts)
{
  HttpSink *sink = http_sink_start ();
  g_autofree char *xml = g_strdup_printf (
    "<tocsin version=\"1\"><channel key=\"hook\" type=\"webhook\" workers=\"%u\">"
    "<url>http://127.0.0.1:%u/alerts</url></channel></tocsin>", workers, http_sink_get_port (sink));
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = tocsin_config_new_from_data (xml, -1, NULL, &error);
  TocsinManager *manager = config ? tocsin_manager_new_from_config (config, &error) : NULL;
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("Disk almost full");
  g_autoptr (TocsinAlert) alert = NULL;
  g_autoptr (TocsinStats) stats = NULL;
  double cpu0;
  gint64 t0;
  Run run;

  if (manager == NULL)
    g_error ("%s (is TOCSIN_PLUGIN_PATH set to the build's plugins folder?)", error->message);
  tocsin_alert_builder_set_body (builder, "/var at 91%");
  tocsin_alert_builder_set_level (builder, TOCSIN_LEVEL_WARNING);
  tocsin_alert_builder_add_label (builder, "host", "db1");
  alert = tocsin_alert_builder_build (builder);

  cpu0 = cpu_seconds ();
  t0 = g_get_monotonic_time ();
  for (guint64 i = 0; i < alerts; i++)
    tocsin_manager_post (manager, alert, NULL);
  tocsin_manager_flush (manager, -1);
  run.seconds = (g_get_monotonic_time () - t0) / 1e6;
  run.cpu = cpu_seconds () - cpu0;
  stats = tocsin_manager_get_stats (manager);
  if (tocsin_stats_get_sent (stats) != alerts)
    g_error ("manager: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " alerts delivered",
             tocsin_stats_get_sent (stats), alerts);
  tocsin_manager_unref (manager);
  run.connections = http_sink_get_connections (sink);
  run.requests = http_sink_get_requests (sink);
  http_sink_stop (sink);
  return run;
}

static void
report (const char *what, guint workers, guint64 alerts, const Run *run)
{
  g_print ("%-14s %u connection(s): %7" G_GUINT64_FORMAT " alerts in %6.3f s = %8.0f alerts/s, "
           "CPU %5.2f s (%4.1f us/alert), %u connection(s) seen, %" G_GUINT64_FORMAT " requests\n",
           what, workers, alerts, run->seconds, alerts / run->seconds, run->cpu,
           run->cpu * 1e6 / alerts, run->connections, run->requests);
}

int
main (int argc, char **argv)
{
  gint64 alerts = 20000;
  GOptionEntry entries[] = {
    { "alerts", 0, 0, G_OPTION_ARG_INT64, &alerts, "Alerts per run", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- tocsin webhook throughput");
  g_autoptr (GError) error = NULL;
  const guint worker_counts[] = { 1, 4 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  curl_global_init (CURL_GLOBAL_DEFAULT);
  g_print ("tocsin %s, %u CPU(s), %zu-byte JSON bodies to a loopback HTTP/1.1 sink\n",
           tocsin_get_version (), g_get_num_processors (), sizeof body - 1);
  for (gsize i = 0; i < G_N_ELEMENTS (worker_counts); i++)
    {
      guint workers = worker_counts[i];
      guint64 n = (guint64) alerts / workers * workers;
      Run plain = run_plain (workers, n);
      Run managed = run_manager (workers, n);

      report ("plain libcurl", workers, n, &plain);
      report ("tocsin webhook", workers, n, &managed);
      g_print ("  -> the manager reaches %.0f%% of the plain client's rate\n",
               100.0 * (n / managed.seconds) / (n / plain.seconds));
    }
  curl_global_cleanup ();
  return 0;
}
