/* bench-webhook.c: webhook throughput through the manager against a plain libcurl client.
 *
 * Both post the same JSON bodies to the same loopback HTTP sink (http-sink.c, which counts
 * requests and connections) over the same number of keep-alive connections: 1 and 4 (the
 * webhook channel's workers, or the plain client's threads). Reports alerts per second, CPU
 * time, connections, and the manager's rate as a share of the plain client's.
 *
 * A third client isolates the cost of the document: the manager with an in-process channel that
 * posts the same constant body through the core's HTTP client (the layer the webhook channel
 * uses), so "plain vs. HTTP layer" is the manager's and the layer's overhead and "HTTP layer vs.
 * webhook" is what building each alert's JSON document adds.
 *
 * Loopback throughput on a small virtual machine swings by a factor of two from run to run
 * (scheduling of the client and sink threads), so the two clients run in alternation, several
 * rounds, and the medians are compared.
 *
 *   TOCSIN_PLUGIN_PATH=build/plugins build/bench/bench-webhook [--alerts N] [--rounds R]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>
#include <tocsin/tocsin-plugin.h>

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

/* ---- the in-process "bench-http" channel: the constant body through the core's HTTP client */

typedef struct {
  TocsinHttpClient *client;
  char *url;
} BenchHttp;

static const TocsinSettingSpec bench_http_settings[] = {
  { "url", TOCSIN_SETTING_STRING, TOCSIN_SETTING_REQUIRED, NULL, "where to post", NULL, NULL, { NULL } },
  TOCSIN_HTTP_SETTINGS,
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

static gpointer
bench_http_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  TocsinHttpClient *client = tocsin_http_client_new (ctx, config, error);
  BenchHttp *self;

  if (client == NULL)
    return NULL;
  self = g_new0 (BenchHttp, 1);
  self->client = client;
  self->url = g_strdup (tocsin_config_node_get_string (config, "url"));
  return self;
}

static gboolean
bench_http_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  BenchHttp *self = instance;
  g_autoptr (TocsinHttpRequest) request = tocsin_http_request_new ("POST", self->url);

  tocsin_http_request_set_body (request, "application/json; charset=utf-8", body, sizeof body - 1);
  tocsin_http_request_add_header (request, "Idempotency-Key", tocsin_alert_get_id (alert));
  return tocsin_http_client_send (self->client, request, result, NULL, error);
}

static void
bench_http_destroy (gpointer instance)
{
  BenchHttp *self = instance;

  tocsin_http_client_free (self->client);
  g_free (self->url);
  g_free (self);
}

static const TocsinChannelClass bench_http_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .flags = TOCSIN_CHANNEL_CLASS_THREAD_SAFE,
  .type_name = "bench-http",
  .description = "posts a constant body through the core's HTTP client",
  .settings = bench_http_settings,
  .create = bench_http_create,
  .send = bench_http_send,
  .destroy = bench_http_destroy,
};

/* ---- the plain libcurl client ------------------------------------------------------------ */

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

/* Posts @alerts alerts through a manager whose one channel is of @type (webhook or bench-http). */
static Run
run_manager (const char *type, guint workers, guint64 alerts)
{
  HttpSink *sink = http_sink_start ();
  g_autofree char *xml = g_strdup_printf (
    "<tocsin version=\"1\"><channel key=\"hook\" type=\"%s\" workers=\"%u\">"
    "<url>http://127.0.0.1:%u/alerts</url></channel></tocsin>", type, workers,
    http_sink_get_port (sink));
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

/* Runs the three clients @rounds times in alternation; prints each run and the medians. */
static void
compare (guint workers, guint64 alerts, guint rounds)
{
  static const char *const names[] = { "plain libcurl", "tocsin HTTP layer", "tocsin webhook" };
  g_autofree double *rate = g_new (double, 3 * rounds);
  g_autofree double *cpu = g_new (double, 3 * rounds);
  double median_rate[3], median_cpu[3];

  for (guint r = 0; r < rounds; r++)
    {
      Run runs[3] = { run_plain (workers, alerts), run_manager ("bench-http", workers, alerts),
                      run_manager ("webhook", workers, alerts) };

      g_print ("  round %u:", r + 1);
      for (guint c = 0; c < 3; c++)
        {
          if (runs[c].connections != workers)
            g_printerr ("warning: %s used %u connections instead of %u\n", names[c],
                        runs[c].connections, workers);
          rate[c * rounds + r] = alerts / runs[c].seconds;
          cpu[c * rounds + r] = runs[c].cpu * 1e6 / alerts;
          g_print ("  %s %6.0f/s (%4.1f us)", names[c], rate[c * rounds + r], cpu[c * rounds + r]);
        }
      g_print ("\n");
    }
  g_print ("%u connection(s), %" G_GUINT64_FORMAT " alerts per run, medians of %u rounds:\n",
           workers, alerts, rounds);
  for (guint c = 0; c < 3; c++)
    {
      median_rate[c] = median (rate + c * rounds, rounds);
      median_cpu[c] = median (cpu + c * rounds, rounds);
      g_print ("  %-18s %8.0f alerts/s, CPU %5.1f us/alert, %3.0f%% of the plain client\n",
               names[c], median_rate[c], median_cpu[c], 100.0 * median_rate[c] / median_rate[0]);
    }
}

int
main (int argc, char **argv)
{
  gint64 alerts = 20000;
  gint rounds = 7;
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
  if (!tocsin_register_channel_class (&bench_http_class, &error))
    g_error ("%s", error->message);
  g_print ("tocsin %s, %u CPU(s), %zu-byte JSON bodies to a loopback HTTP/1.1 sink\n",
           tocsin_get_version (), g_get_num_processors (), sizeof body - 1);
  for (gsize i = 0; i < G_N_ELEMENTS (worker_counts); i++)
    compare (worker_counts[i], (guint64) alerts / worker_counts[i] * worker_counts[i], (guint) rounds);
  curl_global_cleanup ();
  return 0;
}
