/* test-plugins.c: the console, file and noop channel plugins, loaded through config files the
 * way an application loads them (the plugins come from TOCSIN_PLUGIN_PATH).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE /* posix_openpt() and friends */

#include "testutil.h"

#include <json-glib/json-glib.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* The first setting of the channel in every config written by tt_write_config() without a
 * preamble is on this line. */
#define FIRST_SETTING_LINE ":4: "

/* The fixture's dir is a fresh folder holding tocsin.xml and whatever the channels write. */
typedef TtDirFixture Fixture;

/* ---- helpers ----------------------------------------------------------------------------- */

static TocsinManager *
load_ok (const char *dir, const char *channel_attrs, const char *settings)
{
  return tt_load_config_ok (dir, NULL, channel_attrs, settings);
}

static void
assert_load_fails (const char *dir, const char *channel_attrs, const char *settings, int code,
                   const char *where, const char *what)
{
  g_free (tt_load_config_fails (dir, NULL, channel_attrs, settings, code, where, what, NULL));
}

/* The lines of a JSON Lines file, which must end with a newline. (transfer full) */
static GStrv
read_lines (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  char **lines;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 0);
  g_assert_cmpint (contents[length - 1], ==, '\n');
  contents[length - 1] = '\0';
  lines = g_strsplit (contents, "\n", -1);
  return lines;
}

/* ---- file -------------------------------------------------------------------------------- */

static void
test_file_line_keys (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"log\" type=\"file\"",
                                               "    <path>alerts.jsonl</path>\n");
  const char *body = "/var is at 91%\n\"quoted\"\ttab \\ slash, ünïcode ✓";
  g_autoptr (TocsinAlert) alert = tt_make_labelled_alert ("Disk almost full", body);
  g_autoptr (JsonObject) object = NULL;
  g_autoptr (GDateTime) parsed = NULL;
  g_autofree char *path = g_build_filename (f->dir, "alerts.jsonl", NULL);
  g_auto (GStrv) lines = NULL;
  JsonObject *labels;

  tt_send_ok (manager, alert);

  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  object = tt_parse_json_object (lines[0]);
  g_assert_cmpuint (json_object_get_size (object), ==, 7);

  g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}"
                                       "(Z|[+-]\\d\\d:\\d\\d)$",
                                       json_object_get_string_member (object, "time"), 0, 0));
  parsed = g_date_time_new_from_iso8601 (json_object_get_string_member (object, "time"), NULL);
  g_assert_nonnull (parsed);
  g_assert_cmpint (tt_date_time_to_usec (parsed), ==, TT_ALERT_TIME);

  g_assert_cmpint (json_object_get_int_member (object, "level"), ==, 20);
  g_assert_cmpstr (json_object_get_string_member (object, "level_name"), ==, "warning");
  g_assert_cmpstr (json_object_get_string_member (object, "title"), ==, "Disk almost full");
  g_assert_cmpstr (json_object_get_string_member (object, "body"), ==, body);
  g_assert_cmpstr (json_object_get_string_member (object, "channel"), ==, "log");
  labels = json_object_get_object_member (object, "labels");
  g_assert_nonnull (labels);
  g_assert_cmpuint (json_object_get_size (labels), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (labels, "host"), ==, "db1");
  g_assert_cmpstr (json_object_get_string_member (labels, "service"), ==, "pg \"main\"");
}

static void
test_file_line_levels (Fixture *f, gconstpointer data)
{
  static const struct { TocsinLevel level; const char *name; } levels[] = {
    { TOCSIN_LEVEL_INFO, "info" },
    { TOCSIN_LEVEL_SUCCESS, "success" },
    { TOCSIN_LEVEL_WARNING, "warning" },
    { TOCSIN_LEVEL_CRITICAL, "critical" },
  };
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"log\" type=\"file\"",
                                               "    <path>alerts.jsonl</path>\n");
  g_autofree char *path = g_build_filename (f->dir, "alerts.jsonl", NULL);
  g_auto (GStrv) lines = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      g_autoptr (TocsinAlert) alert = tt_make_alert ("Level", NULL, levels[i].level, FALSE);
      tt_send_ok (manager, alert);
    }
  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (levels));
  for (gsize i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      g_autoptr (JsonObject) object = tt_parse_json_object (lines[i]);

      g_assert_cmpint (json_object_get_int_member (object, "level"), ==, levels[i].level);
      g_assert_cmpstr (json_object_get_string_member (object, "level_name"), ==, levels[i].name);
      g_assert_cmpstr (json_object_get_string_member (object, "body"), ==, "");
      g_assert_cmpuint (json_object_get_size (json_object_get_object_member (object, "labels")),
                        ==, 0);
    }
}

static void
test_file_line_timestamp (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"log\" type=\"file\"",
                                               "    <path>alerts.jsonl</path>\n");
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Backup done", "", TOCSIN_LEVEL_SUCCESS, TRUE);
  g_autoptr (GDateTime) local = g_date_time_new_from_unix_local (TT_ALERT_TIME / G_USEC_PER_SEC);
  g_autofree char *prefix = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
  g_autofree char *expected = g_strdup_printf ("%s ::: Backup done", prefix);
  g_autofree char *path = g_build_filename (f->dir, "alerts.jsonl", NULL);
  g_autofree char *formatted = tocsin_alert_dup_formatted_title (alert);
  g_auto (GStrv) lines = NULL;
  g_autoptr (JsonObject) object = NULL;

  tt_send_ok (manager, alert);
  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  object = tt_parse_json_object (lines[0]);
  g_assert_cmpstr (json_object_get_string_member (object, "title"), ==, expected);
  g_assert_cmpstr (formatted, ==, expected);
}

