/* test-retry.c: retries of retryable failures: attempts, backoff bounds, Retry-After,
 * permanent failures, statistics, ordering around a retry, and shutdown. The manager runs on a
 * manual clock: backoffs pass when the test advances it, never by sleeping.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <tocsin/tocsin-plugin.h>
#include <stdio.h>
#include <string.h>

/* ---- "flaky": fails its first sends, then delivers -------------------------------------------- */

typedef struct {
  gint64 fail_first;    /* sends that fail before the first success */
  gboolean permanent;   /* failures are permanent rather than retryable */
  double retry_after;   /* reported with each failure (0: none) */
  TocsinClock *clock;   /* (not owned) the manager's, to time the attempts */
  GMutex lock;
  GCond cond;
  guint attempts;       /* sends started */
  GPtrArray *titles;    /* (element-type utf8) one per send, in order */
  GArray *times;        /* (element-type gint64) clock reading at each send */
} Flaky;

static Flaky *flaky;          /* the latest instance of the running test */
static GPtrArray *instances;  /* (element-type Flaky) every instance of the running test */
static TocsinClock *test_clock;

static const TocsinSettingSpec flaky_settings[] = {
  { "fail-first", TOCSIN_SETTING_INT, 0, "0", "sends that fail first", NULL, NULL, { NULL } },
  { "permanent", TOCSIN_SETTING_BOOLEAN, 0, "false", "failures are permanent", NULL, NULL, { NULL } },
  { "retry-after", TOCSIN_SETTING_DOUBLE, 0, "0", "Retry-After to report", NULL, NULL, { NULL } },
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

static gpointer
flaky_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  Flaky *self = g_new0 (Flaky, 1);

  if (!tocsin_config_node_get_int (config, "fail-first", &self->fail_first, error)
      || !tocsin_config_node_get_boolean (config, "permanent", &self->permanent, error)
      || !tocsin_config_node_get_double (config, "retry-after", &self->retry_after, error))
    {
      g_free (self);
      return NULL;
    }
  self->clock = test_clock;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->titles = g_ptr_array_new_with_free_func (g_free);
  self->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  flaky = self;
  g_ptr_array_add (instances, self);
  return self;
}

static gboolean
flaky_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  Flaky *self = instance;
  gint64 now = tocsin_clock_now (self->clock);
  gboolean fail;

  g_mutex_lock (&self->lock);
  fail = self->attempts < (guint) self->fail_first;
  self->attempts++;
  g_ptr_array_add (self->titles, g_strdup (tocsin_alert_get_title (alert)));
  g_array_append_val (self->times, now);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  if (!fail)
    return TRUE;
  tocsin_result_set_retryable (result, !self->permanent);
  tocsin_result_set_retry_after (result, self->retry_after);
  g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_DELIVERY, "flaky: failure %u", self->attempts);
  return FALSE;
}

static void
flaky_destroy (gpointer instance)
{
  /* Kept for the test to read after the manager is gone; the fixture frees it. */
}

static void
flaky_free (Flaky *self)
{
  g_ptr_array_unref (self->titles);
  g_array_unref (self->times);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

static const TocsinChannelClass flaky_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .type_name = "flaky",
  .description = "fails its first sends (test-retry)",
  .settings = flaky_settings,
  .create = flaky_create,
  .send = flaky_send,
  .destroy = flaky_destroy,
};

/* Waits (the watchdog releases due retries every 50 ms of real time) until @n sends started. */
static void
wait_attempts (guint n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_mutex_lock (&flaky->lock);
  while (flaky->attempts < n)
    if (!g_cond_wait_until (&flaky->cond, &flaky->lock, deadline))
      g_error ("flaky saw %u attempts, not %u, within 10 s", flaky->attempts, n);
  g_mutex_unlock (&flaky->lock);
}

/* ---- fixture ---------------------------------------------------------------------------------- */

