/* bench-util.h: what the benchmarks against a plain libcurl client (bench-webhook.c,
 * bench-smtp.c) share: their options, the timed runs of either client (the plain client's
 * threads, the manager posting the benchmarks' alert), and the per-item figures and medians of
 * the alternating rounds. What each client does stays in its benchmark.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tocsin/tocsin.h>

/* CPU time of the whole process so far, user and system, all threads (a loopback sink's
 * included), in seconds. */
double bench_cpu_seconds (void);

/* The figures of a client's run of @count items, for comparing clients: *@rate in items per
 * second, *@cpu_us in CPU microseconds per item. Warns (naming the client @name) if the run used
 * other than @workers connections, since then the clients were not compared like for like. */
void bench_run_figures (const char *name, guint64 count, guint workers, double seconds,
                        double cpu, guint connections, double *rate, double *cpu_us);

/* The median of @values[0, @n), @n >= 1. Sorts @values in place, so the extremes are at both
 * ends afterwards. */
double bench_median (double *values, guint n);

/* Parses the options both benchmarks take: --@count_name N (@count_description; items per
 * run) into *@count and --rounds R into *@rounds, whose values on entry are the defaults.
 * @summary follows the program name in --help. Returns FALSE, with the error printed, if the
 * options cannot be parsed or R < 1 or N < 4 (the largest connection count, so that every
 * connection has work). */
gboolean bench_parse_options (int *argc, char ***argv, const char *summary, const char *count_name,
                              const char *count_description, gint64 *count, gint *rounds);

/* Runs @worker in @n threads, the i-th on the job at (char *) @jobs + i * @job_size (transfer
 * none), and joins them; the whole is timed into *@seconds (wall clock) and *@cpu. */
void bench_run_workers (GThreadFunc worker, gpointer jobs, gsize job_size, guint n,
                        double *seconds, double *cpu);

/* Posts the benchmarks' alert ("Disk almost full", warning, label host=db1) @count times
 * through @manager (transfer none) and flushes it, timed into *@seconds and *@cpu (building the
 * alert is not). Aborts unless the manager counts all @count as sent. */
void bench_post_all (TocsinManager *manager, guint64 count, double *seconds, double *cpu);
