/* test-spool.c: the durable spool (/spool/...): what the manager writes through the private
 * functions comes back whole, in order, across a close and reopen; dead letters are retried and
 * purged; the file is private; concurrent writers leave it consistent; files it cannot use are
 * refused with a clear error.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"
#include "spool-private.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#define TITLE_UTF8 "Disque plein \342\200\224 r\303\251plique \360\237\224\245"
#define BODY_UTF8 "/var \303\240 91 %\nligne 2 \"cit\303\251e\" \\ fin"

typedef struct {
  char *dir;
  char *path;
  TocsinSpool *spool;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = tt_make_tmpdir ();
  f->path = g_build_filename (f->dir, "spool.db", NULL);
  f->spool = tocsin_spool_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->spool);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  tocsin_spool_close (f->spool);
  tt_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

/* ---- helpers -------------------------------------------------------------------------------- */

/* An alert with every field set: UTF-8 text, microseconds, the timestamp flag and labels that
 * need escaping in JSON. @n makes the title and a label differ between alerts. (transfer full) */
static TocsinAlert *
make_full_alert (int n)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new (TITLE_UTF8);
  g_autofree char *index = g_strdup_printf ("%d", n);

  tocsin_alert_builder_set_body (builder, BODY_UTF8);
  tocsin_alert_builder_set_level (builder, TOCSIN_LEVEL_CRITICAL);
  tocsin_alert_builder_set_time (builder, TT_ALERT_TIME + n);
  tocsin_alert_builder_set_timestamp (builder, TRUE);
  tocsin_alert_builder_add_label (builder, "service", "pg \"main\" \\ \303\251t\303\251");
  tocsin_alert_builder_add_label (builder, "n", index);
  return tocsin_alert_builder_build (builder);
}

static void
add_ok (Fixture *f, TocsinAlert *alert, const char *const *channels)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (priv_tocsin_spool_add (f->spool, alert, channels, &error));
  g_assert_no_error (error);
}

static void
assert_same_label (const char *key, const char *value, gpointer user_data)
{
  g_assert_cmpstr (tocsin_alert_get_label (user_data, key), ==, value);
}

static void
assert_same_alert (TocsinAlert *got, TocsinAlert *expected)
{
  g_assert_cmpstr (tocsin_alert_get_id (got), ==, tocsin_alert_get_id (expected));
  g_assert_cmpstr (tocsin_alert_get_title (got), ==, tocsin_alert_get_title (expected));
  g_assert_cmpstr (tocsin_alert_get_body (got), ==, tocsin_alert_get_body (expected));
  g_assert_cmpint (tocsin_alert_get_level (got), ==, tocsin_alert_get_level (expected));
  g_assert_cmpint (tocsin_alert_get_time (got), ==, tocsin_alert_get_time (expected));
  g_assert_cmpint (tocsin_alert_get_timestamp (got), ==, tocsin_alert_get_timestamp (expected));
  g_assert_cmpuint (tocsin_alert_get_n_labels (got), ==, tocsin_alert_get_n_labels (expected));
  tocsin_alert_foreach_label (expected, assert_same_label, got);
}

typedef struct {
  TocsinAlert *alert;
  char *channel;
  TocsinSpoolState state;
  guint attempts;
  char *last_error;
  gint64 updated;
} Seen;

static void
seen_clear (gpointer data)
{
  Seen *seen = data;

  tocsin_alert_unref (seen->alert);
  g_free (seen->channel);
  g_free (seen->last_error);
}

static GArray *
seen_array_new (void)
{
  GArray *array = g_array_new (FALSE, TRUE, sizeof (Seen));

  g_array_set_clear_func (array, seen_clear);
  return array;
}

static void
collect_entry (TocsinAlert *alert, const char *channel, TocsinSpoolState state, guint attempts,
               const char *last_error, gint64 updated, gpointer user_data)
{
  Seen seen = { tocsin_alert_ref (alert), g_strdup (channel), state, attempts,
                g_strdup (last_error), updated };

  g_array_append_val (user_data, seen);
}