static void
test_file_create_mode (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = NULL;
  g_autofree char *path = g_build_filename (f->dir, "alerts.jsonl", NULL);
  struct stat st;
  mode_t old_umask;

  /* With no umask to help, only the mode the plugin asks for protects the file. */
  old_umask = umask (0);
  manager = load_ok (f->dir, "key=\"log\" type=\"file\"", "    <path>alerts.jsonl</path>\n");
  umask (old_umask);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
}

static void
test_file_create_append_existing (Fixture *f, gconstpointer data)
{
  g_autofree char *path = tt_write_file (f->dir, "alerts.jsonl", "{\"old\":true}\n");
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"log\" type=\"file\"",
                                               "    <path>alerts.jsonl</path>\n");
  g_autoptr (TocsinAlert) alert = tt_make_alert ("New", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_auto (GStrv) lines = NULL;
  g_autoptr (JsonObject) object = NULL;

  tt_send_ok (manager, alert);
  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_cmpstr (lines[0], ==, "{\"old\":true}");
  object = tt_parse_json_object (lines[1]);
  g_assert_cmpstr (json_object_get_string_member (object, "title"), ==, "New");
}

static void
test_file_create_relative_path (Fixture *f, gconstpointer data)
{
  g_autofree char *sub = g_build_filename (f->dir, "logs", NULL);
  g_autofree char *path = g_build_filename (sub, "relative-alerts.jsonl", NULL);
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Relative", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_auto (GStrv) lines = NULL;

  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  /* The working directory is not the config's folder, so a wrong base shows. */
  g_assert_false (g_file_test ("logs", G_FILE_TEST_EXISTS));
  manager = load_ok (f->dir, "key=\"log\" type=\"file\"",
                     "    <path>logs/relative-alerts.jsonl</path>\n");
  tt_send_ok (manager, alert);
  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
}

static void
test_file_create_unwritable (Fixture *f, gconstpointer data)
{
  /* Running as root makes permission bits no obstacle; a missing folder always is. */
  assert_load_fails (f->dir, "key=\"log\" type=\"file\"",
                     "    <path>missing-folder/alerts.jsonl</path>\n", TOCSIN_ERROR_IO,
                     "tocsin.xml" FIRST_SETTING_LINE, "missing-folder/alerts.jsonl");
  assert_load_fails (f->dir, "key=\"log\" type=\"file\"",
                     "    <path>missing-folder/alerts.jsonl</path>\n", TOCSIN_ERROR_IO,
                     "'log'", g_strerror (ENOENT));
  assert_load_fails (f->dir, "key=\"log\" type=\"file\"", "    <path>.</path>\n",
                     TOCSIN_ERROR_IO, "tocsin.xml" FIRST_SETTING_LINE, g_strerror (EISDIR));
}

static void
test_file_setting_missing_path (Fixture *f, gconstpointer data)
{
  assert_load_fails (f->dir, "key=\"log\" type=\"file\"", "    <fsync>true</fsync>\n",
                     TOCSIN_ERROR_MISSING_SETTING, "tocsin.xml:3: ", "path");
}

static void
test_file_setting_invalid_fsync (Fixture *f, gconstpointer data)
{
  assert_load_fails (f->dir, "key=\"log\" type=\"file\"",
                     "    <fsync>sometimes</fsync>\n    <path>alerts.jsonl</path>\n",
                     TOCSIN_ERROR_INVALID_VALUE, "tocsin.xml" FIRST_SETTING_LINE, "fsync");
}

static void
test_file_fsync_enabled (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"log\" type=\"file\"",
                                               "    <path>alerts.jsonl</path>\n"
                                               "    <fsync>true</fsync>\n");
  g_autofree char *path = g_build_filename (f->dir, "alerts.jsonl", NULL);
  g_auto (GStrv) lines = NULL;

  for (int i = 0; i < 3; i++)
    {
      g_autoptr (TocsinAlert) alert = tt_make_alert ("Synced", "body", TOCSIN_LEVEL_CRITICAL,
                                                     FALSE);
      tt_send_ok (manager, alert);
    }
  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  for (int i = 0; i < 3; i++)
    {
      g_autoptr (JsonObject) object = tt_parse_json_object (lines[i]);
      g_assert_cmpstr (json_object_get_string_member (object, "title"), ==, "Synced");
    }
}

#define MANY_ALERTS 2000

/* Bodies from 1 byte to ~16 KiB, so that a line is often larger than a page or a pipe buffer. */
static char *
many_body (guint i)
{
  return g_strnfill ((i * 7919) % 16384 + 1, (char) ('a' + i % 26));
}

/* Sends @n alerts "alert <i>" with many_body (i) at @level in one batch; returns the results
 * (transfer full). */
static GPtrArray *
send_many_bodies (TocsinManager *manager, guint n, TocsinLevel level)
{
  g_autoptr (GPtrArray) alerts = tt_alert_array_new ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *title = g_strdup_printf ("alert %u", i);
      g_autofree char *body = many_body (i);

      g_ptr_array_add (alerts, tt_make_alert (title, body, level, FALSE));
    }
  return tocsin_manager_send_many (manager, (TocsinAlert *const *) alerts->pdata, alerts->len,
                                   NULL);
}

