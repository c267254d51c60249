/* bench-util.c: see bench-util.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bench-util.h"

#include <stdlib.h>
#include <sys/resource.h>

double
bench_cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* The start of a timed run. */
typedef struct {
  double cpu;   /* bench_cpu_seconds () */
  gint64 wall;  /* g_get_monotonic_time (), microseconds */
} BenchClock;

static void
clock_start (BenchClock *clock)
{
  clock->cpu = bench_cpu_seconds ();
  clock->wall = g_get_monotonic_time ();
}

/* Sets *@seconds and *@cpu to the wall-clock and CPU seconds since clock_start(). */
static void
clock_read (const BenchClock *clock, double *seconds, double *cpu)
{
  *seconds = (g_get_monotonic_time () - clock->wall) / 1e6;
  *cpu = bench_cpu_seconds () - clock->cpu;
}

void
bench_run_figures (const char *name, guint64 count, guint workers, double seconds, double cpu,
                   guint connections, double *rate, double *cpu_us)
{
  if (connections != workers)
    g_printerr ("warning: %s used %u connections instead of %u\n", name, connections, workers);
  *rate = count / seconds;
  *cpu_us = cpu * 1e6 / count;
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

double
bench_median (double *values, guint n)
{
  qsort (values, n, sizeof (double), compare_double);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

gboolean
bench_parse_options (int *argc, char ***argv, const char *summary, const char *count_name,
                     const char *count_description, gint64 *count, gint *rounds)
{
  GOptionEntry entries[] = {
    { count_name, 0, 0, G_OPTION_ARG_INT64, count, count_description, "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, rounds, "Runs of each client per connection count", "R" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (summary);
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    g_printerr ("%s\n", error->message);
  else if (*rounds < 1 || *count < 4)
    g_printerr ("--rounds must be >= 1 and --%s >= 4\n", count_name);
  else
    return TRUE;
  return FALSE;
}

void
bench_run_workers (GThreadFunc worker, gpointer jobs, gsize job_size, guint n, double *seconds,
                   double *cpu)
{
  GThread **threads = g_new (GThread *, n);
  BenchClock clock;

  clock_start (&clock);
  for (guint i = 0; i < n; i++)
    threads[i] = g_thread_new ("plain", worker, (char *) jobs + i * job_size);
  for (guint i = 0; i < n; i++)
    g_thread_join (threads[i]);
  clock_read (&clock, seconds, cpu);
  g_free (threads);
}

void
bench_post_all (TocsinManager *manager, guint64 count, double *seconds, double *cpu)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("Disk almost full");
  g_autoptr (TocsinAlert) alert = NULL;
  g_autoptr (TocsinStats) stats = NULL;
  BenchClock clock;

  tocsin_alert_builder_set_body (builder, "/var at 91%");
  tocsin_alert_builder_set_level (builder, TOCSIN_LEVEL_WARNING);
  tocsin_alert_builder_add_label (builder, "host", "db1");
  alert = tocsin_alert_builder_build (builder);

  clock_start (&clock);
  for (guint64 i = 0; i < count; i++)
    tocsin_manager_post (manager, alert, NULL);
  tocsin_manager_flush (manager, -1);
  clock_read (&clock, seconds, cpu);
  stats = tocsin_manager_get_stats (manager);
  if (tocsin_stats_get_sent (stats) != count)
    g_error ("manager: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " alerts delivered",
             tocsin_stats_get_sent (stats), count);
}