static void
collect_pending (TocsinAlert *alert, const char *channel, guint attempts, gpointer user_data)
{
  collect_entry (alert, channel, TOCSIN_SPOOL_PENDING, attempts, NULL, 0, user_data);
}

/* Every delivery of the spool (tocsin_spool_foreach), in its order. (transfer full) */
static GArray *
read_all (TocsinSpool *spool)
{
  g_autoptr (GError) error = NULL;
  GArray *seen = seen_array_new ();

  g_assert_true (tocsin_spool_foreach (spool, collect_entry, seen, &error));
  g_assert_no_error (error);
  return seen;
}

/* The pending deliveries (priv_tocsin_spool_foreach_pending), in order. (transfer full) */
static GArray *
read_pending (TocsinSpool *spool)
{
  g_autoptr (GError) error = NULL;
  GArray *seen = seen_array_new ();

  g_assert_true (priv_tocsin_spool_foreach_pending (spool, collect_pending, seen, &error));
  g_assert_no_error (error);
  return seen;
}

/* One line per delivery, "TITLE-LABEL-n CHANNEL STATE ATTEMPTS ERROR", to compare spools whole.
 * (transfer full) */
static char *
describe (TocsinSpool *spool)
{
  g_autoptr (GArray) seen = read_all (spool);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < seen->len; i++)
    {
      Seen *s = &g_array_index (seen, Seen, i);

      g_string_append_printf (text, "%s %s %s %u %s\n", tocsin_alert_get_label (s->alert, "n"),
                              s->channel, s->state == TOCSIN_SPOOL_DEAD ? "dead" : "pending",
                              s->attempts, s->last_error ? s->last_error : "-");
    }
  return g_string_free (text, FALSE);
}

static void
assert_spool_is (TocsinSpool *spool, const char *expected)
{
  g_autofree char *text = describe (spool);

  g_assert_cmpstr (text, ==, expected);
}

/* Three alerts (n = 0, 1, 2), each to channels a and b. */
static void
add_three (Fixture *f, TocsinAlert **alerts)
{
  static const char *const channels[] = { "a", "b", NULL };

  for (int i = 0; i < 3; i++)
    {
      alerts[i] = make_full_alert (i);
      add_ok (f, alerts[i], channels);
    }
}

static void
free_three (TocsinAlert **alerts)
{
  for (int i = 0; i < 3; i++)
    tocsin_alert_unref (alerts[i]);
}