static void
test_file_workers_no_interleave (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"log\" type=\"file\" workers=\"4\"",
                                               "    <path>alerts.jsonl</path>\n");
  g_autofree char *path = g_build_filename (f->dir, "alerts.jsonl", NULL);
  g_autoptr (GPtrArray) results = send_many_bodies (manager, MANY_ALERTS, TOCSIN_LEVEL_INFO);
  g_autofree gboolean *seen = g_new0 (gboolean, MANY_ALERTS);
  g_auto (GStrv) lines = NULL;

  g_assert_cmpuint (results->len, ==, MANY_ALERTS);
  for (guint i = 0; i < results->len; i++)
    g_assert_true (tocsin_result_get_success (g_ptr_array_index (results, i)));

  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, MANY_ALERTS);
  for (guint i = 0; i < MANY_ALERTS; i++)
    {
      g_autoptr (JsonObject) object = tt_parse_json_object (lines[i]);
      const char *title = json_object_get_string_member (object, "title");
      g_autofree char *body = NULL;
      guint64 n = 0;

      g_assert_true (g_str_has_prefix (title, "alert "));
      g_assert_true (g_ascii_string_to_unsigned (title + 6, 10, 0, MANY_ALERTS - 1, &n, NULL));
      g_assert_false (seen[n]);
      seen[n] = TRUE;
      body = many_body ((guint) n);
      g_assert_cmpstr (json_object_get_string_member (object, "body"), ==, body);
    }
}

static void
test_file_write_enospc (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Lost", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;
  g_autoptr (TocsinStats) stats = NULL;

  if (!g_file_test ("/dev/full", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /dev/full");
      return;
    }
  manager = load_ok (f->dir, "key=\"log\" type=\"file\"", "    <path>/dev/full</path>\n");
  result = tt_send_one (manager, alert);
  tt_assert_failed_with (result, "/dev/full", TRUE);
  tt_assert_failed_with (result, g_strerror (ENOSPC), TRUE);
  stats = tocsin_manager_get_stats (manager);
  g_assert_cmpuint (tocsin_stats_get_failed (stats), ==, 1);
  g_assert_cmpuint (tocsin_stats_get_sent (stats), ==, 0);
}

/* A write cut short (here by RLIMIT_FSIZE) leaves a fragment; the next line must start on a
 * line of its own so that only the alert that failed is lost. */
static void
test_file_write_torn_line (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "alerts.jsonl", NULL);
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) small = tt_make_alert ("first", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autofree char *big_body = g_strnfill (4096, 'x');
  g_autoptr (TocsinAlert) big = tt_make_alert ("torn", big_body, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinAlert) last = tt_make_alert ("last", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (JsonObject) first_object = NULL;
  g_autoptr (JsonObject) last_object = NULL;
  struct rlimit old_limit, limit;

  /* The file size limit applies to the whole process: keep it in a child. */
  if (!tt_in_subprocess ())
    return;

  manager = load_ok (f->dir, "key=\"log\" type=\"file\"", "    <path>alerts.jsonl</path>\n");
  tt_send_ok (manager, small);

  signal (SIGXFSZ, SIG_IGN); /* else exceeding the limit kills the process */
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
  limit = old_limit;
  limit.rlim_cur = 2048;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  result = tt_send_one (manager, big);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
  tt_assert_failed_with (result, g_strerror (EFBIG), FALSE);

  tt_send_ok (manager, last);
  lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  first_object = tt_parse_json_object (lines[0]);
  g_assert_cmpstr (json_object_get_string_member (first_object, "title"), ==, "first");
  g_assert_true (g_str_has_prefix (lines[1], "{\"time\":"));
  last_object = tt_parse_json_object (lines[2]);
  g_assert_cmpstr (json_object_get_string_member (last_object, "title"), ==, "last");
}

static void
test_file_rotate_reopen (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "alerts.jsonl", NULL);
  g_autofree char *rotated = g_build_filename (f->dir, "alerts.jsonl.1", NULL);
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"log\" type=\"file\"",
                                               "    <path>alerts.jsonl</path>\n");
  g_autoptr (TocsinAlert) before = tt_make_alert ("before", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinAlert) after = tt_make_alert ("after", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinAlert) removed = tt_make_alert ("removed", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_auto (GStrv) old_lines = NULL;
  g_auto (GStrv) new_lines = NULL;
  g_auto (GStrv) again_lines = NULL;
  g_autoptr (JsonObject) object = NULL;
  struct stat st;

  tt_send_ok (manager, before);
  g_assert_cmpint (g_rename (path, rotated), ==, 0);
  tt_send_ok (manager, after);

  old_lines = read_lines (rotated);
  g_assert_cmpuint (g_strv_length (old_lines), ==, 1);
  new_lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (new_lines), ==, 1);
  object = tt_parse_json_object (new_lines[0]);
  g_assert_cmpstr (json_object_get_string_member (object, "title"), ==, "after");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);

  /* Removed outright: created again. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  tt_send_ok (manager, removed);
  again_lines = read_lines (path);
  g_assert_cmpuint (g_strv_length (again_lines), ==, 1);
}

/* A symbolic link at the path is refused, whether it points to a file or nowhere: whoever can
 * put one there must not be able to send the alerts elsewhere. */
static void
test_file_create_symlink_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *target = tt_write_file (f->dir, "real.jsonl", "");
  g_autofree char *link = g_build_filename (f->dir, "alerts.jsonl", NULL);
  g_autofree char *dangling = g_build_filename (f->dir, "dangling.jsonl", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.jsonl", NULL);
  g_autofree char *message = NULL;
  g_autofree char *contents = NULL;

  g_assert_cmpint (symlink ("real.jsonl", link), ==, 0);
  g_assert_cmpint (symlink ("missing.jsonl", dangling), ==, 0);
  message = tt_load_config_fails (f->dir, NULL, "key=\"log\" type=\"file\"",
                                  "    <path>alerts.jsonl</path>\n", TOCSIN_ERROR_IO,
                                  "tocsin.xml" FIRST_SETTING_LINE, "'log'", link,
                                  "symbolic link", "<path>", NULL);
  g_free (tt_load_config_fails (f->dir, NULL, "key=\"log\" type=\"file\"",
                                "    <path>dangling.jsonl</path>\n", TOCSIN_ERROR_IO,
                                "tocsin.xml" FIRST_SETTING_LINE, "symbolic link", NULL));
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (target, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "");
}

