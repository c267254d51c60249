/* bench-smtp.c: e-mail throughput through the manager's `email` channel (smtp transport)
 * against a plain libcurl SMTP client.
 *
 * Both send to the same loopback ESMTP sink (smtp-sink.c, which counts messages, bytes and
 * connections) over the same number of connections: 1 and 4 (the channel's workers, or the
 * plain client's threads, each reusing one connection for all its messages). Reports messages
 * per second, CPU time (the whole process, sink included, as in bench-webhook), connections,
 * the message size the sink saw, and the manager's rate as a share of the plain client's.
 *
 * The plain client sends a fixed message shaped like the one the email channel builds for the
 * benchmark's alert, so the comparison is of the delivery path, not of message size. If no
 * manager with an email channel can be created (plugins not built, or TOCSIN_PLUGIN_PATH not
 * set), only the plain client runs.
 *
 * Loopback throughput on a small virtual machine swings from run to run, so the clients run
 * in alternation, several rounds, and the medians are compared. SMTP makes four round trips
 * per message (MAIL, RCPT, DATA, the content), so the swing is larger than for HTTP: on two
 * vCPUs one connection runs ~25,000 messages/s when the scheduler keeps client and sink on
 * one CPU, and ~4,000/s, mostly spent in cross-CPU wake-ups, when it does not. Running the
 * benchmark under `taskset -c 0` gives steady figures (without the gain of 4 connections).
 *
 *   TOCSIN_PLUGIN_PATH=build/plugins build/bench/bench-smtp [--messages N] [--rounds R]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>

#include "bench-util.h"
#include "smtp-sink.h"

#include <curl/curl.h>
#include <string.h>

#define SENDER "alerts@example.com"
#define RECIPIENT "oncall@example.com"

typedef struct {
  double seconds;
  double cpu;
  guint connections;
  guint64 messages;
  guint64 bytes;
} Run;

/* Roughly what the email channel sends for the benchmark's alert (RFC 5322, CRLF lines). */
static const char message[] =
  "From: Tocsin <" SENDER ">\r\n"
  "To: " RECIPIENT "\r\n"
  "Subject: [WARNING] Disk almost full\r\n"
  "Date: Thu, 26 Nov 2026 17:00:00 +0000\r\n"
  "Message-ID: <0f8fad5b-d9cb-469f-a165-70867728950e@example.com>\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "Content-Transfer-Encoding: 8bit\r\n"
  "Auto-Submitted: auto-generated\r\n"
  "X-Mailer: tocsin\r\n"
  "X-Tocsin-Channel: mail\r\n"
  "X-Tocsin-Level: warning\r\n"
  "X-Tocsin-Alert-Id: 0f8fad5b-d9cb-469f-a165-70867728950e\r\n"
  "X-Tocsin-Label-host: db1\r\n"
  "\r\n"
  "Alert Level: WARNING\r\n"
  "\r\n"
  "Disk almost full\r\n"
  "================\r\n"
  "\r\n"
  "/var at 91%\r\n"
  "\r\n"
  "---\r\n"
  "Sent by tocsin\r\n";

/* ---- the plain libcurl client ------------------------------------------------------------ */

typedef struct {
  const char *url;
  guint64 count;
  gsize offset;   /* read position in message[] for the transfer under way */
} PlainJob;

static size_t
read_message (char *buffer, size_t size, size_t n, void *user_data)
{
  PlainJob *job = user_data;
  gsize left = sizeof message - 1 - job->offset, chunk = MIN (left, size * n);

  memcpy (buffer, message + job->offset, chunk);
  job->offset += chunk;
  return chunk;
}

/* Sends job->count messages over one easy handle, which keeps its connection between them. */
static gpointer
plain_worker (gpointer data)
{
  PlainJob *job = data;
  CURL *curl = curl_easy_init ();
  struct curl_slist *recipients = curl_slist_append (NULL, "<" RECIPIENT ">");

  curl_easy_setopt (curl, CURLOPT_URL, job->url);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_MAIL_FROM, "<" SENDER ">");
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, read_message);
  curl_easy_setopt (curl, CURLOPT_READDATA, job);
  curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) (sizeof message - 1));
  for (guint64 i = 0; i < job->count; i++)
    {
      CURLcode code;

      job->offset = 0;
      code = curl_easy_perform (curl);
      if (code != CURLE_OK)
        g_error ("plain client: %s", curl_easy_strerror (code));
    }
  curl_easy_cleanup (curl);
  curl_slist_free_all (recipients);
  return NULL;
}

static void
read_sink (Run *run, SmtpSink *sink)
{
  run->connections = smtp_sink_get_connections (sink);
  run->messages = smtp_sink_get_messages (sink);
  run->bytes = smtp_sink_get_bytes (sink);
}

static Run
run_plain (guint workers, guint64 messages)
{
  SmtpSink *sink = smtp_sink_start ();
  /* The path is the domain libcurl gives in EHLO. */
  g_autofree char *url = g_strdup_printf ("smtp://127.0.0.1:%u/bench.localhost",
                                          smtp_sink_get_port (sink));
  g_autofree PlainJob *jobs = g_new (PlainJob, workers);
  Run run;

  for (guint i = 0; i < workers; i++)
    jobs[i] = (PlainJob) { url, messages / workers, 0 };
  bench_run_workers (plain_worker, jobs, sizeof *jobs, workers, &run.seconds, &run.cpu);
  /* The connections closed with the easy handles, so every count is final. */
  read_sink (&run, sink);
  smtp_sink_stop (sink);
  return run;
}