/* Runs @sql on the spool's file through a connection of the test's own. */
static void
exec_raw (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

/* ---- tests ---------------------------------------------------------------------------------- */

/* What goes in comes back identical, oldest alert first, channels in the order given. */
static void
test_roundtrip (Fixture *f, gconstpointer data)
{
  TocsinAlert *alerts[3];
  g_autoptr (GArray) pending = NULL;
  g_autoptr (GArray) all = NULL;

  add_three (f, alerts);
  pending = read_pending (f->spool);
  all = read_all (f->spool);
  g_assert_cmpuint (pending->len, ==, 6);
  g_assert_cmpuint (all->len, ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      Seen *p = &g_array_index (pending, Seen, i);
      Seen *a = &g_array_index (all, Seen, i);

      assert_same_alert (p->alert, alerts[i / 2]);
      assert_same_alert (a->alert, alerts[i / 2]);
      g_assert_cmpstr (p->channel, ==, i % 2 ? "b" : "a");
      g_assert_cmpstr (a->channel, ==, p->channel);
      g_assert_cmpuint (p->attempts, ==, 0);
      g_assert_cmpint (a->state, ==, TOCSIN_SPOOL_PENDING);
      g_assert_null (a->last_error);
      g_assert_cmpint (a->updated, >, 0);
    }
  free_three (alerts);
}

/* An alert without labels, body or timestamp comes back so too. */
static void
test_plain_alert (Fixture *f, gconstpointer data)
{
  static const char *const channels[] = { "a", NULL };
  g_autoptr (TocsinAlert) alert = tt_make_alert ("t", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (GArray) pending = NULL;

  add_ok (f, alert, channels);
  pending = read_pending (f->spool);
  g_assert_cmpuint (pending->len, ==, 1);
  assert_same_alert (g_array_index (pending, Seen, 0).alert, alert);
}

static void
test_delivered (Fixture *f, gconstpointer data)
{
  static const char *const channel_c[] = { "c", NULL };
  TocsinAlert *alerts[3];
  const char *id0;

  add_three (f, alerts);
  id0 = tocsin_alert_get_id (alerts[0]);
  priv_tocsin_spool_delivered (f->spool, id0, "a");
  assert_spool_is (f->spool, "0 b pending 0 -\n1 a pending 0 -\n1 b pending 0 -\n"
                             "2 a pending 0 -\n2 b pending 0 -\n");
  priv_tocsin_spool_delivered (f->spool, id0, "b");
  priv_tocsin_spool_delivered (f->spool, id0, "b"); /* twice: nothing left to remove */
  priv_tocsin_spool_delivered (f->spool, "no-such-id", "a");
  assert_spool_is (f->spool, "1 a pending 0 -\n1 b pending 0 -\n2 a pending 0 -\n"
                             "2 b pending 0 -\n");
  /* The alert itself went with its last delivery: added again, it is new, and the newest. */
  add_ok (f, alerts[0], channel_c);
  assert_spool_is (f->spool, "1 a pending 0 -\n1 b pending 0 -\n2 a pending 0 -\n2 b pending 0 -\n"
                             "0 c pending 0 -\n");
  for (int i = 0; i < 3; i++)
    {
      priv_tocsin_spool_delivered (f->spool, tocsin_alert_get_id (alerts[i]), "a");
      priv_tocsin_spool_delivered (f->spool, tocsin_alert_get_id (alerts[i]), "b");
      priv_tocsin_spool_delivered (f->spool, tocsin_alert_get_id (alerts[i]), "c");
    }
  assert_spool_is (f->spool, "");
  free_three (alerts);
}

static void
test_attempted (Fixture *f, gconstpointer data)
{
  TocsinAlert *alerts[3];
  g_autoptr (GArray) before = NULL;
  g_autoptr (GArray) after = NULL;

  add_three (f, alerts);
  before = read_all (f->spool);
  priv_tocsin_spool_attempted (f->spool, tocsin_alert_get_id (alerts[1]), "b", 3);
  priv_tocsin_spool_attempted (f->spool, "no-such-id", "b", 7);
  assert_spool_is (f->spool, "0 a pending 0 -\n0 b pending 0 -\n1 a pending 0 -\n"
                             "1 b pending 3 -\n2 a pending 0 -\n2 b pending 0 -\n");
  after = read_all (f->spool);
  g_assert_cmpint (g_array_index (after, Seen, 3).updated, >=,
                   g_array_index (before, Seen, 3).updated);
  free_three (alerts);
}

/* A dead letter keeps its error and attempts, is listed, and is not re-queued. */
static void
test_dead_letter (Fixture *f, gconstpointer data)
{
  TocsinAlert *alerts[3];
  g_autoptr (GArray) pending = NULL;

  add_three (f, alerts);
  priv_tocsin_spool_dead (f->spool, tocsin_alert_get_id (alerts[0]), "a", 5,
                          "HTTP 500: \"boom\" \303\251chec");
  priv_tocsin_spool_dead (f->spool, tocsin_alert_get_id (alerts[2]), "b", 2, NULL);
  assert_spool_is (f->spool, "0 a dead 5 HTTP 500: \"boom\" \303\251chec\n0 b pending 0 -\n"
                             "1 a pending 0 -\n1 b pending 0 -\n2 a pending 0 -\n2 b dead 2 -\n");
  pending = read_pending (f->spool);
  g_assert_cmpuint (pending->len, ==, 4);
  for (guint i = 0; i < pending->len; i++)
    {
      Seen *s = &g_array_index (pending, Seen, i);

      const char *n = tocsin_alert_get_label (s->alert, "n");

      g_assert_false (g_str_equal (n, "0") && g_str_equal (s->channel, "a"));
      g_assert_false (g_str_equal (n, "2") && g_str_equal (s->channel, "b"));
    }
  free_three (alerts);
}

/* Dead letters of a (alert 0) and b (alerts 1 and 2). */
static void
add_dead_letters (Fixture *f, TocsinAlert **alerts)
{
  add_three (f, alerts);
  priv_tocsin_spool_dead (f->spool, tocsin_alert_get_id (alerts[0]), "a", 4, "e0");
  priv_tocsin_spool_dead (f->spool, tocsin_alert_get_id (alerts[1]), "b", 4, "e1");
  priv_tocsin_spool_dead (f->spool, tocsin_alert_get_id (alerts[2]), "b", 4, "e2");
}

static void
test_retry_all (Fixture *f, gconstpointer data)
{
  TocsinAlert *alerts[3];
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pending = NULL;

  add_dead_letters (f, alerts);
  g_assert_cmpint (tocsin_spool_retry (f->spool, NULL, &error), ==, 3);
  g_assert_no_error (error);
  /* Pending again with no attempt made; the last error still says what went wrong. */
  assert_spool_is (f->spool, "0 a pending 0 e0\n0 b pending 0 -\n1 a pending 0 -\n"
                             "1 b pending 0 e1\n2 a pending 0 -\n2 b pending 0 e2\n");
  pending = read_pending (f->spool);
  g_assert_cmpuint (pending->len, ==, 6);
  g_assert_cmpint (tocsin_spool_retry (f->spool, NULL, &error), ==, 0);
  free_three (alerts);
}

static void
test_retry_one_channel (Fixture *f, gconstpointer data)
{
  TocsinAlert *alerts[3];
  g_autoptr (GError) error = NULL;

  add_dead_letters (f, alerts);
  g_assert_cmpint (tocsin_spool_retry (f->spool, "b", &error), ==, 2);
  g_assert_no_error (error);
  g_assert_cmpint (tocsin_spool_retry (f->spool, "nope", &error), ==, 0);
  assert_spool_is (f->spool, "0 a dead 4 e0\n0 b pending 0 -\n1 a pending 0 -\n"
                             "1 b pending 0 e1\n2 a pending 0 -\n2 b pending 0 e2\n");
  free_three (alerts);
}

static void
test_purge_dead_only (Fixture *f, gconstpointer data)
{
  TocsinAlert *alerts[3];
  g_autoptr (GError) error = NULL;

  add_dead_letters (f, alerts);
  g_assert_cmpint (tocsin_spool_purge (f->spool, NULL, FALSE, &error), ==, 3);
  g_assert_no_error (error);
  assert_spool_is (f->spool, "0 b pending 0 -\n1 a pending 0 -\n2 a pending 0 -\n");
  g_assert_cmpint (tocsin_spool_purge (f->spool, NULL, FALSE, &error), ==, 0);
  free_three (alerts);
}

static void
test_purge_pending_too (Fixture *f, gconstpointer data)
{
  static const char *const channel_a[] = { "a", NULL };
  TocsinAlert *alerts[3];
  g_autoptr (GError) error = NULL;

  add_dead_letters (f, alerts);
  g_assert_cmpint (tocsin_spool_purge (f->spool, NULL, TRUE, &error), ==, 6);
  g_assert_no_error (error);
  assert_spool_is (f->spool, "");
  /* The alerts went too: the same id is accepted anew. */
  add_ok (f, alerts[1], channel_a);
  assert_spool_is (f->spool, "1 a pending 0 -\n");
  free_three (alerts);
}

static void
test_purge_one_channel (Fixture *f, gconstpointer data)
{
  TocsinAlert *alerts[3];
  g_autoptr (GError) error = NULL;

  add_dead_letters (f, alerts);
  g_assert_cmpint (tocsin_spool_purge (f->spool, "a", FALSE, &error), ==, 1);
  assert_spool_is (f->spool, "0 b pending 0 -\n1 a pending 0 -\n1 b dead 4 e1\n"
                             "2 a pending 0 -\n2 b dead 4 e2\n");
  g_assert_cmpint (tocsin_spool_purge (f->spool, "b", TRUE, &error), ==, 3);
  g_assert_no_error (error);
  assert_spool_is (f->spool, "1 a pending 0 -\n2 a pending 0 -\n");
  free_three (alerts);
}

static void
test_forget (Fixture *f, gconstpointer data)
{
  TocsinAlert *alerts[3];

  add_three (f, alerts);
  priv_tocsin_spool_forget (f->spool, tocsin_alert_get_id (alerts[1]), "a");
  priv_tocsin_spool_forget (f->spool, tocsin_alert_get_id (alerts[1]), "b");
  priv_tocsin_spool_forget (f->spool, tocsin_alert_get_id (alerts[2]), "a");
  assert_spool_is (f->spool, "0 a pending 0 -\n0 b pending 0 -\n2 b pending 0 -\n");
  free_three (alerts);
}

/* An alert accepted again under the same id (the application sent it twice): the alert row
 * stays as first stored; a channel it is pending on keeps its row and attempts, a channel new
 * to it gets a row, and a dead letter becomes pending again, its attempts reset. */
static void
test_same_id_again (Fixture *f, gconstpointer data)
{
  static const char *const channels_ac[] = { "a", "c", NULL };
  static const char *const channel_a[] = { "a", NULL };
  TocsinAlert *alerts[3];
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("other title");
  g_autoptr (TocsinAlert) same_id = NULL;

  add_three (f, alerts);
  priv_tocsin_spool_attempted (f->spool, tocsin_alert_get_id (alerts[0]), "a", 2);
  priv_tocsin_spool_delivered (f->spool, tocsin_alert_get_id (alerts[0]), "b");
  priv_tocsin_spool_dead (f->spool, tocsin_alert_get_id (alerts[1]), "a", 3, "boom");
  tocsin_alert_builder_set_id (builder, tocsin_alert_get_id (alerts[0]));
  same_id = tocsin_alert_builder_build (builder);
  add_ok (f, same_id, channels_ac);
  add_ok (f, alerts[0], channels_ac);
  add_ok (f, alerts[1], channel_a);
  assert_spool_is (f->spool, "0 a pending 2 -\n0 c pending 0 -\n1 a pending 0 boom\n"
                             "1 b pending 0 -\n2 a pending 0 -\n2 b pending 0 -\n");
  free_three (alerts);
}

/* Closed and opened again (a new process would do the same): the same content, alerts whole. */
static void
test_reopen (Fixture *f, gconstpointer data)
{
  TocsinAlert *alerts[3];
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr (GArray) all = NULL;

  add_dead_letters (f, alerts);
  priv_tocsin_spool_attempted (f->spool, tocsin_alert_get_id (alerts[1]), "a", 2);
  before = describe (f->spool);
  tocsin_spool_close (f->spool);
  f->spool = tocsin_spool_open (f->path, &error);
  g_assert_no_error (error);
  after = describe (f->spool);
  g_assert_cmpstr (after, ==, before);
  all = read_all (f->spool);
  for (guint i = 0; i < all->len; i++)
    assert_same_alert (g_array_index (all, Seen, i).alert, alerts[i / 2]);
  g_assert_cmpstr (priv_tocsin_spool_get_path (f->spool), ==, f->path);
  free_three (alerts);
}

static void
assert_mode_0600 (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
}

/* Created private even under a umask that would let everyone read it; the WAL too. */
static void
test_file_mode (Fixture *f, gconstpointer data)
{
  static const char *const channels[] = { "a", NULL };
  g_autofree char *path = g_build_filename (f->dir, "private.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr (TocsinAlert) alert = make_full_alert (0);
  g_autoptr (GError) error = NULL;
  TocsinSpool *spool;
  mode_t old_umask = umask (0);

  spool = tocsin_spool_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (priv_tocsin_spool_add (spool, alert, channels, &error));
  assert_mode_0600 (path);
  assert_mode_0600 (wal);
  tocsin_spool_close (spool);
  umask (old_umask);
  assert_mode_0600 (path);
}

static void
test_not_a_database (Fixture *f, gconstpointer data)
{
  g_autofree char *path = tt_write_file (f->dir, "notes.txt",
                                         "These are notes, not an SQLite database. They go on "
                                         "for a while, longer than a database header is.\n");
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;

  g_assert_null (tocsin_spool_open (path, &error));
  tt_assert_error (error, TOCSIN_ERROR_IO, path, "not a database", NULL);
  /* Refused, and left as it was. */
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "These are notes"));
}

static void
test_missing_folder (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "no-such-folder", "spool.db", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_null (tocsin_spool_open (path, &error));
  tt_assert_error (error, TOCSIN_ERROR_IO, path, "cannot open", "No such file", NULL);
}

/* A file of a later tocsin (a newer schema) is not touched. */
static void
test_newer_schema (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "newer.db", NULL);
  g_autoptr (GError) error = NULL;

  exec_raw (path, "CREATE TABLE future (x); PRAGMA user_version = 2");
  g_assert_null (tocsin_spool_open (path, &error));
  tt_assert_error (error, TOCSIN_ERROR_IO, path, "schema version 2", "newer", NULL);
}