/* An existing file others may read is used, with one warning; a private one without. */
static void
test_file_create_readable_by_others (Fixture *f, gconstpointer data)
{
  g_autofree char *shared = tt_write_file (f->dir, "shared.jsonl", "");
  g_autofree char *private = tt_write_file (f->dir, "private.jsonl", "");
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinManager) manager = NULL;
  g_autofree char *shared_log = NULL;
  g_autofree char *private_log = NULL;
  g_auto (GStrv) lines = NULL;

  g_assert_cmpint (g_chmod (shared, 0644), ==, 0);
  g_assert_cmpint (g_chmod (private, 0600), ==, 0);
  tt_log_capture_start ();
  manager = load_ok (f->dir, "key=\"log\" type=\"file\"", "    <path>shared.jsonl</path>\n");
  tt_send_ok (manager, alert);
  tt_send_ok (manager, alert);
  g_clear_pointer (&manager, tocsin_manager_unref);
  shared_log = tt_log_capture_stop ();
  g_test_message ("log:\n%s", shared_log);
  tt_assert_contains (shared_log, "WARNING [log] file: '");
  tt_assert_contains (shared_log, "shared.jsonl' can be read or written by other users "
                                  "(mode 0644)");
  /* Once, not per line. */
  g_assert_true (strstr (shared_log, "other users") == g_strrstr (shared_log, "other users"));
  lines = read_lines (shared);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);

  tt_log_capture_start ();
  manager = load_ok (f->dir, "key=\"log\" type=\"file\"", "    <path>private.jsonl</path>\n");
  tt_send_ok (manager, alert);
  g_clear_pointer (&manager, tocsin_manager_unref);
  private_log = tt_log_capture_stop ();
  tt_assert_not_contains (private_log, "other users");
}

/* A symbolic link put at the path after a rotation is not followed: lines keep going to the
 * moved file, with a warning, and the link's target stays untouched. */
static void
test_file_rotate_symlink_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "alerts.jsonl", NULL);
  g_autofree char *rotated = g_build_filename (f->dir, "alerts.jsonl.1", NULL);
  g_autofree char *target = tt_write_file (f->dir, "elsewhere.jsonl", "");
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"log\" type=\"file\"",
                                               "    <path>alerts.jsonl</path>\n");
  g_autoptr (TocsinAlert) before = tt_make_alert ("before", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinAlert) after = tt_make_alert ("after", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autofree char *log = NULL;
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;

  tt_send_ok (manager, before);
  g_assert_cmpint (g_rename (path, rotated), ==, 0);
  g_assert_cmpint (symlink ("elsewhere.jsonl", path), ==, 0);
  tt_log_capture_start ();
  tt_send_ok (manager, after);
  log = tt_log_capture_stop ();
  g_test_message ("log:\n%s", log);
  tt_assert_contains (log, "symbolic link");
  g_assert_true (g_file_get_contents (target, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "");
  lines = read_lines (rotated);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
}

/* Reads what is in the pipe @fd (non-blocking) without waiting for more (transfer full). */
static GString *
drain_pipe (int fd)
{
  GString *data = g_string_new (NULL);
  char buffer[16384];
  gssize n;

  while ((n = read (fd, buffer, sizeof buffer)) > 0)
    g_string_append_len (data, buffer, n);
  g_assert_true (n < 0 && errno == EAGAIN);
  return data;
}

/* An alert larger than a pipe's buffer (64 KiB) to a FIFO whose reader opened it but does not
 * read: the send gives up after the channel's 1 s timeout with a retryable error, instead of
 * blocking the worker; once the reader catches up, the next line starts on a line of its own. */
static void
test_file_write_fifo_timeout (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "alerts.fifo", NULL);
  g_autofree char *big_body = g_strnfill (256 * 1024, 'x');
  g_autoptr (TocsinAlert) big = tt_make_alert ("big", big_body, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinAlert) next = tt_make_alert ("next", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinResult) result = NULL;
  g_autoptr (GString) fragment = NULL;
  g_autoptr (GString) after = NULL;
  g_autoptr (JsonObject) object = NULL;
  gint64 start, elapsed;
  int reader;

  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  reader = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  g_assert_cmpint (reader, >=, 0);
  manager = load_ok (f->dir, "key=\"log\" type=\"file\" timeout=\"1\" max-attempts=\"1\"",
                     "    <path>alerts.fifo</path>\n");

  start = g_get_monotonic_time ();
  result = tt_send_one (manager, big);
  elapsed = g_get_monotonic_time () - start;
  tt_assert_failed_with (result, "file: cannot append to '", TRUE);
  tt_assert_failed_with (result, g_strerror (ETIMEDOUT), TRUE);
  g_assert_cmpint (elapsed, >=, G_USEC_PER_SEC * 9 / 10);
  g_assert_cmpint (elapsed, <, G_USEC_PER_SEC * 19 / 10);

  fragment = drain_pipe (reader);
  g_assert_cmpuint (fragment->len, >, 0);
  g_assert_cmpuint (fragment->len, <, strlen (big_body));
  tt_send_ok (manager, next);
  after = drain_pipe (reader);
  g_assert_true (g_str_has_prefix (after->str, "\n{"));
  g_assert_true (g_str_has_suffix (after->str, "}\n"));
  g_string_truncate (after, after->len - 1);
  object = tt_parse_json_object (after->str + 1);
  g_assert_cmpstr (json_object_get_string_member (object, "title"), ==, "next");
  g_clear_pointer (&manager, tocsin_manager_unref);
  close (reader);
}

