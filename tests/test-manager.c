/* test-manager.c: routing, the three ways to send, throttles, statistics, hung channels,
 * flush and shutdown. Channels here are in-process classes driven by the test.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <tocsin/tocsin-plugin.h>
#include <string.h>

/* ---- A controllable channel class ("ctl") ------------------------------------------------ */

/* What one "ctl" channel does, shared with the test by channel key. */
typedef struct {
  char *key;
  char *mode;           /* ok | fail | gate | gate-titled */
  GMutex lock;
  GCond cond;
  guint delivered;      /* sends returned */
  guint inside;         /* sends currently running */
  guint max_inside;
  gboolean gate_open;   /* mode gate: sends block until opened; gate-titled: those titled "hang" */
  gboolean hold_open;   /* mode gate-titled: sends titled "hold" block until opened */
  gboolean hanging;     /* mode gate-titled: the alert titled "hang" is being sent */
  gboolean destroyed;
  GPtrArray *titles;    /* in delivery order */
} Ctl;

static GMutex ctls_lock;
static GHashTable *ctls; /* key -> Ctl, for the test to reach the instances */

static Ctl *
ctl_lookup (const char *key)
{
  Ctl *ctl;

  g_mutex_lock (&ctls_lock);
  ctl = ctls ? g_hash_table_lookup (ctls, key) : NULL;
  g_mutex_unlock (&ctls_lock);
  g_assert_nonnull (ctl);
  return ctl;
}

static const char *const modes[] = { "ok", "fail", "gate", "gate-titled", NULL };
static const TocsinSettingSpec ctl_settings[] = {
  { "mode", TOCSIN_SETTING_CHOICE, 0, "ok", "what send does", modes },
  { "fail-create", TOCSIN_SETTING_BOOLEAN, 0, "false", "create fails" },
  { NULL }
};

static gpointer
ctl_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  gboolean fail_create = FALSE;
  Ctl *ctl;

  if (!tocsin_config_node_get_boolean (config, "fail-create", &fail_create, error))
    return NULL;
  if (fail_create)
    {
      tocsin_config_node_set_error (config, error, TOCSIN_ERROR_FAILED, "ctl refuses to start");
      return NULL;
    }
  ctl = g_new0 (Ctl, 1);
  ctl->key = g_strdup (tocsin_plugin_context_get_channel_key (ctx));
  ctl->mode = g_strdup (tocsin_config_node_get_string (config, "mode"));
  ctl->titles = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&ctl->lock);
  g_cond_init (&ctl->cond);
  g_mutex_lock (&ctls_lock);
  if (ctls == NULL)
    ctls = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_replace (ctls, ctl->key, ctl);
  g_mutex_unlock (&ctls_lock);
  return ctl;
}

static gboolean
ctl_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  Ctl *ctl = instance;
  gboolean ok = TRUE;

  g_mutex_lock (&ctl->lock);
  ctl->inside++;
  ctl->max_inside = MAX (ctl->max_inside, ctl->inside);
  g_cond_broadcast (&ctl->cond);
  if (strcmp (ctl->mode, "gate") == 0
      || (strcmp (ctl->mode, "gate-titled") == 0 && strcmp (tocsin_alert_get_title (alert), "hang") == 0))
    {
      ctl->hanging = strcmp (ctl->mode, "gate-titled") == 0;
      g_cond_broadcast (&ctl->cond);
      while (!ctl->gate_open)
        g_cond_wait (&ctl->cond, &ctl->lock);
    }
  if (strcmp (ctl->mode, "gate-titled") == 0 && strcmp (tocsin_alert_get_title (alert), "hold") == 0)
    while (!ctl->hold_open)
      g_cond_wait (&ctl->cond, &ctl->lock);
  if (strcmp (ctl->mode, "fail") == 0)
    {
      tocsin_result_set_retryable (result, TRUE);
      tocsin_result_set_retry_after (result, 2.5);
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_DELIVERY, "server said no: token=hunter2-secret");
      ok = FALSE;
    }
  else
    {
      g_autofree char *id = g_strdup_printf ("%s-%u", ctl->key, ctl->delivered);
      tocsin_result_set_message_id (result, id);
    }
  g_ptr_array_add (ctl->titles, g_strdup (tocsin_alert_get_title (alert)));
  ctl->inside--;
  ctl->delivered++;
  g_cond_broadcast (&ctl->cond);
  g_mutex_unlock (&ctl->lock);
  return ok;
}

static void
ctl_destroy (gpointer instance)
{
  Ctl *ctl = instance;

  /* Kept in the table (the test may look at it after the manager is gone); freed at exit. */
  g_mutex_lock (&ctl->lock);
  ctl->destroyed = TRUE;
  g_cond_broadcast (&ctl->cond);
  g_mutex_unlock (&ctl->lock);
}

static const TocsinChannelClass ctl_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .flags = TOCSIN_CHANNEL_CLASS_THREAD_SAFE,
  .type_name = "ctl",
  .description = "test channel",
  .settings = ctl_settings,
  .create = ctl_create,
  .send = ctl_send,
  .destroy = ctl_destroy,
};

/* The same, not thread-safe. */
static const TocsinChannelClass ctl1_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .type_name = "ctl1",
  .description = "test channel, one thread",
  .settings = ctl_settings,
  .create = ctl_create,
  .send = ctl_send,
  .destroy = ctl_destroy,
};

static void
ctl_open_gate (Ctl *ctl)
{
  g_mutex_lock (&ctl->lock);
  ctl->gate_open = TRUE;
  g_cond_broadcast (&ctl->cond);
  g_mutex_unlock (&ctl->lock);
}

static void
ctl_wait_inside (Ctl *ctl, guint n)
{
  g_mutex_lock (&ctl->lock);
  while (ctl->inside < n)
    g_cond_wait (&ctl->cond, &ctl->lock);
  g_mutex_unlock (&ctl->lock);
}