typedef struct {
  TocsinClock *clock;
  TocsinManager *manager;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->clock = tocsin_clock_new_manual (1000 * G_USEC_PER_SEC);
  test_clock = f->clock;
  f->manager = tocsin_manager_new_with_clock (f->clock);
  flaky = NULL;
  instances = g_ptr_array_new_with_free_func ((GDestroyNotify) flaky_free);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->manager, tocsin_manager_unref);
  flaky = NULL;
  g_clear_pointer (&instances, g_ptr_array_unref);
  tocsin_clock_unref (f->clock);
}

/* Adds channel "f" of type flaky with the retry policy and @settings (name, value, ..., NULL). */
static void
add_flaky (Fixture *f, guint attempts, double backoff_min, double backoff_max, ...)
{
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("f", "flaky");
  g_autoptr (GError) error = NULL;
  const char *name;
  va_list args;

  tocsin_channel_spec_set_retry (spec, attempts, backoff_min, backoff_max);
  va_start (args, backoff_max);
  while ((name = va_arg (args, const char *)) != NULL)
    tocsin_channel_spec_add_setting (spec, name, va_arg (args, const char *));
  va_end (args);
  g_assert_true (tocsin_manager_add_channel (f->manager, spec, &error));
  g_assert_no_error (error);
}

static TocsinAlert *
make_alert (const char *title)
{
  return tt_make_alert (title, NULL, TOCSIN_LEVEL_WARNING, FALSE);
}

/* The delays, in seconds, the channel announced in its debug lines "next attempt in X s". */
static GArray *
announced_delays (const char *log)
{
  GArray *delays = g_array_new (FALSE, FALSE, sizeof (double));

  for (const char *p = strstr (log, "next attempt in "); p != NULL; p = strstr (p + 1, "next attempt in "))
    {
      double delay = g_ascii_strtod (p + strlen ("next attempt in "), NULL);
      g_array_append_val (delays, delay);
    }
  return delays;
}

typedef struct {
  TocsinManager *manager;
  TocsinAlert *alert;
  GPtrArray *results;
} Sender;

static gpointer
send_thread (gpointer data)
{
  Sender *s = data;

  s->results = tocsin_manager_send (s->manager, s->alert, NULL);
  return NULL;
}

/* ---- tests ------------------------------------------------------------------------------------ */

/* Two retryable failures, then success: three attempts, each after a backoff within its bounds
 * (full jitter between backoff-min and backoff-min * 2^attempts, at most backoff-max). */
static void
test_recovers (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = make_alert ("flapping");
  Sender sender = { f->manager, alert, NULL };
  g_autoptr (GArray) delays = NULL;
  g_autoptr (TocsinStats) stats = NULL;
  g_autofree char *log = NULL;
  TocsinResult *result;
  GThread *thread;

  add_flaky (f, 3, 1, 8, "fail-first", "2", NULL);
  tt_log_capture_start ();
  thread = g_thread_new ("sender", send_thread, &sender);
  wait_attempts (1);
  tocsin_clock_advance (f->clock, 2 * G_USEC_PER_SEC); /* the first backoff is within [1, 2] s */
  wait_attempts (2);
  tocsin_clock_advance (f->clock, 4 * G_USEC_PER_SEC); /* the second within [1, 4] s */
  wait_attempts (3);
  g_thread_join (thread);
  log = tt_log_capture_stop ();

  g_assert_cmpuint (sender.results->len, ==, 1);
  result = sender.results->pdata[0];
  tt_assert_success (result);
  g_assert_cmpuint (tocsin_result_get_attempts (result), ==, 3);
  delays = announced_delays (log);
  g_assert_cmpuint (delays->len, ==, 2);
  g_assert_cmpfloat (g_array_index (delays, double, 0), >=, 1.0);
  g_assert_cmpfloat (g_array_index (delays, double, 0), <=, 2.0);
  g_assert_cmpfloat (g_array_index (delays, double, 1), >=, 1.0);
  g_assert_cmpfloat (g_array_index (delays, double, 1), <=, 4.0);
  /* No attempt ran before its backoff had passed on the clock. */
  g_assert_cmpint (g_array_index (flaky->times, gint64, 1) - g_array_index (flaky->times, gint64, 0),
                   >=, G_USEC_PER_SEC);
  stats = tocsin_manager_get_stats (f->manager);
  g_assert_cmpuint (tocsin_stats_get_sent (stats), ==, 1);
  g_assert_cmpuint (tocsin_stats_get_failed (stats), ==, 0);
  g_assert_cmpuint (tocsin_stats_get_retried (stats), ==, 2);
  g_assert_cmpuint (tocsin_stats_get_channel_retried (stats, 0), ==, 2);
  g_ptr_array_unref (sender.results);
}