/* ---- console ----------------------------------------------------------------------------- */

/* In the child: loads a console channel with @settings and sends @alert, which must succeed. */
static void
console_send_in_child (Fixture *f, const char *settings, TocsinAlert *alert)
{
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"term\" type=\"console\"", settings);

  tt_send_ok (manager, alert);
}

/* Sends @alert through a console channel with @settings in a child process, which must pass.
 * TRUE in the child, which the caller leaves at once; FALSE in the parent, which then checks
 * what the child printed. */
static gboolean
console_sent_in_child (Fixture *f, const char *settings, TocsinAlert *alert)
{
  if (!tt_in_subprocess ())
    return FALSE;
  console_send_in_child (f, settings, alert);
  return TRUE;
}

/* One alert through a console channel in a child, and what the child must print: patterns for
 * g_test_trap_assert_stdout() and friends, each nullable. */
typedef struct {
  const char *settings;
  const char *title;
  const char *body;
  TocsinLevel level;
  const char *out;
  const char *out_unmatched;
  const char *err;
  const char *err_unmatched;
} ConsoleCase;

static void
test_console_prints (Fixture *f, gconstpointer data)
{
  const ConsoleCase *c = data;
  g_autoptr (TocsinAlert) alert = tt_make_alert (c->title, c->body, c->level, FALSE);

  if (console_sent_in_child (f, c->settings, alert))
    return;
  if (c->out != NULL)
    g_test_trap_assert_stdout (c->out);
  if (c->out_unmatched != NULL)
    g_test_trap_assert_stdout_unmatched (c->out_unmatched);
  if (c->err != NULL)
    g_test_trap_assert_stderr (c->err);
  if (c->err_unmatched != NULL)
    g_test_trap_assert_stderr_unmatched (c->err_unmatched);
}

static const ConsoleCase console_stream_stdout = {
  "    <stream>stdout</stream>\n    <color>never</color>\n",
  "Disk almost full", "/var is at 91%", TOCSIN_LEVEL_WARNING,
  .out = "*[WARNING] Disk almost full: /var is at 91%\n*",
  .err_unmatched = "*Disk almost full*",
};
/* The default stream; the test environment sets NO_COLOR, so auto means no colour. */
static const ConsoleCase console_stream_stderr = {
  "", "Database down", NULL, TOCSIN_LEVEL_CRITICAL,
  .err = "*[CRITICAL] Database down\n*",
  .err_unmatched = "*\033*",
  .out_unmatched = "*Database down*",
};
static const ConsoleCase console_color_never = {
  "    <stream>stdout</stream>\n    <color>never</color>\n",
  "Disk almost full", "/var is at 91%", TOCSIN_LEVEL_WARNING,
  .out = "*[WARNING] Disk almost full*",
  .out_unmatched = "*\033*",
};
static const ConsoleCase console_text_multiline = {
  "    <stream>stdout</stream>\n", "Report", "line one\nline two\n", TOCSIN_LEVEL_INFO,
  .out = "*[INFO] Report: line one\n    line two\n*",
  .out_unmatched = "*line two\n    \n*",
};
/* An OSC sequence that would set the terminal title; CR, DEL and the C1 control NEL. */
static const ConsoleCase console_text_control_chars = {
  "    <stream>stdout</stream>\n", "evil\033]0;pwned\007title", "a\rb\x7f c\xc2\x85" "d",
  TOCSIN_LEVEL_INFO,
  .out = "*[INFO] evil^[]0;pwned^Gtitle: a^Mb^? c\uFFFDd\n*",
  .out_unmatched = "*\033*",
};

static void
test_console_color_always (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Disk almost full", "/var is at 91%",
                                                 TOCSIN_LEVEL_WARNING, FALSE);

  if (g_test_subprocess ())
    g_assert_nonnull (g_getenv ("NO_COLOR")); /* always wins over NO_COLOR */
  else
    g_setenv ("NO_COLOR", "1", TRUE);
  if (console_sent_in_child (f, "    <stream>stdout</stream>\n    <color>always</color>\n", alert))
    return;
  g_test_trap_assert_stdout ("*\033[33m[WARNING]\033[0m Disk almost full: /var is at 91%\n*");
}

static void
test_console_color_auto_pipe (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Piped", NULL, TOCSIN_LEVEL_WARNING, FALSE);

  if (g_test_subprocess ())
    {
      /* Not NO_COLOR but the pipe is what keeps colour away here. */
      g_unsetenv ("NO_COLOR");
      g_setenv ("TERM", "xterm", TRUE);
    }
  if (console_sent_in_child (f, "    <stream>stdout</stream>\n", alert))
    return;
  g_test_trap_assert_stdout ("*[WARNING] Piped\n*");
  g_test_trap_assert_stdout_unmatched ("*\033*");
}

/* In the child: points stdout at a new pseudo-terminal, sends one warning through a console
 * channel with color auto, and returns what the terminal received (transfer full). */