static void
ctl_wait_delivered (Ctl *ctl, guint n)
{
  g_mutex_lock (&ctl->lock);
  while (ctl->delivered < n)
    g_cond_wait (&ctl->cond, &ctl->lock);
  g_mutex_unlock (&ctl->lock);
}

/* ctl_wait_delivered(), giving up after @seconds (real time); FALSE then. */
static gboolean
ctl_wait_delivered_for (Ctl *ctl, guint n, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  gboolean done;

  g_mutex_lock (&ctl->lock);
  while (ctl->delivered < n && g_cond_wait_until (&ctl->cond, &ctl->lock, deadline))
    ;
  done = ctl->delivered >= n;
  g_mutex_unlock (&ctl->lock);
  return done;
}

static void
ctl_wait_destroyed (Ctl *ctl)
{
  g_mutex_lock (&ctl->lock);
  while (!ctl->destroyed)
    g_cond_wait (&ctl->cond, &ctl->lock);
  g_mutex_unlock (&ctl->lock);
}

/* ---- Fixture ----------------------------------------------------------------------------- */

typedef struct {
  TocsinClock *clock;
  TocsinManager *manager;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->clock = tocsin_clock_new_manual (1000 * G_USEC_PER_SEC);
  f->manager = tocsin_manager_new_with_clock (f->clock);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->manager, tocsin_manager_unref);
  tocsin_clock_unref (f->clock);
}

/* Adds a ctl channel; @key must be unique across the whole test run (instances are found by key). */
static void
add (Fixture *f, const char *key, const char *alias, TocsinLevel min_level, const char *mode)
{
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new (key, "ctl");
  g_autoptr (GError) error = NULL;

  if (alias)
    tocsin_channel_spec_set_alias (spec, alias);
  /* One attempt: retries have tests of their own. */
  tocsin_channel_spec_set_retry (spec, 1, 1, 1);
  tocsin_channel_spec_set_min_level (spec, min_level);
  if (mode)
    tocsin_channel_spec_add_setting (spec, "mode", mode);
  g_assert_true (tocsin_manager_add_channel (f->manager, spec, &error));
  g_assert_no_error (error);
}

static TocsinAlert *
alert (const char *title, TocsinLevel level)
{
  return tocsin_alert_new (title, "body", level);
}

static TocsinResult *
result_at (GPtrArray *results, guint i)
{
  g_assert_cmpuint (i, <, results->len);
  return results->pdata[i];
}

/* ---- Routing ----------------------------------------------------------------------------- */

static void
test_broadcast_level_filter (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) warning = alert ("disk", TOCSIN_LEVEL_WARNING);
  g_autoptr (TocsinAlert) success = alert ("deployed", TOCSIN_LEVEL_SUCCESS);
  g_autoptr (GPtrArray) results = NULL;

  add (f, "lf-info", NULL, TOCSIN_LEVEL_INFO, NULL);
  add (f, "lf-warn", NULL, TOCSIN_LEVEL_WARNING, NULL);
  add (f, "lf-crit", NULL, TOCSIN_LEVEL_CRITICAL, NULL);

  results = tocsin_manager_send (f->manager, warning, NULL);
  g_assert_cmpuint (results->len, ==, 2);
  g_assert_cmpstr (tocsin_result_get_channel (result_at (results, 0)), ==, "lf-info");
  g_assert_cmpstr (tocsin_result_get_channel (result_at (results, 1)), ==, "lf-warn");
  g_assert_true (tocsin_result_get_success (result_at (results, 0)));
  g_assert_true (tocsin_result_get_alert (result_at (results, 1)) == warning);
  g_clear_pointer (&results, g_ptr_array_unref);

  /* SUCCESS (11) is above INFO (10) and below WARNING (20). */
  results = tocsin_manager_send (f->manager, success, NULL);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_cmpstr (tocsin_result_get_channel (result_at (results, 0)), ==, "lf-info");
}

static void
test_broadcast_none_match (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("fyi", TOCSIN_LEVEL_INFO);
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (TocsinStats) stats = NULL;

  add (f, "nm-crit", NULL, TOCSIN_LEVEL_CRITICAL, NULL);
  results = tocsin_manager_send (f->manager, info, NULL);
  g_assert_cmpuint (results->len, ==, 0);
  stats = tocsin_manager_get_stats (f->manager);
  g_assert_cmpuint (tocsin_stats_get_sent (stats) + tocsin_stats_get_failed (stats), ==, 0);
}

static void
test_target_lookup (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  const char *cases[][2] = {
    { "tl-hb", "tl-hb" },          /* key */
    { "heartbeat", "tl-hb" },      /* alias */
    { "tl-ops", "tl-ops" },
    { "ctl", "tl-hb" },            /* type name: the first channel of that type */
  };

  add (f, "tl-hb", "heartbeat", TOCSIN_LEVEL_CRITICAL, NULL);
  add (f, "tl-ops", "operations", TOCSIN_LEVEL_CRITICAL, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GPtrArray) results = tocsin_manager_send (f->manager, info, cases[i][0]);
      /* A targeted send ignores the min level (critical here, info alert), as in the original. */
      g_assert_cmpuint (results->len, ==, 1);
      g_assert_cmpstr (tocsin_result_get_channel (result_at (results, 0)), ==, cases[i][1]);
      g_assert_true (tocsin_result_get_success (result_at (results, 0)));
    }
}

static void
test_target_key_before_alias (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  g_autoptr (GPtrArray) results = NULL;

  /* An earlier channel whose alias is "kb-x" must not shadow a later channel whose key is not
   * "kb-x"... keys and aliases are one namespace, so test the type name instead: a channel
   * keyed "ctl" wins over the first channel of type ctl. */
  add (f, "kb-first", NULL, TOCSIN_LEVEL_INFO, NULL);
  add (f, "ctl", NULL, TOCSIN_LEVEL_INFO, NULL);
  results = tocsin_manager_send (f->manager, info, "ctl");
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_cmpstr (tocsin_result_get_channel (result_at (results, 0)), ==, "ctl");
}