/* Every attempt fails: the failure is reported after max-attempts, with the last error. */
static void
test_exhausted (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = make_alert ("down");
  Sender sender = { f->manager, alert, NULL };
  g_autoptr (TocsinStats) stats = NULL;
  GThread *thread;

  add_flaky (f, 3, 1, 1, "fail-first", "100", NULL);
  thread = g_thread_new ("sender", send_thread, &sender);
  wait_attempts (1);
  tocsin_clock_advance (f->clock, G_USEC_PER_SEC);
  wait_attempts (2);
  tocsin_clock_advance (f->clock, G_USEC_PER_SEC);
  g_thread_join (thread);

  tt_assert_failed_with (sender.results->pdata[0], "flaky: failure 3", TRUE);
  g_assert_cmpuint (tocsin_result_get_attempts (sender.results->pdata[0]), ==, 3);
  g_assert_cmpuint (flaky->attempts, ==, 3);
  stats = tocsin_manager_get_stats (f->manager);
  g_assert_cmpuint (tocsin_stats_get_failed (stats), ==, 1);
  g_assert_cmpuint (tocsin_stats_get_retried (stats), ==, 2);
  g_ptr_array_unref (sender.results);
}

/* A permanent failure is not retried. */
static void
test_permanent (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = make_alert ("refused");
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (TocsinStats) stats = NULL;

  add_flaky (f, 5, 1, 1, "fail-first", "100", "permanent", "true", NULL);
  results = tocsin_manager_send (f->manager, alert, NULL);
  tt_assert_failed_with (results->pdata[0], "flaky: failure 1", FALSE);
  g_assert_cmpuint (tocsin_result_get_attempts (results->pdata[0]), ==, 1);
  stats = tocsin_manager_get_stats (f->manager);
  g_assert_cmpuint (tocsin_stats_get_retried (stats), ==, 0);
}

/* max-attempts 1: no retry at all. */
static void
test_single_attempt (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = make_alert ("once");
  g_autoptr (GPtrArray) results = NULL;

  add_flaky (f, 1, 1, 1, "fail-first", "1", NULL);
  results = tocsin_manager_send (f->manager, alert, NULL);
  tt_assert_failed_with (results->pdata[0], "flaky: failure 1", TRUE);
  g_assert_cmpuint (flaky->attempts, ==, 1);
}

/* A Retry-After longer than the backoff (at most 2 s here) is the wait. */
static void
test_retry_after (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = make_alert ("slow down");
  Sender sender = { f->manager, alert, NULL };
  g_autoptr (GArray) delays = NULL;
  g_autofree char *log = NULL;
  GThread *thread;

  add_flaky (f, 2, 1, 2, "fail-first", "1", "retry-after", "5", NULL);
  tt_log_capture_start ();
  thread = g_thread_new ("sender", send_thread, &sender);
  wait_attempts (1);
  tocsin_clock_advance (f->clock, 5 * G_USEC_PER_SEC);
  wait_attempts (2);
  g_thread_join (thread);
  log = tt_log_capture_stop ();

  tt_assert_success (sender.results->pdata[0]);
  delays = announced_delays (log);
  g_assert_cmpuint (delays->len, ==, 1);
  g_assert_cmpfloat (g_array_index (delays, double, 0), ==, 5.0);
  g_assert_cmpint (g_array_index (flaky->times, gint64, 1) - g_array_index (flaky->times, gint64, 0),
                   >=, 5 * G_USEC_PER_SEC);
  g_ptr_array_unref (sender.results);
}

/* An alert waiting for its retry does not hold back the alerts after it (even with one worker):
 * they are delivered before it, so a retry may change the order of delivery. */