static char *
console_output_on_tty (Fixture *f)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("On a terminal", NULL, TOCSIN_LEVEL_WARNING,
                                                 FALSE);
  struct pollfd pfd = { .events = POLLIN };
  char buffer[4096];
  gssize n;
  int master, slave, saved_stdout;

  master = posix_openpt (O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt (master) < 0 || unlockpt (master) < 0)
    return NULL;
  slave = open (ptsname (master), O_RDWR | O_NOCTTY);
  g_assert_cmpint (slave, >=, 0);
  fflush (stdout);
  saved_stdout = dup (STDOUT_FILENO);
  g_assert_cmpint (dup2 (slave, STDOUT_FILENO), ==, STDOUT_FILENO);

  console_send_in_child (f, "    <stream>stdout</stream>\n    <color>auto</color>\n", alert);

  g_assert_cmpint (dup2 (saved_stdout, STDOUT_FILENO), ==, STDOUT_FILENO);
  close (saved_stdout);
  pfd.fd = master;
  g_assert_cmpint (poll (&pfd, 1, 10000), ==, 1);
  n = read (master, buffer, sizeof buffer - 1);
  g_assert_cmpint (n, >, 0);
  close (slave);
  close (master);
  return g_strndup (buffer, (gsize) n);
}

static void
test_console_color_auto_tty (Fixture *f, gconstpointer data)
{
  g_autofree char *output = NULL;

  if (!tt_in_subprocess ())
    return;
  g_unsetenv ("NO_COLOR");
  g_setenv ("TERM", "xterm", TRUE);
  output = console_output_on_tty (f);
  if (output == NULL)
    {
      g_test_skip ("no pseudo-terminal");
      return;
    }
  g_assert_nonnull (strstr (output, "\033[33m[WARNING]\033[0m On a terminal"));
}

static void
test_console_color_auto_no_color (Fixture *f, gconstpointer data)
{
  g_autofree char *output = NULL;

  if (!tt_in_subprocess ())
    return;
  g_setenv ("NO_COLOR", "1", TRUE);
  g_setenv ("TERM", "xterm", TRUE);
  output = console_output_on_tty (f);
  if (output == NULL)
    {
      g_test_skip ("no pseudo-terminal");
      return;
    }
  g_assert_nonnull (strstr (output, "[WARNING] On a terminal"));
  g_assert_null (strchr (output, '\033'));
}

static void
test_console_text_timestamp (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Stamped", "body", TOCSIN_LEVEL_SUCCESS, TRUE);
  g_autofree char *title = NULL;
  g_autofree char *pattern = NULL;

  if (console_sent_in_child (f, "    <stream>stdout</stream>\n", alert))
    return;
  title = tocsin_alert_dup_formatted_title (alert);
  g_assert_true (g_str_has_suffix (title, " ::: Stamped"));
  pattern = g_strdup_printf ("*[SUCCESS] %s: body\n*", title);
  g_test_trap_assert_stdout (pattern);
}

#define CONSOLE_MANY 500

static void
test_console_workers_no_interleave (Fixture *f, gconstpointer data)
{
  g_autofree char *out_path = NULL;
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autofree gboolean *seen = NULL;
  g_auto (GStrv) lines = NULL;
  int out, saved_stdout;

  if (!tt_in_subprocess ())
    return;

  /* stdout goes to a file for the run so that the child can read every line back. */
  out_path = g_build_filename (f->dir, "stdout.txt", NULL);
  out = open (out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_cmpint (out, >=, 0);
  fflush (stdout);
  saved_stdout = dup (STDOUT_FILENO);
  g_assert_cmpint (dup2 (out, STDOUT_FILENO), ==, STDOUT_FILENO);

  manager = load_ok (f->dir, "key=\"term\" type=\"console\" workers=\"4\"",
                     "    <stream>stdout</stream>\n    <color>always</color>\n");
  results = send_many_bodies (manager, CONSOLE_MANY, TOCSIN_LEVEL_CRITICAL);
  g_clear_pointer (&manager, tocsin_manager_unref);
  g_assert_cmpint (dup2 (saved_stdout, STDOUT_FILENO), ==, STDOUT_FILENO);
  close (saved_stdout);
  close (out);
  g_assert_cmpuint (results->len, ==, CONSOLE_MANY);

  lines = read_lines (out_path);
  g_assert_cmpuint (g_strv_length (lines), ==, CONSOLE_MANY);
  seen = g_new0 (gboolean, CONSOLE_MANY);
  for (guint i = 0; i < CONSOLE_MANY; i++)
    {
      const char *prefix = "\033[1;31m[CRITICAL]\033[0m alert ";
      char *end = NULL;
      guint64 n;
      g_autofree char *body = NULL;

      g_assert_true (g_str_has_prefix (lines[i], prefix));
      n = g_ascii_strtoull (lines[i] + strlen (prefix), &end, 10);
      g_assert_cmpuint (n, <, CONSOLE_MANY);
      g_assert_false (seen[n]);
      seen[n] = TRUE;
      body = many_body ((guint) n);
      g_assert_true (g_str_has_prefix (end, ": "));
      g_assert_cmpstr (end + 2, ==, body);
    }
}

/* In the child: stdout is @fd while a console channel with @channel_attrs sends @alert; returns
 * the result. */
static TocsinResult *
console_send_alert_to_fd (Fixture *f, const char *channel_attrs, TocsinAlert *alert, int fd)
{
  g_autoptr (TocsinManager) manager = load_ok (f->dir, channel_attrs,
                                               "    <stream>stdout</stream>\n");
  TocsinResult *result;
  int saved_stdout;

  fflush (stdout);
  saved_stdout = dup (STDOUT_FILENO);
  g_assert_cmpint (dup2 (fd, STDOUT_FILENO), ==, STDOUT_FILENO);
  result = tt_send_one (manager, alert);
  g_assert_cmpint (dup2 (saved_stdout, STDOUT_FILENO), ==, STDOUT_FILENO);
  close (saved_stdout);
  return result;
}

static TocsinResult *
console_send_to_fd (Fixture *f, int fd)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Nobody listens", NULL, TOCSIN_LEVEL_INFO, FALSE);

  return console_send_alert_to_fd (f, "key=\"term\" type=\"console\"", alert, fd);
}