static void
test_target_unknown (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  g_autoptr (GPtrArray) results = NULL;
  g_autofree char *log = NULL;

  add (f, "tu-a", NULL, TOCSIN_LEVEL_INFO, NULL);
  tt_log_capture_start ();
  results = tocsin_manager_send (f->manager, info, "nope");
  log = tt_log_capture_stop ();
  g_assert_cmpuint (results->len, ==, 0);
  g_assert_nonnull (strstr (log, "WARNING"));
  g_assert_nonnull (strstr (log, "'nope'"));
  g_assert_null (tocsin_manager_find_channel (f->manager, "nope"));
  g_assert_cmpuint (tocsin_manager_post (f->manager, info, "nope"), ==, 0);
}

static void
test_send_no_channels (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  g_autoptr (GPtrArray) results = NULL;
  g_autofree char *log = NULL;

  tt_log_capture_start ();
  results = tocsin_manager_send (f->manager, info, NULL);
  log = tt_log_capture_stop ();
  g_assert_cmpuint (results->len, ==, 0);
  g_assert_nonnull (strstr (log, "no channels"));
}

static void
test_send_many_flat (Fixture *f, gconstpointer data)
{
  TocsinAlert *alerts[3];
  g_autoptr (GPtrArray) results = NULL;

  add (f, "mf-a", NULL, TOCSIN_LEVEL_INFO, NULL);
  add (f, "mf-b", NULL, TOCSIN_LEVEL_WARNING, NULL);
  alerts[0] = alert ("one", TOCSIN_LEVEL_WARNING);
  alerts[1] = alert ("two", TOCSIN_LEVEL_INFO);
  alerts[2] = alert ("three", TOCSIN_LEVEL_CRITICAL);
  results = tocsin_manager_send_many (f->manager, alerts, 3, NULL);

  /* alert by alert, each in channel order; "two" reaches mf-a only */
  g_assert_cmpuint (results->len, ==, 5);
  g_assert_true (tocsin_result_get_alert (result_at (results, 0)) == alerts[0]);
  g_assert_cmpstr (tocsin_result_get_channel (result_at (results, 0)), ==, "mf-a");
  g_assert_cmpstr (tocsin_result_get_channel (result_at (results, 1)), ==, "mf-b");
  g_assert_true (tocsin_result_get_alert (result_at (results, 2)) == alerts[1]);
  g_assert_true (tocsin_result_get_alert (result_at (results, 3)) == alerts[2]);
  g_assert_cmpstr (tocsin_result_get_channel (result_at (results, 4)), ==, "mf-b");
  /* each channel received its alerts in order */
  g_assert_cmpstr (ctl_lookup ("mf-a")->titles->pdata[1], ==, "two");
  g_assert_cmpstr (ctl_lookup ("mf-b")->titles->pdata[1], ==, "three");
  for (int i = 0; i < 3; i++)
    tocsin_alert_unref (alerts[i]);
}

/* ---- Results and statistics -------------------------------------------------------------- */

static void
test_result_fields (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  g_autoptr (GPtrArray) results = NULL;
  TocsinResult *ok, *bad;

  tocsin_redact_register_secret ("hunter2-secret");
  add (f, "rf-ok", NULL, TOCSIN_LEVEL_INFO, "ok");
  add (f, "rf-bad", NULL, TOCSIN_LEVEL_INFO, "fail");
  results = tocsin_manager_send (f->manager, info, NULL);
  ok = result_at (results, 0);
  bad = result_at (results, 1);

  g_assert_true (tocsin_result_get_success (ok));
  g_assert_cmpstr (tocsin_result_get_message_id (ok), ==, "rf-ok-0");
  g_assert_null (tocsin_result_get_error (ok));
  g_assert_false (tocsin_result_get_retryable (ok));
  g_assert_cmpuint (tocsin_result_get_attempts (ok), ==, 1);
  g_assert_cmpint (tocsin_result_get_elapsed (ok), >=, 0);

  g_assert_false (tocsin_result_get_success (bad));
  g_assert_false (tocsin_result_get_throttled (bad));
  g_assert_true (tocsin_result_get_retryable (bad));
  g_assert_cmpfloat (tocsin_result_get_retry_after (bad), ==, 2.5);
  g_assert_nonnull (strstr (tocsin_result_get_error (bad), "server said no"));
  /* the secret the channel echoed is redacted from the result */
  g_assert_null (strstr (tocsin_result_get_error (bad), "hunter2"));
}

static void
test_failure_log_redacted (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  g_autofree char *log = NULL;

  tocsin_redact_register_secret ("hunter2-secret");
  add (f, "fl-bad", NULL, TOCSIN_LEVEL_INFO, "fail");
  tt_log_capture_start ();
  g_ptr_array_unref (tocsin_manager_send (f->manager, info, NULL));
  log = tt_log_capture_stop ();
  /* The warning names the channel; the detail is at debug level, redacted. */
  g_assert_nonnull (strstr (log, "WARNING [fl-bad] channel 'fl-bad' (type ctl) failed"));
  g_assert_nonnull (strstr (log, "DEBUG [fl-bad]"));
  g_assert_nonnull (strstr (log, "server said no"));
  g_assert_null (strstr (log, "hunter2"));
}

