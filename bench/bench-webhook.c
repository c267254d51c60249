/* bench-webhook.c: webhook throughput through the manager against a plain libcurl client.
 *
 * Both post the same JSON bodies to the same loopback HTTP sink (http-sink.c, which counts
 * requests and connections) over the same number of keep-alive connections: 1 and 4 (the
 * webhook channel's workers, or the plain client's threads). Reports alerts per second, CPU
 * time, connections, and the manager's rate as a share of the plain client's.
 *
 * Loopback throughput on a small virtual machine swings by a factor of two from run to run
 * (scheduling of the client and sink threads), so the two clients run in alternation, several
 * rounds, and the medians are compared.
 *
 *   TOCSIN_PLUGIN_PATH=build/plugins build/bench/bench-webhook [--alerts N] [--rounds R]
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

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *values, guint n)
{
  qsort (values, n, sizeof (double), compare_double);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* Runs both clients @rounds times in alternation; prints each run and the medians. */
static void
compare (guint workers, guint64 alerts, guint rounds)
{
  g_autofree double *plain_rate = g_new (double, rounds);
  g_autofree double *managed_rate = g_new (double, rounds);
  g_autofree double *plain_cpu = g_new (double, rounds);
  g_autofree double *managed_cpu = g_new (double, rounds);
  double p, m;

  for (guint r = 0; r < rounds; r++)
    {
      Run plain = run_plain (workers, alerts);
      Run managed = run_manager (workers, alerts);

      if (plain.connections != workers || managed.connections != workers)
        g_printerr ("warning: %u and %u connections seen instead of %u\n", plain.connections,
                    managed.connections, workers);
      plain_rate[r] = alerts / plain.seconds;
      managed_rate[r] = alerts / managed.seconds;
      plain_cpu[r] = plain.cpu * 1e6 / alerts;
      managed_cpu[r] = managed.cpu * 1e6 / alerts;
      g_print ("  round %u: plain %8.0f alerts/s (CPU %5.1f us/alert), tocsin %8.0f alerts/s "
               "(CPU %5.1f us/alert)\n", r + 1, plain_rate[r], plain_cpu[r], managed_rate[r],
               managed_cpu[r]);
    }
  p = median (plain_rate, rounds);
  m = median (managed_rate, rounds);
  g_print ("%u connection(s), %" G_GUINT64_FORMAT " alerts per run, medians of %u rounds:\n"
           "  plain libcurl  %8.0f alerts/s, CPU %5.1f us/alert\n"
           "  tocsin webhook %8.0f alerts/s, CPU %5.1f us/alert  -> %.0f%% of the plain client\n",
           workers, alerts, rounds, p, median (plain_cpu, rounds), m, median (managed_cpu, rounds),
           100.0 * m / p);
}

int
main (int argc, char **argv)
{
  gint64 alerts = 20000;
  gint rounds = 5;
  GOptionEntry entries[] = {
    { "alerts", 0, 0, G_OPTION_ARG_INT64, &alerts, "Alerts per run", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Runs of each client per connection count", "R" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- tocsin webhook throughput");
  g_autoptr (GError) error = NULL;
  const guint worker_counts[] = { 1, 4 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || rounds < 1 || alerts < 4)
    {
      g_printerr ("%s\n", error ? error->message : "--rounds must be >= 1 and --alerts >= 4");
      return 2;
    }
  curl_global_init (CURL_GLOBAL_DEFAULT);
  g_print ("tocsin %s, %u CPU(s), %zu-byte JSON bodies to a loopback HTTP/1.1 sink\n",
           tocsin_get_version (), g_get_num_processors (), sizeof body - 1);
  for (gsize i = 0; i < G_N_ELEMENTS (worker_counts); i++)
    compare (worker_counts[i], (guint64) alerts / worker_counts[i] * worker_counts[i], (guint) rounds);
  curl_global_cleanup ();
  return 0;
}