/* A write that fails is logged (file and SQLite's message) and changes nothing; an add that
 * fails reports it, and leaves no part of the alert behind. The failure is a trigger added
 * through another connection. */
static void
test_write_failure (Fixture *f, gconstpointer data)
{
  static const char *const channels[] = { "a", "bad", NULL };
  TocsinAlert *alerts[3];
  g_autoptr (TocsinAlert) alert = make_full_alert (7);
  g_autoptr (GError) error = NULL;
  g_autofree char *log = NULL;

  add_three (f, alerts);
  exec_raw (f->path,
            "CREATE TRIGGER no_dead BEFORE UPDATE OF state ON deliveries"
            " BEGIN SELECT RAISE (ABORT, 'injected failure'); END;"
            "CREATE TRIGGER no_bad BEFORE INSERT ON deliveries WHEN NEW.channel = 'bad'"
            " BEGIN SELECT RAISE (ABORT, 'bad channel'); END;");
  tt_log_capture_start ();
  priv_tocsin_spool_dead (f->spool, tocsin_alert_get_id (alerts[0]), "a", 3, "x");
  log = tt_log_capture_stop ();
  tt_assert_contains (log, "WARNING [a] spool ");
  tt_assert_contains (log, f->path);
  tt_assert_contains (log, "injected failure");
  g_assert_false (priv_tocsin_spool_add (f->spool, alert, channels, &error));
  tt_assert_error (error, TOCSIN_ERROR_IO, f->path, "bad channel", NULL);
  assert_spool_is (f->spool, "0 a pending 0 -\n0 b pending 0 -\n1 a pending 0 -\n"
                             "1 b pending 0 -\n2 a pending 0 -\n2 b pending 0 -\n");
  free_three (alerts);
}