static void
test_stats_counts (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  g_autoptr (TocsinStats) stats = NULL;
  int ok, bad;

  add (f, "sc-ok", NULL, TOCSIN_LEVEL_INFO, "ok");
  add (f, "sc-bad", NULL, TOCSIN_LEVEL_INFO, "fail");
  for (int i = 0; i < 3; i++)
    g_ptr_array_unref (tocsin_manager_send (f->manager, info, NULL));
  g_assert_cmpuint (tocsin_manager_post (f->manager, info, NULL), ==, 2);
  g_assert_true (tocsin_manager_flush (f->manager, -1));

  stats = tocsin_manager_get_stats (f->manager);
  g_assert_cmpuint (tocsin_stats_get_sent (stats), ==, 4);
  g_assert_cmpuint (tocsin_stats_get_failed (stats), ==, 4);
  g_assert_cmpuint (tocsin_stats_get_throttled (stats), ==, 0);
  g_assert_cmpuint (tocsin_stats_get_queued (stats), ==, 0);
  g_assert_cmpuint (tocsin_stats_get_n_channels (stats), ==, 2);
  ok = tocsin_stats_find_channel (stats, "sc-ok");
  bad = tocsin_stats_find_channel (stats, "sc-bad");
  g_assert_cmpint (ok, ==, 0);
  g_assert_cmpint (bad, ==, 1);
  g_assert_cmpint (tocsin_stats_find_channel (stats, "nope"), ==, -1);
  g_assert_cmpstr (tocsin_stats_get_channel_key (stats, 1), ==, "sc-bad");
  g_assert_cmpuint (tocsin_stats_get_channel_sent (stats, ok), ==, 4);
  g_assert_cmpuint (tocsin_stats_get_channel_failed (stats, ok), ==, 0);
  g_assert_cmpuint (tocsin_stats_get_channel_failed (stats, bad), ==, 4);
}

/* ---- Throttles --------------------------------------------------------------------------- */

static void
test_throttle_own (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("to-a", "ctl");
  g_autoptr (TocsinThrottle) throttle = tocsin_throttle_new_with_clock (1, 60, 1, f->clock);
  g_autoptr (GPtrArray) first = NULL, second = NULL, third = NULL;
  g_autoptr (TocsinStats) stats = NULL;

  tocsin_channel_spec_set_throttle (spec, throttle);
  g_assert_true (tocsin_manager_add_channel (f->manager, spec, NULL));
  g_assert_true (tocsin_channel_has_own_throttle (tocsin_manager_get_channel (f->manager, 0)));

  first = tocsin_manager_send (f->manager, info, NULL);
  second = tocsin_manager_send (f->manager, info, NULL);
  g_assert_true (tocsin_result_get_success (result_at (first, 0)));
  g_assert_false (tocsin_result_get_success (result_at (second, 0)));
  g_assert_true (tocsin_result_get_throttled (result_at (second, 0)));
  g_assert_cmpstr (tocsin_result_get_error (result_at (second, 0)), ==, "Rate limit exceeded");
  g_assert_cmpuint (tocsin_result_get_attempts (result_at (second, 0)), ==, 0);

  tocsin_clock_advance (f->clock, 60 * G_USEC_PER_SEC);
  third = tocsin_manager_send (f->manager, info, NULL);
  g_assert_true (tocsin_result_get_success (result_at (third, 0)));

  stats = tocsin_manager_get_stats (f->manager);
  g_assert_cmpuint (tocsin_stats_get_sent (stats), ==, 2);
  g_assert_cmpuint (tocsin_stats_get_throttled (stats), ==, 1);
  g_assert_cmpuint (tocsin_stats_get_failed (stats), ==, 0); /* throttled is not failed */
}

static void
test_throttle_shared (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  g_autoptr (TocsinThrottle) shared = tocsin_throttle_new_with_clock (3, 60, 3, f->clock);
  g_autoptr (TocsinThrottle) own = tocsin_throttle_new_with_clock (100, 60, 100, f->clock);
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("ts-own", "ctl");
  g_autoptr (GPtrArray) first = NULL, second = NULL;

  tocsin_manager_set_throttle (f->manager, shared);
  add (f, "ts-a", NULL, TOCSIN_LEVEL_INFO, NULL);
  add (f, "ts-b", NULL, TOCSIN_LEVEL_INFO, NULL);
  tocsin_channel_spec_set_throttle (spec, own);
  g_assert_true (tocsin_manager_add_channel (f->manager, spec, NULL));

  /* One bucket of 3 shared by ts-a and ts-b: the first alert takes 2, the second 1 then none. */
  first = tocsin_manager_send (f->manager, info, NULL);
  second = tocsin_manager_send (f->manager, info, NULL);
  g_assert_true (tocsin_result_get_success (result_at (first, 0)));
  g_assert_true (tocsin_result_get_success (result_at (first, 1)));
  g_assert_true (tocsin_result_get_success (result_at (second, 0)));
  g_assert_true (tocsin_result_get_throttled (result_at (second, 1)));
  /* the channel with its own throttle is not affected */
  g_assert_true (tocsin_result_get_success (result_at (second, 2)));
  g_assert_true (tocsin_channel_get_throttle (tocsin_manager_get_channel (f->manager, 0)) == shared);
  g_assert_false (tocsin_channel_has_own_throttle (tocsin_manager_get_channel (f->manager, 0)));
}

static void
test_post_counts_queued (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  g_autoptr (TocsinThrottle) shared = tocsin_throttle_new_with_clock (1, 60, 1, f->clock);
  g_autoptr (TocsinStats) stats = NULL;

  tocsin_manager_set_throttle (f->manager, shared);
  add (f, "pc-a", NULL, TOCSIN_LEVEL_INFO, NULL);
  add (f, "pc-b", NULL, TOCSIN_LEVEL_INFO, NULL);
  g_assert_cmpuint (tocsin_manager_post (f->manager, info, NULL), ==, 1);
  g_assert_true (tocsin_manager_flush (f->manager, -1));
  stats = tocsin_manager_get_stats (f->manager);
  g_assert_cmpuint (tocsin_stats_get_sent (stats), ==, 1);
  g_assert_cmpuint (tocsin_stats_get_throttled (stats), ==, 1);
}

/* ---- Hung channels, timeouts, flush and shutdown ---------------------------------------- */

typedef struct {
  Fixture *f;
  Ctl *ctl;
  guint inside;
  gint64 advance;
} Advancer;

