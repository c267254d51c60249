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

#include "bench-util.h"
#include "http-sink.h"

#include <curl/curl.h>

typedef struct {
  double seconds;
  double cpu;
  guint connections;
  guint64 requests;
} Run;

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

static void
read_sink (Run *run, HttpSink *sink)
{
  run->connections = http_sink_get_connections (sink);
  run->requests = http_sink_get_requests (sink);
}

static Run
run_plain (guint workers, guint64 alerts)
{
  HttpSink *sink = http_sink_start ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/alerts", http_sink_get_port (sink));
  g_autofree PlainJob *jobs = g_new (PlainJob, workers);
  Run run;

  for (guint i = 0; i < workers; i++)
    jobs[i] = (PlainJob) { url, alerts / workers };
  bench_run_workers (plain_worker, jobs, sizeof *jobs, workers, &run.seconds, &run.cpu);
  read_sink (&run, sink);
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
  Run run;

  if (manager == NULL)
    g_error ("%s (is TOCSIN_PLUGIN_PATH set to the build's plugins folder?)", error->message);
  bench_post_all (manager, alerts, &run.seconds, &run.cpu);
  tocsin_manager_unref (manager);
  read_sink (&run, sink);
  http_sink_stop (sink);
  return run;
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
          bench_run_figures (names[c], alerts, workers, runs[c].seconds, runs[c].cpu,
                             runs[c].connections, &rate[c * rounds + r], &cpu[c * rounds + r]);
          g_print ("  %s %6.0f/s (%4.1f us)", names[c], rate[c * rounds + r], cpu[c * rounds + r]);
        }
      g_print ("\n");
    }
  g_print ("%u connection(s), %" G_GUINT64_FORMAT " alerts per run, medians of %u rounds:\n",
           workers, alerts, rounds);
  for (guint c = 0; c < 3; c++)
    {
      median_rate[c] = bench_median (rate + c * rounds, rounds);
      median_cpu[c] = bench_median (cpu + c * rounds, rounds);
      g_print ("  %-18s %8.0f alerts/s, CPU %5.1f us/alert, %3.0f%% of the plain client\n",
               names[c], median_rate[c], median_cpu[c], 100.0 * median_rate[c] / median_rate[0]);
    }
}

int
main (int argc, char **argv)
{
  gint64 alerts = 20000;
  gint rounds = 7;
  g_autoptr (GError) error = NULL;
  const guint worker_counts[] = { 1, 4 };

  if (!bench_parse_options (&argc, &argv, "- tocsin webhook throughput", "alerts", "Alerts per run",
                            &alerts, &rounds))
    return 2;
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