static void
test_does_not_block (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) first = make_alert ("first");
  g_autoptr (TocsinAlert) second = make_alert ("second");
  g_autoptr (TocsinAlert) third = make_alert ("third");

  add_flaky (f, 3, 5, 10, "fail-first", "1", NULL);
  tocsin_manager_post (f->manager, first, NULL);
  tocsin_manager_post (f->manager, second, NULL);
  tocsin_manager_post (f->manager, third, NULL);
  /* The clock has not moved: "first" waits for its retry, the others are delivered. */
  wait_attempts (3);
  g_assert_cmpstr (flaky->titles->pdata[0], ==, "first");
  g_assert_cmpstr (flaky->titles->pdata[1], ==, "second");
  g_assert_cmpstr (flaky->titles->pdata[2], ==, "third");
  tocsin_clock_advance (f->clock, 10 * G_USEC_PER_SEC);
  wait_attempts (4);
  g_assert_cmpstr (flaky->titles->pdata[3], ==, "first");
  g_assert_true (tocsin_manager_flush (f->manager, 10));
}

/* flush() waits for alerts waiting for a retry too. */
static void
test_flush_waits (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = make_alert ("later");
  g_autoptr (TocsinStats) stats = NULL;

  add_flaky (f, 2, 60, 60, "fail-first", "1", NULL);
  tocsin_manager_post (f->manager, alert, NULL);
  wait_attempts (1);
  g_assert_false (tocsin_manager_flush (f->manager, 0.2));
  stats = tocsin_manager_get_stats (f->manager);
  g_assert_cmpuint (tocsin_stats_get_queued (stats), ==, 1);
  tocsin_clock_advance (f->clock, 60 * G_USEC_PER_SEC);
  g_assert_true (tocsin_manager_flush (f->manager, 10));
  g_assert_cmpuint (flaky->attempts, ==, 2);
}

/* A shutdown does not wait out a backoff: the alert gets its next attempt at once. */
static void
test_shutdown_attempts_now (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = make_alert ("at exit");

  add_flaky (f, 3, 3600, 3600, "fail-first", "1", NULL);
  tocsin_manager_post (f->manager, alert, NULL);
  wait_attempts (1);
  g_clear_pointer (&f->manager, tocsin_manager_unref);
  g_assert_cmpuint (flaky->attempts, ==, 2);
}

/* A blocking send gives up after its deadline (each attempt's timeout plus 2 s of margin, times
 * the attempts, plus the backoffs) when a long Retry-After keeps the delivery away; the delivery
 * goes on in the background and its late outcome reaches the statistics only. */
static void
test_send_deadline (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = make_alert ("patience");
  Sender sender = { f->manager, alert, NULL };
  g_autoptr (TocsinStats) stats = NULL;
  GThread *thread;

  add_flaky (f, 2, 1, 1, "fail-first", "1", "retry-after", "600", NULL);
  {
    TocsinChannel *channel = tocsin_manager_get_channel (f->manager, 0);
    g_assert_cmpfloat (tocsin_channel_get_timeout (channel), ==, 10);
  }
  thread = g_thread_new ("sender", send_thread, &sender);
  wait_attempts (1);
  /* The sender waits on the clock; its deadline is 2 x (10 + 2) + 1 = 25 s away. */
  while (tocsin_clock_get_n_sleepers (f->clock) == 0)
    g_thread_yield ();
  tocsin_clock_advance (f->clock, 25 * G_USEC_PER_SEC);
  g_thread_join (thread);
  tt_assert_failed_with (sender.results->pdata[0], "not finished within the send's deadline of 25 s",
                         TRUE);
  g_assert_cmpstr (tocsin_result_get_channel (sender.results->pdata[0]), ==, "f");
  g_assert_true (tocsin_result_get_alert (sender.results->pdata[0]) == alert);
  g_ptr_array_unref (sender.results);

  /* The retry still happens, and succeeds, after the Retry-After. */
  tocsin_clock_advance (f->clock, 600 * G_USEC_PER_SEC);
  wait_attempts (2);
  g_assert_true (tocsin_manager_flush (f->manager, 10));
  stats = tocsin_manager_get_stats (f->manager);
  g_assert_cmpuint (tocsin_stats_get_sent (stats), ==, 1);
}

