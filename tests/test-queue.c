/* test-queue.c: bounded channel queues and their overflow policies (block, drop-newest,
 * drop-oldest), the dropped count and its log lines. A gated channel holds its worker, so the
 * queue fills deterministically; the block timeout runs on a manual clock.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <tocsin/tocsin-plugin.h>
#include <string.h>

/* ---- "gated": each send waits until the test opens the gate ----------------------------------- */

typedef struct {
  GMutex lock;
  GCond cond;
  gboolean open;
  guint inside;       /* sends waiting at the gate */
  GPtrArray *titles;  /* (element-type utf8) delivered, in order */
} Gate;

static Gate gate;

static gpointer
gated_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  return &gate;
}

static gboolean
gated_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  g_mutex_lock (&gate.lock);
  gate.inside++;
  g_cond_broadcast (&gate.cond);
  while (!gate.open)
    g_cond_wait (&gate.cond, &gate.lock);
  gate.inside--;
  g_ptr_array_add (gate.titles, g_strdup (tocsin_alert_get_title (alert)));
  g_mutex_unlock (&gate.lock);
  return TRUE;
}

static void
gated_destroy (gpointer instance)
{
}

static const TocsinSettingSpec no_settings[] = { { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } } };

static const TocsinChannelClass gated_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .type_name = "gated",
  .description = "waits at a gate the test opens (test-queue)",
  .settings = no_settings,
  .create = gated_create,
  .send = gated_send,
  .destroy = gated_destroy,
};

static void
wait_inside (void)
{
  g_mutex_lock (&gate.lock);
  while (gate.inside == 0)
    g_cond_wait (&gate.cond, &gate.lock);
  g_mutex_unlock (&gate.lock);
}

static void
open_gate (void)
{
  g_mutex_lock (&gate.lock);
  gate.open = TRUE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
}

/* ---- fixture ---------------------------------------------------------------------------------- */

typedef struct {
  TocsinClock *clock;
  TocsinManager *manager;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->clock = tocsin_clock_new_manual (0);
  f->manager = tocsin_manager_new_with_clock (f->clock);
  gate.open = FALSE;
  gate.inside = 0;
  gate.titles = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  open_gate ();
  g_clear_pointer (&f->manager, tocsin_manager_unref);
  g_clear_pointer (&gate.titles, g_ptr_array_unref);
  tocsin_clock_unref (f->clock);
}

static void
add_gated (Fixture *f, guint size, TocsinOverflow overflow, double block_timeout)
{
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("q", "gated");

  tocsin_channel_spec_set_queue (spec, size, overflow, block_timeout);
  g_assert_true (tocsin_manager_add_channel (f->manager, spec, NULL));
}

static void
post (Fixture *f, const char *title)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert (title, NULL, TOCSIN_LEVEL_INFO, FALSE);

  tocsin_manager_post (f->manager, alert, NULL);
}

/* Posts "a" (held at the gate), then "b" .. "e" into a queue of 2. */
static void
fill (Fixture *f)
{
  post (f, "a");
  wait_inside ();
  post (f, "b");
  post (f, "c");
  post (f, "d");
  post (f, "e");
}

static void
assert_delivered (const char *const *titles)
{
  g_assert_cmpuint (gate.titles->len, ==, g_strv_length ((char **) titles));
  for (guint i = 0; titles[i] != NULL; i++)
    g_assert_cmpstr (gate.titles->pdata[i], ==, titles[i]);
}

static guint64
dropped (Fixture *f)
{
  g_autoptr (TocsinStats) stats = tocsin_manager_get_stats (f->manager);

  return tocsin_stats_get_dropped (stats);
}

/* ---- tests ------------------------------------------------------------------------------------ */

/* drop-newest: what does not fit is dropped; one warning when the burst starts, the count when
 * the queue has room again. */
static void
test_drop_newest (Fixture *f, gconstpointer data)
{
  g_autofree char *log = NULL;

  add_gated (f, 2, TOCSIN_OVERFLOW_DROP_NEWEST, 0);
  tt_log_capture_start ();
  fill (f);
  g_assert_cmpuint (dropped (f), ==, 3);
  open_gate ();
  g_assert_true (tocsin_manager_flush (f->manager, 10));
  log = tt_log_capture_stop ();
  assert_delivered ((const char *const[]) { "a", "b", NULL });
  g_assert_cmpuint (dropped (f), ==, 3);
  tt_assert_contains (log, "channel 'q': queue full (queue-size 2): dropping alerts (drop-newest)");
  tt_assert_contains (log, "channel 'q': 3 alert(s) dropped while its queue was full (queue-size 2)");
  /* Once per burst, not once per alert. */
  g_assert_null (strstr (strstr (log, "queue full") + 1, "queue full"));
}

/* drop-oldest: the oldest waiting alert makes room (never the one being sent). */
static void
test_drop_oldest (Fixture *f, gconstpointer data)
{
  add_gated (f, 2, TOCSIN_OVERFLOW_DROP_OLDEST, 0);
  fill (f);
  g_assert_cmpuint (dropped (f), ==, 3);
  open_gate ();
  g_assert_true (tocsin_manager_flush (f->manager, 10));
  assert_delivered ((const char *const[]) { "a", "e", NULL });
}

typedef struct {
  Fixture *f;
  GPtrArray *results;
} Sender;