/* ---- /spool/concurrent-writers -------------------------------------------------------------- */

#define N_THREADS 4
#define N_PER_THREAD 500

typedef struct {
  TocsinSpool *spool;
  int thread;
} Writer;

/* Each alert goes to a and b; a is delivered at once, b after an attempt only for odd alerts. */
static gpointer
writer_thread (gpointer data)
{
  static const char *const channels[] = { "a", "b", NULL };
  Writer *writer = data;

  for (int i = 0; i < N_PER_THREAD; i++)
    {
      g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("concurrent");
      g_autoptr (TocsinAlert) alert = NULL;
      g_autofree char *thread = g_strdup_printf ("%d", writer->thread);
      g_autofree char *index = g_strdup_printf ("%d", i);
      g_autoptr (GError) error = NULL;

      tocsin_alert_builder_add_label (builder, "thread", thread);
      tocsin_alert_builder_add_label (builder, "i", index);
      alert = tocsin_alert_builder_build (builder);
      g_assert_true (priv_tocsin_spool_add (writer->spool, alert, channels, &error));
      priv_tocsin_spool_delivered (writer->spool, tocsin_alert_get_id (alert), "a");
      if (i % 2 == 0)
        priv_tocsin_spool_delivered (writer->spool, tocsin_alert_get_id (alert), "b");
      else
        priv_tocsin_spool_attempted (writer->spool, tocsin_alert_get_id (alert), "b", 1);
    }
  return NULL;
}