/* Once the gated channel is running @inside deliveries, moves the clock past its timeout. */
static gpointer
advance_when_inside (gpointer data)
{
  Advancer *a = data;

  ctl_wait_inside (a->ctl, a->inside);
  tocsin_clock_advance (a->f->clock, a->advance);
  return NULL;
}

static void
add_gated (Fixture *f, const char *key, double timeout, guint workers)
{
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new (key, "ctl");

  tocsin_channel_spec_add_setting (spec, "mode", "gate");
  tocsin_channel_spec_set_retry (spec, 1, 1, 1);
  tocsin_channel_spec_set_timeout (spec, timeout);
  tocsin_channel_spec_set_workers (spec, workers);
  g_assert_true (tocsin_manager_add_channel (f->manager, spec, NULL));
}

/* A gated channel (timeout 100 s) whose queue holds @size alerts, with the block policy (100 s
 * on the test's clock, which does not move unless told), then a healthy channel @ok_key. */
static void
add_gated_full_then_ok (Fixture *f, const char *key, guint size, const char *ok_key)
{
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new (key, "ctl");

  tocsin_channel_spec_add_setting (spec, "mode", "gate");
  tocsin_channel_spec_set_retry (spec, 1, 1, 1);
  tocsin_channel_spec_set_timeout (spec, 100);
  tocsin_channel_spec_set_queue (spec, size, TOCSIN_OVERFLOW_BLOCK, 100);
  g_assert_true (tocsin_manager_add_channel (f->manager, spec, NULL));
  add (f, ok_key, NULL, TOCSIN_LEVEL_INFO, NULL);
}

static void
test_hang_isolated (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (TocsinStats) stats = NULL;
  /* Past the 2 s timeout and the watchdog's 1 s grace, not past the send's deadline (4 s). */
  Advancer a = { f, NULL, 1, 3500 * G_TIME_SPAN_MILLISECOND };
  GThread *thread;

  add_gated (f, "hi-hang", 2, 1);
  add (f, "hi-ok", NULL, TOCSIN_LEVEL_INFO, NULL);
  a.ctl = ctl_lookup ("hi-hang");
  thread = g_thread_new ("advancer", advance_when_inside, &a);

  /* The blocking send returns: the hung channel is reported failed once its timeout passed on
   * the clock, and the other channel delivered meanwhile. */
  results = tocsin_manager_send (f->manager, info, NULL);
  g_thread_join (thread);
  g_assert_cmpuint (results->len, ==, 2);
  g_assert_false (tocsin_result_get_success (result_at (results, 0)));
  g_assert_nonnull (strstr (tocsin_result_get_error (result_at (results, 0)), "timed out after 2 s"));
  g_assert_true (tocsin_result_get_retryable (result_at (results, 0)));
  g_assert_true (tocsin_result_get_success (result_at (results, 1)));

  stats = tocsin_manager_get_stats (f->manager);
  g_assert_cmpuint (tocsin_stats_get_channel_failed (stats, 0), ==, 1);
  g_assert_cmpuint (tocsin_stats_get_channel_sent (stats, 1), ==, 1);
  ctl_open_gate (a.ctl);
}

static void
test_hang_other_keeps_delivering (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  Ctl *hang, *ok;

  add_gated (f, "hk-hang", 10, 1);
  add (f, "hk-ok", NULL, TOCSIN_LEVEL_INFO, NULL);
  hang = ctl_lookup ("hk-hang");
  ok = ctl_lookup ("hk-ok");
  for (int i = 0; i < 100; i++)
    tocsin_manager_post (f->manager, info, NULL);
  /* Every alert reaches the healthy channel while the other one is stuck on its first. */
  ctl_wait_delivered (ok, 100);
  g_assert_cmpuint (hang->delivered, ==, 0);
  g_assert_false (tocsin_manager_flush (f->manager, 0.01));
  ctl_open_gate (hang);
  g_assert_true (tocsin_manager_flush (f->manager, -1));
  g_assert_cmpuint (hang->delivered, ==, 100);
}

/* With several workers, the alerts a hung worker took along with its hung one are handed back
 * to the others once the watchdog reports it, instead of waiting behind it. */
static void
test_hang_batch_handed_back (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("hb", "ctl");
  g_autoptr (TocsinAlert) hold = alert ("hold", TOCSIN_LEVEL_INFO);
  g_autoptr (TocsinAlert) hang = alert ("hang", TOCSIN_LEVEL_INFO);
  g_autoptr (TocsinAlert) fast = alert ("fast", TOCSIN_LEVEL_INFO);
  Ctl *ctl;

  tocsin_channel_spec_add_setting (spec, "mode", "gate-titled");
  tocsin_channel_spec_set_retry (spec, 1, 1, 1);
  tocsin_channel_spec_set_timeout (spec, 2);
  tocsin_channel_spec_set_workers (spec, 4);
  g_assert_true (tocsin_manager_add_channel (f->manager, spec, NULL));
  ctl = ctl_lookup ("hb");
  /* Every worker busy, so that the rest is queued before any of them takes a batch. */
  for (int i = 0; i < 4; i++)
    tocsin_manager_post (f->manager, hold, NULL);
  ctl_wait_inside (ctl, 4);
  tocsin_manager_post (f->manager, hang, NULL);
  for (int i = 0; i < 40; i++)
    tocsin_manager_post (f->manager, fast, NULL);
  /* Freed, the first worker takes "hang" and its share of the rest (several alerts). */
  g_mutex_lock (&ctl->lock);
  ctl->hold_open = TRUE;
  g_cond_broadcast (&ctl->cond);
  g_mutex_unlock (&ctl->lock);
  g_mutex_lock (&ctl->lock);
  while (!ctl->hanging)
    g_cond_wait (&ctl->cond, &ctl->lock);
  g_mutex_unlock (&ctl->lock);
  /* Past the timeout and the watchdog's grace: reported failed, its batch handed back. */
  tocsin_clock_advance (f->clock, 3500 * G_TIME_SPAN_MILLISECOND);
  g_assert_true (ctl_wait_delivered_for (ctl, 4 + 40, 30));
  ctl_open_gate (ctl);
  g_assert_true (tocsin_manager_flush (f->manager, -1));
}