/* stdout is a (blocking) pipe whose reader does not read, and the line is larger than the
 * pipe's buffer: the send gives up after the channel's 1 s timeout (retryable), without the
 * plugin making the process's stdout non-blocking. */
static void
test_console_write_pipe_timeout (Fixture *f, gconstpointer data)
{
  g_autofree char *big_body = g_strnfill (256 * 1024, 'x');
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Nobody reads", big_body, TOCSIN_LEVEL_INFO,
                                                 FALSE);
  g_autoptr (TocsinResult) result = NULL;
  gint64 start, elapsed;
  int fds[2];

  if (!tt_in_subprocess ())
    return;
  g_assert_cmpint (pipe (fds), ==, 0);
  start = g_get_monotonic_time ();
  result = console_send_alert_to_fd (f, "key=\"term\" type=\"console\" timeout=\"1\" "
                                     "max-attempts=\"1\"", alert, fds[1]);
  elapsed = g_get_monotonic_time () - start;
  tt_assert_failed_with (result, "console: cannot write to stdout", TRUE);
  tt_assert_failed_with (result, g_strerror (ETIMEDOUT), TRUE);
  g_assert_cmpint (elapsed, >=, G_USEC_PER_SEC * 9 / 10);
  g_assert_cmpint (elapsed, <, G_USEC_PER_SEC * 19 / 10);
  g_assert_cmpint (fcntl (fds[1], F_GETFL) & O_NONBLOCK, ==, 0);
  close (fds[0]);
  close (fds[1]);
}

static void
test_console_write_epipe (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = NULL;
  int fds[2];

  /* A SIGPIPE that escaped would kill the child, which the parent sees. */
  if (!tt_in_subprocess ())
    return;
  g_assert_cmpint (pipe (fds), ==, 0);
  close (fds[0]);
  result = console_send_to_fd (f, fds[1]);
  close (fds[1]);
  tt_assert_failed_with (result, "stdout", FALSE);
  tt_assert_failed_with (result, g_strerror (EPIPE), FALSE);
}

static void
test_console_write_enospc (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = NULL;
  int full;

  if (!tt_in_subprocess ())
    return;
  full = open ("/dev/full", O_WRONLY | O_CLOEXEC);
  if (full < 0)
    {
      g_test_skip ("no /dev/full");
      return;
    }
  result = console_send_to_fd (f, full);
  close (full);
  tt_assert_failed_with (result, g_strerror (ENOSPC), TRUE);
}

static void
test_console_setting_unknown (Fixture *f, gconstpointer data)
{
  assert_load_fails (f->dir, "key=\"term\" type=\"console\"", "    <colour>always</colour>\n",
                     TOCSIN_ERROR_UNKNOWN_SETTING, "tocsin.xml" FIRST_SETTING_LINE, "colour");
}

static void
test_console_setting_invalid_choice (Fixture *f, gconstpointer data)
{
  assert_load_fails (f->dir, "key=\"term\" type=\"console\"", "    <stream>stdlog</stream>\n",
                     TOCSIN_ERROR_INVALID_VALUE, "tocsin.xml" FIRST_SETTING_LINE, "stdlog");
}

/* ---- noop -------------------------------------------------------------------------------- */

static void
test_noop_send_default (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"null\" type=\"noop\"", "");
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = tt_send_one (manager, alert);

  g_assert_true (tocsin_result_get_success (result));
  g_assert_null (tocsin_result_get_message_id (result));
  g_assert_cmpstr (tocsin_result_get_channel (result), ==, "null");
}

static void
test_noop_send_count (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"null\" type=\"noop\"",
                                               "    <message-id>true</message-id>\n");
  g_autoptr (TocsinStats) stats = NULL;

  for (int i = 1; i <= 5; i++)
    {
      g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
      g_autoptr (TocsinResult) result = tt_send_one (manager, alert);
      g_autofree char *expected = g_strdup_printf ("noop-%d", i);

      g_assert_true (tocsin_result_get_success (result));
      g_assert_cmpstr (tocsin_result_get_message_id (result), ==, expected);
    }
  stats = tocsin_manager_get_stats (manager);
  g_assert_cmpuint (tocsin_stats_get_sent (stats), ==, 5);
  g_assert_cmpuint (tocsin_stats_get_failed (stats), ==, 0);
}

#define NOOP_MANY 1000

static void
test_noop_send_workers (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"null\" type=\"noop\" workers=\"4\"",
                                               "    <message-id>yes</message-id>\n");
  g_autoptr (GPtrArray) alerts = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autofree gboolean *seen = g_new0 (gboolean, NOOP_MANY + 1);

  alerts = tt_alert_array_new ();
  for (guint i = 0; i < NOOP_MANY; i++)
    g_ptr_array_add (alerts, tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE));
  results = tocsin_manager_send_many (manager, (TocsinAlert *const *) alerts->pdata, alerts->len,
                                      NULL);
  g_assert_cmpuint (results->len, ==, NOOP_MANY);
  /* Every send counted exactly once: the ids are exactly noop-1 ... noop-NOOP_MANY. */
  for (guint i = 0; i < results->len; i++)
    {
      TocsinResult *result = g_ptr_array_index (results, i);
      const char *id = tocsin_result_get_message_id (result);
      guint64 n = 0;

      g_assert_true (tocsin_result_get_success (result));
      g_assert_nonnull (id);
      g_assert_true (g_str_has_prefix (id, "noop-"));
      g_assert_true (g_ascii_string_to_unsigned (id + 5, 10, 1, NOOP_MANY, &n, NULL));
      g_assert_false (seen[n]);
      seen[n] = TRUE;
    }
}