static void
test_concurrent_writers (Fixture *f, gconstpointer data)
{
  Writer writers[N_THREADS];
  GThread *threads[N_THREADS];
  g_autoptr (GArray) pending = NULL;
  int next[N_THREADS] = { 0 };

  for (int t = 0; t < N_THREADS; t++)
    {
      writers[t] = (Writer) { f->spool, t };
      threads[t] = g_thread_new ("writer", writer_thread, &writers[t]);
    }
  for (int t = 0; t < N_THREADS; t++)
    g_thread_join (threads[t]);
  /* Left: b of every odd alert, one attempt each, each thread's in the order it added them. */
  pending = read_pending (f->spool);
  g_assert_cmpuint (pending->len, ==, N_THREADS * N_PER_THREAD / 2);
  for (guint k = 0; k < pending->len; k++)
    {
      Seen *s = &g_array_index (pending, Seen, k);
      int t = atoi (tocsin_alert_get_label (s->alert, "thread"));

      g_assert_cmpstr (s->channel, ==, "b");
      g_assert_cmpuint (s->attempts, ==, 1);
      g_assert_cmpint (atoi (tocsin_alert_get_label (s->alert, "i")), ==, 2 * next[t] + 1);
      next[t]++;
    }
  for (int t = 0; t < N_THREADS; t++)
    g_assert_cmpint (next[t], ==, N_PER_THREAD / 2);
}