/* ---- the manager with an email channel --------------------------------------------------- */

/* Returns: (transfer full) (nullable): a manager whose one channel e-mails through @sink. */
static TocsinManager *
new_manager (SmtpSink *sink, guint workers, GError **error)
{
  g_autofree char *xml = g_strdup_printf (
    "<tocsin version=\"1\"><channel key=\"mail\" type=\"email\" workers=\"%u\">"
    "<transport type=\"smtp\"><host>127.0.0.1</host><port>%u</port>"
    "<security>none</security></transport>"
    "<sender>" SENDER "</sender><recipient>" RECIPIENT "</recipient></channel></tocsin>",
    workers, smtp_sink_get_port (sink));
  g_autoptr (TocsinConfig) config = tocsin_config_new_from_data (xml, -1, NULL, error);

  return config != NULL ? tocsin_manager_new_from_config (config, error) : NULL;
}

/* TRUE if a manager with the email channel can be created; else explains why not. */
static gboolean
manager_available (void)
{
  SmtpSink *sink = smtp_sink_start ();
  g_autoptr (GError) error = NULL;
  TocsinManager *manager = new_manager (sink, 1, &error);

  if (manager != NULL)
    tocsin_manager_unref (manager);
  else
    g_print ("Skipping the tocsin email channel: %s\n"
             "(it needs the email channel and smtp transport plugins; is TOCSIN_PLUGIN_PATH set "
             "to the build's plugins folder?)\n", error->message);
  smtp_sink_stop (sink);
  return manager != NULL;
}

static Run
run_manager (guint workers, guint64 messages)
{
  SmtpSink *sink = smtp_sink_start ();
  g_autoptr (GError) error = NULL;
  TocsinManager *manager = new_manager (sink, workers, &error);
  Run run;

  if (manager == NULL)
    g_error ("email channel: %s", error->message);
  bench_post_all (manager, messages, &run.seconds, &run.cpu);
  /* Unref first: the channel may keep its connections open until it is destroyed. */
  tocsin_manager_unref (manager);
  read_sink (&run, sink);
  smtp_sink_stop (sink);
  return run;
}

/* ---- comparison ------------------------------------------------------------------------- */

static const char *const names[] = { "plain libcurl", "tocsin email" };

/* Checks a run's counts, prints it, and stores its rate, CPU time, size and connections. */
static void
report_run (guint client, const Run *run, guint workers, guint64 messages, double *rate,
            double *cpu, double *size, guint *connections)
{
  if (run->messages != messages)
    g_error ("%s: the sink accepted %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " messages",
             names[client], run->messages, messages);
  bench_run_figures (names[client], messages, workers, run->seconds, run->cpu, run->connections,
                     rate, cpu);
  *size = (double) run->bytes / run->messages;
  *connections = run->connections;
  g_print ("  %s %6.0f/s (%5.1f us, %u conn)", names[client], *rate, *cpu, run->connections);
}

/* Runs the clients @rounds times in alternation; prints each run and the medians. */
static void
compare (guint workers, guint64 messages, guint rounds, guint clients)
{
  g_autofree double *rate = g_new (double, 2 * rounds);
  g_autofree double *cpu = g_new (double, 2 * rounds);
  double size[2];
  guint connections[2];

  for (guint r = 0; r < rounds; r++)
    {
      g_print ("  round %u:", r + 1);
      for (guint c = 0; c < clients; c++)
        {
          Run run = c == 0 ? run_plain (workers, messages) : run_manager (workers, messages);
          report_run (c, &run, workers, messages, &rate[c * rounds + r], &cpu[c * rounds + r],
                      &size[c], &connections[c]);
        }
      g_print ("\n");
    }
  g_print ("%u connection(s), %" G_GUINT64_FORMAT " messages per run, medians of %u rounds:\n",
           workers, messages, rounds);
  for (guint c = 0; c < clients; c++)
    {
      /* bench_median() sorts, so the extremes are at both ends afterwards. */
      double median_rate = bench_median (rate + c * rounds, rounds);
      double median_cpu = bench_median (cpu + c * rounds, rounds);

      g_print ("  %-14s %8.0f messages/s (runs %.0f-%.0f), CPU %6.1f us/message, %3.0f%% of the "
               "plain client, %u connection(s) at the sink, %.0f bytes/message\n", names[c],
               median_rate, rate[c * rounds], rate[c * rounds + rounds - 1], median_cpu,
               100.0 * median_rate / bench_median (rate, rounds), connections[c], size[c]);
    }
}

int
main (int argc, char **argv)
{
  gint64 messages = 10000;
  gint rounds = 7;
  const guint worker_counts[] = { 1, 4 };
  guint clients;

  if (!bench_parse_options (&argc, &argv, "- tocsin SMTP throughput", "messages",
                            "Messages per run", &messages, &rounds))
    return 2;
  curl_global_init (CURL_GLOBAL_DEFAULT);
  g_print ("tocsin %s, %u CPU(s), %zu-byte messages (plain client) to a loopback ESMTP sink\n",
           tocsin_get_version (), g_get_num_processors (), sizeof message - 1);
  clients = manager_available () ? 2 : 1;
  for (gsize i = 0; i < G_N_ELEMENTS (worker_counts); i++)
    compare (worker_counts[i], (guint64) messages / worker_counts[i] * worker_counts[i],
             (guint) rounds, clients);
  curl_global_cleanup ();
  return 0;
}