typedef struct {
  TocsinManager *manager;
  TocsinAlert *alert;
  guint queued;
} Poster;

static gpointer
post_thread (gpointer data)
{
  Poster *p = data;

  p->queued = tocsin_manager_post (p->manager, p->alert, NULL);
  return NULL;
}

/* A hung channel whose full queue makes the caller wait (overflow "block") gets the alert after
 * the other channels, so they are not held back while the caller waits for room. */
static void
test_hang_block_others_first (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  Poster p = { f->manager, info, 0 };
  Ctl *hang, *ok;
  GThread *thread;

  add_gated_full_then_ok (f, "bo-hang", 2, "bo-ok");
  hang = ctl_lookup ("bo-hang");
  ok = ctl_lookup ("bo-ok");
  /* The hung channel's queue is full (one delivery stuck, one waiting); the third post waits
   * for room there, on the test's clock, which does not move. */
  g_assert_cmpuint (tocsin_manager_post (f->manager, info, NULL), ==, 2);
  g_assert_cmpuint (tocsin_manager_post (f->manager, info, NULL), ==, 2);
  thread = g_thread_new ("poster", post_thread, &p);
  g_assert_true (ctl_wait_delivered_for (ok, 3, 30));
  g_assert_cmpuint (hang->delivered, ==, 0);
  ctl_open_gate (hang);
  g_thread_join (thread);
  g_assert_cmpuint (p.queued, ==, 2);
  g_assert_true (tocsin_manager_flush (f->manager, -1));
  g_assert_cmpuint (hang->delivered, ==, 3);
}

static gpointer
open_gate_thread (gpointer data)
{
  ctl_open_gate (data);
  return NULL;
}

static void
test_free_drains (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  Ctl *ctl;
  GThread *thread;

  add_gated (f, "fd-slow", 120, 2);
  ctl = ctl_lookup ("fd-slow");
  for (int i = 0; i < 500; i++)
    tocsin_manager_post (f->manager, info, NULL);
  /* Open the gate only once the shutdown is under way: freeing must wait for all 500. */
  thread = g_thread_new ("opener", open_gate_thread, ctl);
  tocsin_manager_unref (g_steal_pointer (&f->manager));
  g_thread_join (thread);
  g_assert_cmpuint (ctl->delivered, ==, 500);
  g_assert_true (ctl->destroyed);
}

static void
test_free_hung_channel (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  g_autofree char *log = NULL;
  Ctl *hang;

  add_gated (f, "fh-hang", 1, 1);
  add (f, "fh-ok", NULL, TOCSIN_LEVEL_INFO, NULL);
  hang = ctl_lookup ("fh-hang");
  for (int i = 0; i < 3; i++)
    tocsin_manager_post (f->manager, info, NULL);
  ctl_wait_inside (hang, 1);
  tocsin_clock_advance (f->clock, 5 * G_USEC_PER_SEC);

  /* Shutdown cannot wait forever on a hung worker: its queued alerts are reported failed. */
  tt_log_capture_start ();
  tocsin_manager_unref (g_steal_pointer (&f->manager));
  log = tt_log_capture_stop ();
  g_assert_nonnull (strstr (log, "channel 'fh-hang' is hung"));
  g_assert_nonnull (strstr (log, "2 queued alert(s) reported failed"));
  g_assert_cmpuint (ctl_lookup ("fh-ok")->delivered, ==, 3);
  g_assert_true (ctl_lookup ("fh-ok")->destroyed);
  /* The abandoned worker finishes when the plugin returns; the instance is destroyed then. */
  ctl_open_gate (hang);
  ctl_wait_destroyed (hang);
  g_assert_cmpuint (hang->delivered, ==, 1);
}

static void
test_flush_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  g_autoptr (TocsinStats) stats = NULL;
  Ctl *ctl;

  add_gated (f, "ft-gate", 120, 1);
  ctl = ctl_lookup ("ft-gate");
  for (int i = 0; i < 10; i++)
    tocsin_manager_post (f->manager, info, NULL);
  g_assert_false (tocsin_manager_flush (f->manager, 0));
  stats = tocsin_manager_get_stats (f->manager);
  g_assert_cmpuint (tocsin_stats_get_channel_queued (stats, 0), ==, 10);
  ctl_open_gate (ctl);
  g_assert_true (tocsin_manager_flush (f->manager, -1));
  g_clear_pointer (&stats, tocsin_stats_free);
  stats = tocsin_manager_get_stats (f->manager);
  g_assert_cmpuint (tocsin_stats_get_channel_queued (stats, 0), ==, 0);
  g_assert_cmpuint (tocsin_stats_get_channel_sent (stats, 0), ==, 10);
}

/* ---- Workers ----------------------------------------------------------------------------- */

static void
test_workers_parallel (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("hello", TOCSIN_LEVEL_INFO);
  Ctl *ctl;

  add_gated (f, "wp-par", 120, 4);
  g_assert_cmpuint (tocsin_channel_get_workers (tocsin_manager_get_channel (f->manager, 0)), ==, 4);
  ctl = ctl_lookup ("wp-par");
  for (int i = 0; i < 8; i++)
    tocsin_manager_post (f->manager, info, NULL);
  ctl_wait_inside (ctl, 4); /* four sends run at once; this would block forever with fewer */
  ctl_open_gate (ctl);
  g_assert_true (tocsin_manager_flush (f->manager, -1));
  g_assert_cmpuint (ctl->max_inside, ==, 4);
}