/* ---- through a manager ----------------------------------------------------------------------- */

/* A manager on the fixture's spool file (the fixture's own connection stays open beside it, as
 * `tocsin spool list` would be): channel "ok" delivers, "bad" (2 attempts) and "worse" (3)
 * fail every attempt. */
static TocsinManager *
spooled_manager (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = g_strdup_printf (
    "<tocsin version=\"1\">\n"
    "  <spool path=\"%s\"/>\n"
    "  <defaults backoff-min=\"0.001\" backoff-max=\"0.002\"/>\n"
    "  <channel key=\"ok\" type=\"noop\"/>\n"
    "  <channel key=\"bad\" type=\"noop\" max-attempts=\"2\"><fail>true</fail></channel>\n"
    "  <channel key=\"worse\" type=\"noop\" max-attempts=\"3\"><fail>true</fail></channel>\n"
    "</tocsin>\n", f->path);
  g_autofree char *config = tt_write_file (f->dir, "tocsin.xml", xml);
  TocsinManager *manager = tocsin_manager_new_from_file (config, &error);

  g_assert_no_error (error);
  return manager;
}

/* The application sends the same alert (one id) again, to other channels, while the spool still
 * holds it (here as a dead letter): each new delivery is spooled too, so a final failure is kept
 * as a dead letter and a crash would not lose it. */