static gpointer
send_thread (gpointer data)
{
  Sender *s = data;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("blocked", NULL, TOCSIN_LEVEL_INFO, FALSE);

  s->results = tocsin_manager_send (s->f->manager, alert, NULL);
  return NULL;
}

/* block: a caller waits for room and gets in when the queue drains. */
static void
test_block_until_room (Fixture *f, gconstpointer data)
{
  Sender sender = { f, NULL };
  GThread *thread;

  add_gated (f, 2, TOCSIN_OVERFLOW_BLOCK, 60);
  post (f, "a");
  wait_inside ();
  post (f, "b");
  thread = g_thread_new ("sender", send_thread, &sender);
  open_gate ();
  g_thread_join (thread);
  tt_assert_success (sender.results->pdata[0]);
  g_assert_cmpuint (dropped (f), ==, 0);
  assert_delivered ((const char *const[]) { "a", "b", "blocked", NULL });
  g_ptr_array_unref (sender.results);
}

/* block: after block-timeout (on the manager's clock) the new alert is dropped, and its result
 * says why. */
static void
test_block_timeout (Fixture *f, gconstpointer data)
{
  Sender sender = { f, NULL };
  GThread *thread;

  add_gated (f, 2, TOCSIN_OVERFLOW_BLOCK, 5);
  post (f, "a");
  wait_inside ();
  post (f, "b");
  thread = g_thread_new ("sender", send_thread, &sender);
  /* Once the sender waits for room on the clock, five seconds pass. */
  while (tocsin_clock_get_n_sleepers (f->clock) == 0)
    g_thread_yield ();
  tocsin_clock_advance (f->clock, 5 * G_USEC_PER_SEC);
  g_thread_join (thread);
  tt_assert_failed_with (sender.results->pdata[0],
                         "dropped: the queue of channel 'q' is full (queue-size 2, overflow block)",
                         TRUE);
  g_assert_cmpuint (dropped (f), ==, 1);
  open_gate ();
  g_assert_true (tocsin_manager_flush (f->manager, 10));
  assert_delivered ((const char *const[]) { "a", "b", NULL });
  g_ptr_array_unref (sender.results);
}

/* A blocking send of several alerts gets a result for each, dropped ones included. */
static void
test_send_many_results (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) alerts = tt_alert_array_new ();
  g_autoptr (GPtrArray) results = NULL;

  add_gated (f, 2, TOCSIN_OVERFLOW_DROP_NEWEST, 0);
  post (f, "a");
  wait_inside ();
  for (int i = 0; i < 3; i++)
    g_ptr_array_add (alerts, tt_make_alert ("many", NULL, TOCSIN_LEVEL_INFO, FALSE));
  open_gate ();
  results = tocsin_manager_send_many (f->manager, (TocsinAlert *const *) alerts->pdata,
                                      alerts->len, NULL);
  g_assert_cmpuint (results->len, ==, 3);
  /* The gate is open now, so the queue drains while the batch is queued: at least the first
   * fits, and every result is either delivered or dropped with the reason. */
  tt_assert_success (results->pdata[0]);
  for (guint i = 1; i < results->len; i++)
    if (!tocsin_result_get_success (results->pdata[i]))
      tt_assert_failed_with (results->pdata[i], "dropped: the queue of channel 'q' is full", TRUE);
}

/* The config: <defaults> and channel attributes; clamping; a bad overflow is refused. */
static void
test_config (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = tt_make_tmpdir ();
  g_autofree char *path = tt_write_file (
    dir, "tocsin.xml",
    "<tocsin version=\"1\">\n"
    "  <defaults queue-size=\"50\" overflow=\"drop-oldest\"/>\n"
    "  <channel key=\"a\" type=\"gated\"/>\n"
    "  <channel key=\"b\" type=\"gated\" queue-size=\"0\" overflow=\"block\" block-timeout=\"2\"/>\n"
    "</tocsin>\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinManager) manager = NULL;
  g_autofree char *log = NULL;
  g_autofree char *message = NULL;

  tt_log_capture_start ();
  manager = tocsin_manager_new_from_file (path, &error);
  log = tt_log_capture_stop ();
  g_assert_no_error (error);
  tt_assert_contains (log, "tocsin.xml:4: channel 'b': queue-size 0 is outside the limits [1, 10000000]; using 1");
  g_clear_pointer (&manager, tocsin_manager_unref);

  message = tt_load_config_fails (dir, NULL, "key=\"c\" type=\"gated\" overflow=\"drop-random\"", "",
                                  TOCSIN_ERROR_CONFIG_INVALID, "tocsin.xml:3: ",
                                  "block, drop-newest or drop-oldest", NULL);
  tt_rm_rf (dir);
}

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;

  tt_init (&argc, &argv);
  g_mutex_init (&gate.lock);
  g_cond_init (&gate.cond);
  if (!tocsin_register_channel_class (&gated_class, &error))
    g_error ("%s", error->message);

  ADD ("/queue/drop-newest", test_drop_newest);
  ADD ("/queue/drop-oldest", test_drop_oldest);
  ADD ("/queue/block/until-room", test_block_until_room);
  ADD ("/queue/block/timeout", test_block_timeout);
  ADD ("/queue/send-many-results", test_send_many_results);
  ADD ("/queue/config", test_config);
  return g_test_run ();
}