/* The config: <defaults> for every channel, attributes of a channel over them, clamping. */
static void
test_config (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = tt_make_tmpdir ();
  g_autofree char *path = tt_write_file (
    dir, "tocsin.xml",
    "<tocsin version=\"1\">\n"
    "  <defaults max-attempts=\"5\" backoff-min=\"0.5\" backoff-max=\"20\"/>\n"
    "  <channel key=\"a\" type=\"flaky\"/>\n"
    "  <channel key=\"b\" type=\"flaky\" max-attempts=\"2\" backoff-max=\"90000\"/>\n"
    "  <channel key=\"c\" type=\"flaky\" max-attempts=\"0\" backoff-min=\"3\"/>\n"
    "</tocsin>\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinManager) manager = NULL;
  g_autofree char *log = NULL;
  TocsinChannel *a, *b, *c;

  tt_log_capture_start ();
  manager = tocsin_manager_new_from_file (path, &error);
  log = tt_log_capture_stop ();
  g_assert_no_error (error);
  a = tocsin_manager_get_channel (manager, 0);
  b = tocsin_manager_get_channel (manager, 1);
  c = tocsin_manager_get_channel (manager, 2);
  g_assert_cmpuint (tocsin_channel_get_max_attempts (a), ==, 5);
  g_assert_cmpfloat (tocsin_channel_get_backoff_min (a), ==, 0.5);
  g_assert_cmpfloat (tocsin_channel_get_backoff_max (a), ==, 20);
  g_assert_cmpuint (tocsin_channel_get_max_attempts (b), ==, 2);
  g_assert_cmpfloat (tocsin_channel_get_backoff_min (b), ==, 0.5);
  g_assert_cmpfloat (tocsin_channel_get_backoff_max (b), ==, 86400);
  g_assert_cmpuint (tocsin_channel_get_max_attempts (c), ==, 1);
  g_assert_cmpfloat (tocsin_channel_get_backoff_min (c), ==, 3);
  g_assert_cmpfloat (tocsin_channel_get_backoff_max (c), ==, 20);
  tt_assert_contains (log, "tocsin.xml:4: channel 'b': backoff-max 90000 s is outside the limits");
  tt_assert_contains (log, "tocsin.xml:5: channel 'c': max-attempts 0 is outside the limits [1, 100]; using 1");
  g_clear_pointer (&manager, tocsin_manager_unref);
  tt_rm_rf (dir);
}

/* The built-in defaults: 3 attempts, 1 to 60 s. */
static void
test_defaults (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("d", "flaky");
  TocsinChannel *channel;

  g_assert_true (tocsin_manager_add_channel (f->manager, spec, NULL));
  channel = tocsin_manager_get_channel (f->manager, 0);
  g_assert_cmpuint (tocsin_channel_get_max_attempts (channel), ==, 3);
  g_assert_cmpfloat (tocsin_channel_get_backoff_min (channel), ==, 1);
  g_assert_cmpfloat (tocsin_channel_get_backoff_max (channel), ==, 60);
}

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;

  tt_init (&argc, &argv);
  if (!tocsin_register_channel_class (&flaky_class, &error))
    g_error ("%s", error->message);

  ADD ("/retry/recovers", test_recovers);
  ADD ("/retry/exhausted", test_exhausted);
  ADD ("/retry/permanent", test_permanent);
  ADD ("/retry/single-attempt", test_single_attempt);
  ADD ("/retry/retry-after", test_retry_after);
  ADD ("/retry/does-not-block", test_does_not_block);
  ADD ("/retry/flush-waits", test_flush_waits);
  ADD ("/retry/shutdown-attempts-now", test_shutdown_attempts_now);
  ADD ("/retry/send-deadline", test_send_deadline);
  ADD ("/retry/config/attributes", test_config);
  ADD ("/retry/config/built-in", test_defaults);
  return g_test_run ();
}