static void
test_manager_same_alert_again (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = spooled_manager (f);
  g_autoptr (TocsinAlert) alert = make_full_alert (7);
  g_autoptr (GPtrArray) first = NULL, second = NULL, third = NULL;

  first = tocsin_manager_send (manager, alert, "bad");
  g_assert_false (tocsin_result_get_success (g_ptr_array_index (first, 0)));
  assert_spool_is (f->spool, "7 bad dead 2 noop: configured to fail\n");
  second = tocsin_manager_send (manager, alert, "ok");
  g_assert_true (tocsin_result_get_success (g_ptr_array_index (second, 0)));
  third = tocsin_manager_send (manager, alert, "worse");
  g_assert_false (tocsin_result_get_success (g_ptr_array_index (third, 0)));
  assert_spool_is (f->spool, "7 bad dead 2 noop: configured to fail\n"
                             "7 worse dead 3 noop: configured to fail\n");
}

/* At start, every pending delivery the spool holds is queued again, beyond the channel's
 * queue-size: a backlog is not an overflow (with drop-newest it would die as dead letters). */
static void
test_manager_backlog_beyond_queue (Fixture *f, gconstpointer data)
{
  static const char *const channels[] = { "ok", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinStats) stats = NULL;
  g_autofree char *xml = g_strdup_printf (
    "<tocsin version=\"1\">\n"
    "  <spool path=\"%s\"/>\n"
    "  <channel key=\"ok\" type=\"noop\" queue-size=\"2\" overflow=\"drop-newest\"/>\n"
    "</tocsin>\n", f->path);
  g_autofree char *config = tt_write_file (f->dir, "tocsin.xml", xml);

  for (int i = 0; i < 5; i++)
    {
      g_autoptr (TocsinAlert) alert = make_full_alert (i);
      add_ok (f, alert, channels);
    }
  manager = tocsin_manager_new_from_file (config, &error);
  g_assert_no_error (error);
  g_assert_true (tocsin_manager_flush (manager, 30.0));
  stats = tocsin_manager_get_stats (manager);
  g_assert_cmpuint (tocsin_stats_get_sent (stats), ==, 5);
  g_assert_cmpuint (tocsin_stats_get_dropped (stats), ==, 0);
  assert_spool_is (f->spool, "");
}

int
main (int argc, char **argv)
{
  tt_init (&argc, &argv);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/spool/roundtrip", test_roundtrip);
  ADD ("/spool/plain-alert", test_plain_alert);
  ADD ("/spool/delivered", test_delivered);
  ADD ("/spool/attempted", test_attempted);
  ADD ("/spool/dead-letter", test_dead_letter);
  ADD ("/spool/retry/all", test_retry_all);
  ADD ("/spool/retry/one-channel", test_retry_one_channel);
  ADD ("/spool/purge/dead-only", test_purge_dead_only);
  ADD ("/spool/purge/pending-too", test_purge_pending_too);
  ADD ("/spool/purge/one-channel", test_purge_one_channel);
  ADD ("/spool/forget", test_forget);
  ADD ("/spool/same-id-again", test_same_id_again);
  ADD ("/spool/reopen", test_reopen);
  ADD ("/spool/file-mode", test_file_mode);
  ADD ("/spool/not-a-database", test_not_a_database);
  ADD ("/spool/missing-folder", test_missing_folder);
  ADD ("/spool/newer-schema", test_newer_schema);
  ADD ("/spool/write-failure", test_write_failure);
  ADD ("/spool/concurrent-writers", test_concurrent_writers);
  ADD ("/spool/manager/same-alert-again", test_manager_same_alert_again);
  ADD ("/spool/manager/backlog-beyond-queue", test_manager_backlog_beyond_queue);
#undef ADD
  return g_test_run ();
}