static void
test_noop_send_post (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"null\" type=\"noop\" workers=\"2\"",
                                               "");
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinStats) stats = NULL;

  for (guint i = 0; i < NOOP_MANY; i++)
    g_assert_cmpuint (tocsin_manager_post (manager, alert, NULL), ==, 1);
  g_assert_true (tocsin_manager_flush (manager, -1));
  stats = tocsin_manager_get_stats (manager);
  g_assert_cmpuint (tocsin_stats_get_sent (stats), ==, NOOP_MANY);
  g_assert_cmpuint (tocsin_stats_get_queued (stats), ==, 0);
}

static void
test_noop_send_fail (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_ok (f->dir, "key=\"null\" type=\"noop\"",
                                               "    <fail>true</fail>\n"
                                               "    <message-id>true</message-id>\n");
  g_autoptr (TocsinStats) stats = NULL;

  for (int i = 0; i < 3; i++)
    {
      g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_CRITICAL, FALSE);
      g_autoptr (TocsinResult) result = tt_send_one (manager, alert);

      tt_assert_failed_with (result, "noop: configured to fail", TRUE);
      g_assert_null (tocsin_result_get_message_id (result));
      g_assert_cmpuint (tocsin_result_get_attempts (result), >=, 1);
    }
  stats = tocsin_manager_get_stats (manager);
  g_assert_cmpuint (tocsin_stats_get_sent (stats), ==, 0);
  g_assert_cmpuint (tocsin_stats_get_failed (stats), ==, 3);
}

static void
test_noop_setting_invalid (Fixture *f, gconstpointer data)
{
  assert_load_fails (f->dir, "key=\"null\" type=\"noop\"", "    <fail>maybe</fail>\n",
                     TOCSIN_ERROR_INVALID_VALUE, "tocsin.xml" FIRST_SETTING_LINE, "fail");
}

/* ---- main -------------------------------------------------------------------------------- */

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, tt_dir_fixture_setup, func, tt_dir_fixture_teardown)
#define ADD_DATA(path, data, func) \
  g_test_add (path, Fixture, data, tt_dir_fixture_setup, func, tt_dir_fixture_teardown)

int
main (int argc, char **argv)
{
  tt_init (&argc, &argv);

  ADD ("/plugins/file/line/keys", test_file_line_keys);
  ADD ("/plugins/file/line/levels", test_file_line_levels);
  ADD ("/plugins/file/line/timestamp", test_file_line_timestamp);
  ADD ("/plugins/file/create/mode", test_file_create_mode);
  ADD ("/plugins/file/create/append-existing", test_file_create_append_existing);
  ADD ("/plugins/file/create/relative-path", test_file_create_relative_path);
  ADD ("/plugins/file/create/unwritable", test_file_create_unwritable);
  ADD ("/plugins/file/setting/missing-path", test_file_setting_missing_path);
  ADD ("/plugins/file/setting/invalid-fsync", test_file_setting_invalid_fsync);
  ADD ("/plugins/file/fsync/enabled", test_file_fsync_enabled);
  ADD ("/plugins/file/workers/no-interleave", test_file_workers_no_interleave);
  ADD ("/plugins/file/write/enospc", test_file_write_enospc);
  ADD ("/plugins/file/write/torn-line", test_file_write_torn_line);
  ADD ("/plugins/file/rotate/reopen", test_file_rotate_reopen);
  ADD ("/plugins/file/create/symlink-refused", test_file_create_symlink_refused);
  ADD ("/plugins/file/create/readable-by-others", test_file_create_readable_by_others);
  ADD ("/plugins/file/rotate/symlink-refused", test_file_rotate_symlink_refused);
  ADD ("/plugins/file/write/fifo-timeout", test_file_write_fifo_timeout);

  ADD_DATA ("/plugins/console/stream/stdout", &console_stream_stdout, test_console_prints);
  ADD_DATA ("/plugins/console/stream/stderr", &console_stream_stderr, test_console_prints);
  ADD ("/plugins/console/color/always", test_console_color_always);
  ADD_DATA ("/plugins/console/color/never", &console_color_never, test_console_prints);
  ADD ("/plugins/console/color/auto-pipe", test_console_color_auto_pipe);
  ADD ("/plugins/console/color/auto-tty", test_console_color_auto_tty);
  ADD ("/plugins/console/color/auto-no-color", test_console_color_auto_no_color);
  ADD_DATA ("/plugins/console/text/multiline", &console_text_multiline, test_console_prints);
  ADD_DATA ("/plugins/console/text/control-chars", &console_text_control_chars,
            test_console_prints);
  ADD ("/plugins/console/text/timestamp", test_console_text_timestamp);
  ADD ("/plugins/console/workers/no-interleave", test_console_workers_no_interleave);
  ADD ("/plugins/console/write/epipe", test_console_write_epipe);
  ADD ("/plugins/console/write/enospc", test_console_write_enospc);
  ADD ("/plugins/console/write/pipe-timeout", test_console_write_pipe_timeout);
  ADD ("/plugins/console/setting/unknown", test_console_setting_unknown);
  ADD ("/plugins/console/setting/invalid-choice", test_console_setting_invalid_choice);

  ADD ("/plugins/noop/send/default", test_noop_send_default);
  ADD ("/plugins/noop/send/count", test_noop_send_count);
  ADD ("/plugins/noop/send/workers", test_noop_send_workers);
  ADD ("/plugins/noop/send/post", test_noop_send_post);
  ADD ("/plugins/noop/send/fail", test_noop_send_fail);
  ADD ("/plugins/noop/setting/invalid", test_noop_setting_invalid);

  return g_test_run ();
}