static void
test_workers_forced_to_one (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("w1-one", "ctl1");
  g_autofree char *log = NULL;

  tocsin_channel_spec_set_workers (spec, 4);
  tt_log_capture_start ();
  g_assert_true (tocsin_manager_add_channel (f->manager, spec, NULL));
  log = tt_log_capture_stop ();
  g_assert_cmpuint (tocsin_channel_get_workers (tocsin_manager_get_channel (f->manager, 0)), ==, 1);
  g_assert_nonnull (strstr (log, "not thread-safe; using 1 worker instead of 4"));
}

/* ---- Async ------------------------------------------------------------------------------- */

typedef struct {
  GMainLoop *loop;
  TocsinManager *manager;
  GPtrArray *results;
  GError *error;
  GThread *thread;
} AsyncData;

static void
on_sent (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AsyncData *d = user_data;

  d->thread = g_thread_self ();
  g_assert_null (source);
  d->results = tocsin_manager_send_finish (d->manager, res, &d->error);
  g_main_loop_quit (d->loop);
}

static void
test_async_results (Fixture *f, gconstpointer data)
{
  TocsinAlert *alerts[2] = { alert ("a", TOCSIN_LEVEL_INFO), alert ("b", TOCSIN_LEVEL_CRITICAL) };
  AsyncData d = { g_main_loop_new (NULL, FALSE), f->manager };

  add (f, "as-a", NULL, TOCSIN_LEVEL_INFO, NULL);
  add (f, "as-b", NULL, TOCSIN_LEVEL_CRITICAL, "fail");
  tocsin_manager_send_async (f->manager, alerts, 2, NULL, NULL, on_sent, &d);
  g_main_loop_run (d.loop);
  g_assert_no_error (d.error);
  g_assert_true (d.thread == g_thread_self ()); /* callback in the caller's main context */
  g_assert_cmpuint (d.results->len, ==, 3);
  g_assert_true (tocsin_result_get_success (result_at (d.results, 0)));
  g_assert_true (tocsin_result_get_success (result_at (d.results, 1)));
  g_assert_false (tocsin_result_get_success (result_at (d.results, 2)));
  g_ptr_array_unref (d.results);
  g_main_loop_unref (d.loop);
  tocsin_alert_unref (alerts[0]);
  tocsin_alert_unref (alerts[1]);
}

/* An async send returns at once even when a channel's full queue would make a caller wait
 * (overflow block, on a test clock that never reaches the block timeout): the alerts are queued
 * from a thread of tocsin's, and the callback still comes in the caller's main context. */
static void
test_async_full_queue (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("a", TOCSIN_LEVEL_INFO);
  AsyncData d = { g_main_loop_new (NULL, FALSE), f->manager };
  Ctl *hang, *ok;

  add_gated_full_then_ok (f, "af-hang", 1, "af-ok");
  hang = ctl_lookup ("af-hang");
  ok = ctl_lookup ("af-ok");
  g_assert_cmpuint (tocsin_manager_post (f->manager, info, NULL), ==, 2);
  ctl_wait_inside (hang, 1);
  tocsin_manager_send_async (f->manager, &info, 1, NULL, NULL, on_sent, &d);
  /* Returned: the healthy channel gets the alert while the other's queue is still full. */
  g_assert_true (ctl_wait_delivered_for (ok, 2, 30));
  g_assert_null (d.results);
  ctl_open_gate (hang);
  g_main_loop_run (d.loop);
  g_assert_no_error (d.error);
  g_assert_true (d.thread == g_thread_self ());
  g_assert_cmpuint (d.results->len, ==, 2);
  g_assert_true (tocsin_result_get_success (result_at (d.results, 0)));
  g_assert_true (tocsin_result_get_success (result_at (d.results, 1)));
  g_ptr_array_unref (d.results);
  g_main_loop_unref (d.loop);
}

static void
test_async_empty (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("a", TOCSIN_LEVEL_INFO);
  AsyncData d = { g_main_loop_new (NULL, FALSE), f->manager };
  g_autofree char *log = NULL;

  tt_log_capture_start ();
  tocsin_manager_send_async (f->manager, &info, 1, NULL, NULL, on_sent, &d);
  g_main_loop_run (d.loop);
  log = tt_log_capture_stop ();
  g_assert_no_error (d.error);
  g_assert_cmpuint (d.results->len, ==, 0);
  g_ptr_array_unref (d.results);
  g_main_loop_unref (d.loop);
}

static void
test_async_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) info = alert ("a", TOCSIN_LEVEL_INFO);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  AsyncData d = { g_main_loop_new (NULL, FALSE), f->manager };
  Ctl *ctl;

  add_gated (f, "ac-gate", 120, 1);
  ctl = ctl_lookup ("ac-gate");
  tocsin_manager_send_async (f->manager, &info, 1, NULL, cancellable, on_sent, &d);
  ctl_wait_inside (ctl, 1);
  g_cancellable_cancel (cancellable);
  g_main_loop_run (d.loop);
  /* The call finished while the delivery is still blocked. */
  g_assert_error (d.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (d.results);
  g_assert_cmpuint (ctl->delivered, ==, 0);
  ctl_open_gate (ctl);
  g_assert_true (tocsin_manager_flush (f->manager, -1));
  g_clear_error (&d.error);
  g_main_loop_unref (d.loop);
}

/* ---- Adding channels --------------------------------------------------------------------- */

static void
test_add_duplicate (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinChannelSpec) same_key = tocsin_channel_spec_new ("ad-a", "ctl");
  g_autoptr (TocsinChannelSpec) alias_is_key = tocsin_channel_spec_new ("ad-c", "ctl");
  g_autoptr (TocsinChannelSpec) key_is_alias = tocsin_channel_spec_new ("ad-alias", "ctl");
  g_autoptr (GError) error = NULL;

  add (f, "ad-a", "ad-alias", TOCSIN_LEVEL_INFO, NULL);
  g_assert_false (tocsin_manager_add_channel (f->manager, same_key, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_DUPLICATE_KEY);
  g_clear_error (&error);
  tocsin_channel_spec_set_alias (alias_is_key, "ad-a");
  g_assert_false (tocsin_manager_add_channel (f->manager, alias_is_key, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_DUPLICATE_KEY);
  g_assert_nonnull (strstr (error->message, "alias 'ad-a' is already used by channel 'ad-a'"));
  g_clear_error (&error);
  g_assert_false (tocsin_manager_add_channel (f->manager, key_is_alias, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_DUPLICATE_KEY);
  g_assert_cmpuint (tocsin_manager_get_n_channels (f->manager), ==, 1);
}

static void
test_add_unknown_type (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("ut-x", "no-such-type");
  g_autoptr (GError) error = NULL;

  g_assert_false (tocsin_manager_add_channel (f->manager, spec, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_UNKNOWN_TYPE);
  g_assert_nonnull (strstr (error->message, "unknown type 'no-such-type'"));
  g_assert_nonnull (strstr (error->message, "ctl")); /* lists the known types */
}

static void
test_add_create_fails (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("cf-x", "ctl");
  g_autoptr (GError) error = NULL;

  tocsin_channel_spec_add_setting (spec, "fail-create", "true");
  g_assert_false (tocsin_manager_add_channel (f->manager, spec, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "channel 'cf-x' (type ctl)"));
  g_assert_nonnull (strstr (error->message, "ctl refuses to start"));
  g_assert_cmpuint (tocsin_manager_get_n_channels (f->manager), ==, 0);
}

static void
test_add_unknown_setting (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("us-x", "ctl");
  g_autoptr (GError) error = NULL;

  tocsin_channel_spec_add_setting (spec, "colour", "red");
  g_assert_false (tocsin_manager_add_channel (f->manager, spec, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_UNKNOWN_SETTING);
  g_assert_nonnull (strstr (error->message, "colour"));
}

/* ---- Concurrency ------------------------------------------------------------------------- */

static gpointer
post_many (gpointer data)
{
  TocsinManager *manager = data;

  for (int i = 0; i < 2000; i++)
    {
      g_autoptr (TocsinAlert) a = alert ("x", i % 2 ? TOCSIN_LEVEL_CRITICAL : TOCSIN_LEVEL_INFO);
      if (i % 10 == 0)
        g_ptr_array_unref (tocsin_manager_send (manager, a, NULL));
      else
        tocsin_manager_post (manager, a, NULL);
    }
  return NULL;
}

static void
test_concurrent_senders (Fixture *f, gconstpointer data)
{
  GThread *threads[4];
  g_autoptr (TocsinStats) stats = NULL;

  add_gated (f, "cs-a", 120, 3);
  add (f, "cs-b", NULL, TOCSIN_LEVEL_CRITICAL, NULL);
  ctl_open_gate (ctl_lookup ("cs-a"));
  for (int i = 0; i < 4; i++)
    threads[i] = g_thread_new ("sender", post_many, f->manager);
  for (int i = 0; i < 4; i++)
    g_thread_join (threads[i]);
  g_assert_true (tocsin_manager_flush (f->manager, -1));
  stats = tocsin_manager_get_stats (f->manager);
  g_assert_cmpuint (tocsin_stats_get_channel_sent (stats, 0), ==, 8000);
  g_assert_cmpuint (tocsin_stats_get_channel_sent (stats, 1), ==, 4000);
}

int
main (int argc, char **argv)
{
  tt_init (&argc, &argv);
  g_assert_true (tocsin_register_channel_class (&ctl_class, NULL));
  g_assert_true (tocsin_register_channel_class (&ctl1_class, NULL));

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/manager/broadcast/level-filter", test_broadcast_level_filter);
  ADD ("/manager/broadcast/none-match", test_broadcast_none_match);
  ADD ("/manager/target/lookup-bypasses-level", test_target_lookup);
  ADD ("/manager/target/key-before-type", test_target_key_before_alias);
  ADD ("/manager/target/unknown", test_target_unknown);
  ADD ("/manager/send/no-channels", test_send_no_channels);
  ADD ("/manager/send/many-flat", test_send_many_flat);
  ADD ("/manager/result/fields", test_result_fields);
  ADD ("/manager/result/failure-log-redacted", test_failure_log_redacted);
  ADD ("/manager/stats/counts", test_stats_counts);
  ADD ("/manager/throttle/own", test_throttle_own);
  ADD ("/manager/throttle/shared", test_throttle_shared);
  ADD ("/manager/post/counts-queued", test_post_counts_queued);
  ADD ("/manager/hang/timeout-reported", test_hang_isolated);
  ADD ("/manager/hang/others-keep-delivering", test_hang_other_keeps_delivering);
  ADD ("/manager/hang/batch-handed-back", test_hang_batch_handed_back);
  ADD ("/manager/hang/block-others-first", test_hang_block_others_first);
  ADD ("/manager/shutdown/drains", test_free_drains);
  ADD ("/manager/shutdown/hung-channel", test_free_hung_channel);
  ADD ("/manager/flush/timeout", test_flush_timeout);
  ADD ("/manager/workers/parallel", test_workers_parallel);
  ADD ("/manager/workers/forced-to-one", test_workers_forced_to_one);
  ADD ("/manager/async/full-queue", test_async_full_queue);
  ADD ("/manager/async/results", test_async_results);
  ADD ("/manager/async/empty", test_async_empty);
  ADD ("/manager/async/cancel", test_async_cancel);
  ADD ("/manager/add/duplicate", test_add_duplicate);
  ADD ("/manager/add/unknown-type", test_add_unknown_type);
  ADD ("/manager/add/create-fails", test_add_create_fails);
  ADD ("/manager/add/unknown-setting", test_add_unknown_setting);
  ADD ("/manager/concurrency/senders", test_concurrent_senders);
#undef ADD
  return g_test_run ();
}
