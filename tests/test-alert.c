/* test-alert.c: alerts and their builder (/alert/...), and the redaction of secrets from any
 * text the library prints (/redact/...).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 2023-11-14 22:13:20 UTC, with a fractional part that the prefix must drop, not round. */
#define FIXED_SECONDS G_GINT64_CONSTANT (1700000000)
#define FIXED_USEC (FIXED_SECONDS * G_USEC_PER_SEC + 999999)

#define REPLACEMENT_CHAR "\357\277\275" /* U+FFFD in UTF-8 */

/* ---- /alert/new ----------------------------------------------------------------------------- */

static void
assert_valid_id (const char *id)
{
  g_autofree char *lower = NULL;

  g_assert_nonnull (id);
  g_assert_cmpuint (strlen (id), ==, 36);
  g_assert_true (g_uuid_string_is_valid (id));
  lower = g_ascii_strdown (id, -1);
  g_assert_cmpstr (id, ==, lower);
}

static void
test_new_defaults (void)
{
  gint64 before = g_get_real_time ();
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("Disk full", NULL, TOCSIN_LEVEL_INFO);
  gint64 after = g_get_real_time ();

  g_assert_nonnull (alert);
  g_assert_cmpstr (tocsin_alert_get_title (alert), ==, "Disk full");
  g_assert_cmpstr (tocsin_alert_get_body (alert), ==, "");
  g_assert_cmpint (tocsin_alert_get_level (alert), ==, TOCSIN_LEVEL_INFO);
  g_assert_false (tocsin_alert_get_timestamp (alert));
  g_assert_cmpuint (tocsin_alert_get_n_labels (alert), ==, 0);
  g_assert_cmpint (tocsin_alert_get_time (alert), >=, before);
  g_assert_cmpint (tocsin_alert_get_time (alert), <=, after);
  assert_valid_id (tocsin_alert_get_id (alert));
}

static void
test_new_body_and_level (void)
{
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("Deploy", "v1.2 is live", TOCSIN_LEVEL_SUCCESS);

  g_assert_cmpstr (tocsin_alert_get_title (alert), ==, "Deploy");
  g_assert_cmpstr (tocsin_alert_get_body (alert), ==, "v1.2 is live");
  g_assert_cmpint (tocsin_alert_get_level (alert), ==, TOCSIN_LEVEL_SUCCESS);
}

/* Preconditions are programmer errors: a critical, which tt_init() makes fatal. */
static void
child_new_null_title (void)
{
  g_autoptr (TocsinAlert) alert = tocsin_alert_new (NULL, "body", TOCSIN_LEVEL_INFO);
  g_assert_null (alert);
}

static void
child_new_invalid_level (void)
{
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("t", "body", (TocsinLevel) 12);
  g_assert_null (alert);
}

static void
test_new_null_title (void)
{
  g_test_trap_subprocess ("/alert/subprocess/new-null-title", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*title != NULL*");
}

static void
test_new_invalid_level (void)
{
  g_test_trap_subprocess ("/alert/subprocess/new-invalid-level", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*tocsin_level_is_valid*");
}

/* ---- /alert/builder ------------------------------------------------------------------------- */

static void
test_builder_defaults (void)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("Title");
  g_autoptr (TocsinAlert) alert = tocsin_alert_builder_build (builder);

  g_assert_cmpstr (tocsin_alert_get_title (alert), ==, "Title");
  g_assert_cmpstr (tocsin_alert_get_body (alert), ==, "");
  g_assert_cmpint (tocsin_alert_get_level (alert), ==, TOCSIN_LEVEL_INFO);
  g_assert_false (tocsin_alert_get_timestamp (alert));
  g_assert_cmpuint (tocsin_alert_get_n_labels (alert), ==, 0);
  assert_valid_id (tocsin_alert_get_id (alert));
}

static void
test_builder_setters (void)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("Title");
  g_autoptr (TocsinAlert) alert = NULL;

  tocsin_alert_builder_set_body (builder, "Body");
  tocsin_alert_builder_set_level (builder, TOCSIN_LEVEL_CRITICAL);
  tocsin_alert_builder_set_timestamp (builder, TRUE);
  tocsin_alert_builder_set_time (builder, FIXED_USEC);
  tocsin_alert_builder_set_id (builder, "restored-id");
  tocsin_alert_builder_add_label (builder, "host", "db-1");
  alert = tocsin_alert_builder_build (builder);

  g_assert_cmpstr (tocsin_alert_get_title (alert), ==, "Title");
  g_assert_cmpstr (tocsin_alert_get_body (alert), ==, "Body");
  g_assert_cmpint (tocsin_alert_get_level (alert), ==, TOCSIN_LEVEL_CRITICAL);
  g_assert_true (tocsin_alert_get_timestamp (alert));
  g_assert_cmpint (tocsin_alert_get_time (alert), ==, FIXED_USEC);
  g_assert_cmpstr (tocsin_alert_get_id (alert), ==, "restored-id");
  g_assert_cmpuint (tocsin_alert_get_n_labels (alert), ==, 1);
  g_assert_cmpstr (tocsin_alert_get_label (alert, "host"), ==, "db-1");
}

/* A later setter call wins; set_body (NULL) is the empty body again. */
static void
test_builder_overwrite (void)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("Title");
  g_autoptr (TocsinAlert) alert = NULL;

  tocsin_alert_builder_set_body (builder, "first");
  tocsin_alert_builder_set_body (builder, NULL);
  tocsin_alert_builder_set_level (builder, TOCSIN_LEVEL_CRITICAL);
  tocsin_alert_builder_set_level (builder, TOCSIN_LEVEL_WARNING);
  tocsin_alert_builder_set_timestamp (builder, TRUE);
  tocsin_alert_builder_set_timestamp (builder, FALSE);
  alert = tocsin_alert_builder_build (builder);

  g_assert_cmpstr (tocsin_alert_get_body (alert), ==, "");
  g_assert_cmpint (tocsin_alert_get_level (alert), ==, TOCSIN_LEVEL_WARNING);
  g_assert_false (tocsin_alert_get_timestamp (alert));
}

/* The builder stays usable, and what it builds later does not change what it built before. */
static void
test_builder_reuse (void)
{
  TocsinAlertBuilder *builder = tocsin_alert_builder_new ("Title");
  g_autoptr (TocsinAlert) first = NULL;
  g_autoptr (TocsinAlert) second = NULL;

  tocsin_alert_builder_set_body (builder, "one");
  tocsin_alert_builder_add_label (builder, "k", "1");
  first = tocsin_alert_builder_build (builder);

  tocsin_alert_builder_set_body (builder, "two");
  tocsin_alert_builder_set_level (builder, TOCSIN_LEVEL_WARNING);
  tocsin_alert_builder_add_label (builder, "k", "2");
  tocsin_alert_builder_add_label (builder, "extra", "x");
  second = tocsin_alert_builder_build (builder);
  tocsin_alert_builder_free (builder);

  g_assert_cmpstr (tocsin_alert_get_body (first), ==, "one");
  g_assert_cmpint (tocsin_alert_get_level (first), ==, TOCSIN_LEVEL_INFO);
  g_assert_cmpuint (tocsin_alert_get_n_labels (first), ==, 1);
  g_assert_cmpstr (tocsin_alert_get_label (first, "k"), ==, "1");
  g_assert_null (tocsin_alert_get_label (first, "extra"));

  g_assert_cmpstr (tocsin_alert_get_body (second), ==, "two");
  g_assert_cmpint (tocsin_alert_get_level (second), ==, TOCSIN_LEVEL_WARNING);
  g_assert_cmpuint (tocsin_alert_get_n_labels (second), ==, 2);
  g_assert_cmpstr (tocsin_alert_get_label (second, "k"), ==, "2");
  g_assert_cmpstr (tocsin_alert_get_label (second, "extra"), ==, "x");

  /* Each build is a new alert with its own id. */
  g_assert_cmpstr (tocsin_alert_get_id (first), !=, tocsin_alert_get_id (second));
}

static void
test_builder_free_null (void)
{
  tocsin_alert_builder_free (NULL);
}

/* ---- /alert/labels -------------------------------------------------------------------------- */

static void
collect_label (const char *key, const char *value, gpointer user_data)
{
  g_string_append_printf (user_data, "%s=%s;", key, value);
}

static char *
dup_labels (const TocsinAlert *alert)
{
  GString *s = g_string_new (NULL);

  tocsin_alert_foreach_label (alert, collect_label, s);
  return g_string_free (s, FALSE);
}

static void
test_labels_sorted (void)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("t");
  g_autoptr (TocsinAlert) alert = NULL;
  g_autofree char *seen = NULL;

  tocsin_alert_builder_add_label (builder, "zone", "eu-west");
  tocsin_alert_builder_add_label (builder, "app", "billing");
  tocsin_alert_builder_add_label (builder, "host", "db-1");
  tocsin_alert_builder_add_label (builder, "Host", "upper sorts first in byte order");
  tocsin_alert_builder_add_label (builder, "env", "prod");
  alert = tocsin_alert_builder_build (builder);

  g_assert_cmpuint (tocsin_alert_get_n_labels (alert), ==, 5);
  seen = dup_labels (alert);
  g_assert_cmpstr (seen, ==,
                   "Host=upper sorts first in byte order;app=billing;env=prod;host=db-1;zone=eu-west;");
  g_assert_cmpstr (tocsin_alert_get_label (alert, "app"), ==, "billing");
  g_assert_cmpstr (tocsin_alert_get_label (alert, "env"), ==, "prod");
  g_assert_cmpstr (tocsin_alert_get_label (alert, "host"), ==, "db-1");
  g_assert_cmpstr (tocsin_alert_get_label (alert, "Host"), ==, "upper sorts first in byte order");
  g_assert_cmpstr (tocsin_alert_get_label (alert, "zone"), ==, "eu-west");
}

static void
test_labels_replace (void)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("t");
  g_autoptr (TocsinAlert) alert = NULL;
  g_autofree char *seen = NULL;

  tocsin_alert_builder_add_label (builder, "host", "db-1");
  tocsin_alert_builder_add_label (builder, "host", "db-2");
  tocsin_alert_builder_add_label (builder, "empty", "");
  alert = tocsin_alert_builder_build (builder);

  g_assert_cmpuint (tocsin_alert_get_n_labels (alert), ==, 2);
  g_assert_cmpstr (tocsin_alert_get_label (alert, "host"), ==, "db-2");
  g_assert_cmpstr (tocsin_alert_get_label (alert, "empty"), ==, "");
  seen = dup_labels (alert);
  g_assert_cmpstr (seen, ==, "empty=;host=db-2;");
}

static void
test_labels_missing (void)
{
  g_autoptr (TocsinAlert) bare = tocsin_alert_new ("t", NULL, TOCSIN_LEVEL_INFO);
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("t");
  g_autoptr (TocsinAlert) labelled = NULL;
  g_autofree char *seen = NULL;

  tocsin_alert_builder_add_label (builder, "b", "2");
  tocsin_alert_builder_add_label (builder, "d", "4");
  labelled = tocsin_alert_builder_build (builder);

  g_assert_null (tocsin_alert_get_label (bare, "host"));
  g_assert_null (tocsin_alert_get_label (labelled, "a"));
  g_assert_null (tocsin_alert_get_label (labelled, "c"));
  g_assert_null (tocsin_alert_get_label (labelled, "e"));
  g_assert_null (tocsin_alert_get_label (labelled, ""));
  seen = dup_labels (bare);
  g_assert_cmpstr (seen, ==, "");
}

/* ---- /alert/id ------------------------------------------------------------------------------ */

static void
test_id_uuid (void)
{
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("t", NULL, TOCSIN_LEVEL_INFO);
  const char *id = tocsin_alert_get_id (alert);

  assert_valid_id (id);
  /* A random (version 4) UUID. */
  g_assert_cmpint (id[14], ==, '4');
  g_assert_nonnull (strchr ("89ab", id[19]));
}

static void
test_id_unique (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("same builder");

  for (guint i = 0; i < 2000; i++)
    {
      g_autoptr (TocsinAlert) alert =
        i % 2 ? tocsin_alert_new ("t", NULL, TOCSIN_LEVEL_INFO) : tocsin_alert_builder_build (builder);

      assert_valid_id (tocsin_alert_get_id (alert));
      g_assert_true (g_hash_table_add (seen, g_strdup (tocsin_alert_get_id (alert))));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 2000);
}

static void
test_id_override (void)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("t");
  g_autoptr (TocsinAlert) a = NULL;
  g_autoptr (TocsinAlert) b = NULL;
  g_autoptr (TocsinAlert) c = NULL;

  tocsin_alert_builder_set_id (builder, "0b4ee1e4-6a4e-4e0f-9c47-3c1f4f1e2a10");
  a = tocsin_alert_builder_build (builder);
  b = tocsin_alert_builder_build (builder);
  g_assert_cmpstr (tocsin_alert_get_id (a), ==, "0b4ee1e4-6a4e-4e0f-9c47-3c1f4f1e2a10");
  g_assert_cmpstr (tocsin_alert_get_id (b), ==, "0b4ee1e4-6a4e-4e0f-9c47-3c1f4f1e2a10");

  /* NULL goes back to a generated id. */
  tocsin_alert_builder_set_id (builder, NULL);
  c = tocsin_alert_builder_build (builder);
  assert_valid_id (tocsin_alert_get_id (c));
  g_assert_cmpstr (tocsin_alert_get_id (c), !=, "0b4ee1e4-6a4e-4e0f-9c47-3c1f4f1e2a10");
}

/* ---- /alert/time ---------------------------------------------------------------------------- */

static void
test_time_now (void)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("t");
  gint64 before = g_get_real_time ();
  g_autoptr (TocsinAlert) alert = tocsin_alert_builder_build (builder);
  gint64 after = g_get_real_time ();

  g_assert_cmpint (tocsin_alert_get_time (alert), >=, before);
  g_assert_cmpint (tocsin_alert_get_time (alert), <=, after);
}

static void
test_time_override (void)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("t");
  g_autoptr (TocsinAlert) a = NULL;
  g_autoptr (TocsinAlert) b = NULL;

  tocsin_alert_builder_set_time (builder, FIXED_USEC);
  a = tocsin_alert_builder_build (builder);
  tocsin_alert_builder_set_time (builder, FIXED_USEC + 5 * G_USEC_PER_SEC);
  b = tocsin_alert_builder_build (builder);
  g_assert_cmpint (tocsin_alert_get_time (a), ==, FIXED_USEC);
  g_assert_cmpint (tocsin_alert_get_time (b), ==, FIXED_USEC + 5 * G_USEC_PER_SEC);
}

/* ---- /alert/formatted-title ----------------------------------------------------------------- */

static TocsinAlert *
new_stamped_alert (const char *title, gint64 unix_usec)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new (title);

  tocsin_alert_builder_set_timestamp (builder, TRUE);
  tocsin_alert_builder_set_time (builder, unix_usec);
  return tocsin_alert_builder_build (builder);
}

static void
test_formatted_title_plain (void)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("Disk full");
  g_autoptr (TocsinAlert) alert = NULL;
  g_autofree char *formatted = NULL;

  tocsin_alert_builder_set_time (builder, FIXED_USEC);
  alert = tocsin_alert_builder_build (builder);
  formatted = tocsin_alert_dup_formatted_title (alert);
  g_assert_cmpstr (formatted, ==, "Disk full");
  g_assert_true (formatted != tocsin_alert_get_title (alert));
  g_assert_cmpstr (tocsin_alert_get_title (alert), ==, "Disk full");
}

/* The prefix is the local time of the alert's time, whatever the process's time zone is. */
static void
test_formatted_title_local (void)
{
  g_autoptr (TocsinAlert) alert = new_stamped_alert ("Disk full", FIXED_USEC);
  g_autoptr (GDateTime) local = g_date_time_new_from_unix_local (FIXED_SECONDS);
  g_autofree char *stamp = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
  g_autofree char *expected = g_strdup_printf ("%s ::: Disk full", stamp);
  g_autofree char *formatted = tocsin_alert_dup_formatted_title (alert);

  g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ::: Disk full$",
                                       formatted, 0, 0));
  g_assert_cmpstr (formatted, ==, expected);
  /* The title itself carries no prefix. */
  g_assert_cmpstr (tocsin_alert_get_title (alert), ==, "Disk full");
}

/* Retries and other channels must all show the same prefix: it comes from the alert, not now. */
static void
test_formatted_title_stable (void)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("Disk full");
  g_autoptr (TocsinAlert) stamped = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  tocsin_alert_builder_set_timestamp (builder, TRUE);
  stamped = tocsin_alert_builder_build (builder);
  first = tocsin_alert_dup_formatted_title (stamped);
  second = tocsin_alert_dup_formatted_title (stamped);
  g_assert_cmpstr (first, ==, second);
  g_assert_true (g_str_has_suffix (first, " ::: Disk full"));
}

/* Children run with a time zone set before GLib reads it; TZ strings in POSIX form need no
 * tzdata. */
static void
child_formatted_title_in (const char *tz, const char *expected)
{
  g_autoptr (TocsinAlert) alert = NULL;
  g_autofree char *formatted = NULL;

  g_setenv ("TZ", tz, TRUE);
  tzset ();
  alert = new_stamped_alert ("Disk full", FIXED_USEC);
  formatted = tocsin_alert_dup_formatted_title (alert);
  g_assert_cmpstr (formatted, ==, expected);
}

static void
child_formatted_title_utc (void)
{
  child_formatted_title_in ("UTC", "2023-11-14 22:13:20 ::: Disk full");
}

static void
child_formatted_title_ist (void)
{
  child_formatted_title_in ("IST-5:30", "2023-11-15 03:43:20 ::: Disk full");
}

static void
child_formatted_title_west (void)
{
  child_formatted_title_in ("XYZ+10", "2023-11-14 12:13:20 ::: Disk full");
}

static void
test_formatted_title_utc (void)
{
  g_test_trap_subprocess ("/alert/subprocess/formatted-title-utc", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_formatted_title_east (void)
{
  g_test_trap_subprocess ("/alert/subprocess/formatted-title-ist", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_formatted_title_west (void)
{
  g_test_trap_subprocess ("/alert/subprocess/formatted-title-west", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* ---- /alert/utf8 ---------------------------------------------------------------------------- */

static void
assert_repaired (const char *text, const char *expected)
{
  g_assert_nonnull (text);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_nonnull (strstr (text, REPLACEMENT_CHAR));
  g_assert_cmpstr (text, ==, expected);
}

static void
test_utf8_new (void)
{
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("bad \xff title", "body \xc3\x28 end",
                                                    TOCSIN_LEVEL_WARNING);

  /* Each invalid byte becomes one U+FFFD; what is valid around it is kept. */
  assert_repaired (tocsin_alert_get_title (alert), "bad " REPLACEMENT_CHAR " title");
  assert_repaired (tocsin_alert_get_body (alert), "body " REPLACEMENT_CHAR "( end");
}

static void
test_utf8_builder (void)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("t\xfe\xff");
  g_autoptr (TocsinAlert) alert = NULL;
  g_autofree char *formatted = NULL;
  g_autofree char *labels = NULL;

  tocsin_alert_builder_set_body (builder, "\x80" "body");
  tocsin_alert_builder_add_label (builder, "k\xff", "v\xe2\x82");
  tocsin_alert_builder_set_timestamp (builder, TRUE);
  tocsin_alert_builder_set_time (builder, FIXED_USEC);
  alert = tocsin_alert_builder_build (builder);

  assert_repaired (tocsin_alert_get_title (alert), "t" REPLACEMENT_CHAR REPLACEMENT_CHAR);
  assert_repaired (tocsin_alert_get_body (alert), REPLACEMENT_CHAR "body");
  labels = dup_labels (alert);
  assert_repaired (labels, "k" REPLACEMENT_CHAR "=v" REPLACEMENT_CHAR REPLACEMENT_CHAR ";");
  g_assert_cmpstr (tocsin_alert_get_label (alert, "k" REPLACEMENT_CHAR), ==,
                   "v" REPLACEMENT_CHAR REPLACEMENT_CHAR);
  formatted = tocsin_alert_dup_formatted_title (alert);
  g_assert_true (g_utf8_validate (formatted, -1, NULL));
}

static void
test_utf8_valid_kept (void)
{
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("Température élevée 🔥", "日本語 ✓",
                                                    TOCSIN_LEVEL_CRITICAL);

  g_assert_cmpstr (tocsin_alert_get_title (alert), ==, "Température élevée 🔥");
  g_assert_cmpstr (tocsin_alert_get_body (alert), ==, "日本語 ✓");
}

/* ---- /alert/ref and /alert/threads ---------------------------------------------------------- */

static void
test_ref_unref (void)
{
  TocsinAlert *alert = tocsin_alert_new ("t", "b", TOCSIN_LEVEL_INFO);

  g_assert_true (tocsin_alert_ref (alert) == alert);
  g_assert_true (tocsin_alert_ref (alert) == alert);
  tocsin_alert_unref (alert);
  tocsin_alert_unref (alert);
  /* Still alive: one reference left. */
  g_assert_cmpstr (tocsin_alert_get_title (alert), ==, "t");
  tocsin_alert_unref (alert);
}

#define N_THREADS 4
#define N_ROUNDS 100000

static gpointer
read_shared_alert (gpointer data)
{
  TocsinAlert *alert = data;
  guint mismatches = 0;

  for (guint i = 0; i < N_ROUNDS; i++)
    {
      TocsinAlert *mine = tocsin_alert_ref (alert);

      mismatches += g_strcmp0 (tocsin_alert_get_title (mine), "Shared") != 0;
      mismatches += g_strcmp0 (tocsin_alert_get_body (mine), "read by many") != 0;
      mismatches += tocsin_alert_get_level (mine) != TOCSIN_LEVEL_CRITICAL;
      mismatches += g_strcmp0 (tocsin_alert_get_label (mine, "host"), "db-1") != 0;
      mismatches += strlen (tocsin_alert_get_id (mine)) != 36;
      if (i % 1000 == 0)
        {
          g_autofree char *formatted = tocsin_alert_dup_formatted_title (mine);
          mismatches += !g_str_has_suffix (formatted, " ::: Shared");
        }
      tocsin_alert_unref (mine);
    }
  tocsin_alert_unref (alert);
  return GUINT_TO_POINTER (mismatches);
}

static void
test_threads_shared (void)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("Shared");
  TocsinAlert *alert;
  GThread *threads[N_THREADS];
  g_autofree char *id = NULL;

  tocsin_alert_builder_set_body (builder, "read by many");
  tocsin_alert_builder_set_level (builder, TOCSIN_LEVEL_CRITICAL);
  tocsin_alert_builder_set_timestamp (builder, TRUE);
  tocsin_alert_builder_add_label (builder, "host", "db-1");
  alert = tocsin_alert_builder_build (builder);
  id = g_strdup (tocsin_alert_get_id (alert));

  /* Each thread holds its own reference and drops it when done, as channels do. */
  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("alert-reader", read_shared_alert, tocsin_alert_ref (alert));
  for (guint i = 0; i < N_THREADS; i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (g_thread_join (threads[i])), ==, 0);
  g_assert_cmpstr (tocsin_alert_get_id (alert), ==, id);
  tocsin_alert_unref (alert);
}

/* ---- /redact -------------------------------------------------------------------------------- */

static void
assert_redacted (const char *text, const char *expected)
{
  g_autofree char *redacted = tocsin_redact (text);

  g_test_message ("redacting '%s'", text);
  g_assert_cmpstr (redacted, ==, expected);
}

static void
test_redact_null (void)
{
  g_assert_null (tocsin_redact (NULL));
}

static void
test_redact_plain (void)
{
  static const char *const plain[] = {
    "",
    "Disk usage at 91% on db-1: check /var/log",
    "The token bucket is empty; retry in 6 s",
    "Wrong password for user bob",
    "https://example.com/status?page=2&sort=asc",
    "Température élevée 🔥",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (plain); i++)
    assert_redacted (plain[i], plain[i]);
}

/* The original kept the first character of the team and bot ids (always 'T' and 'B'). */
static void
test_redact_slack_url (void)
{
  assert_redacted ("https://hooks.slack.com/services/T0123ABC/B0456DEF/abcdefXYZ123",
                   "https://hooks.slack.com/services/T***/B***/***");
  assert_redacted ("POST https://hooks.slack.com/services/T0123ABC/B0456DEF/abcdefXYZ123 failed: 404",
                   "POST https://hooks.slack.com/services/T***/B***/*** failed: 404");
  assert_redacted ("url=\"https://hooks.slack.com/services/TAAAA/BBBBB/ccccc\"",
                   "url=\"https://hooks.slack.com/services/T***/B***/***\"");
}

static void
test_redact_slack_malformed (void)
{
  assert_redacted ("https://hooks.slack.com/services/garbage",
                   "https://hooks.slack.com/services/***");
  assert_redacted ("https://hooks.slack.com/services/T0123ABC",
                   "https://hooks.slack.com/services/***");
  assert_redacted ("bad url https://hooks.slack.com/services/T01/B02/ here",
                   "bad url https://hooks.slack.com/services/*** here");
}

static void
test_redact_url_userinfo (void)
{
  assert_redacted ("smtp://alice:hunter2@mail.example.com:587",
                   "smtp://alice:***@mail.example.com:587");
  assert_redacted ("connecting to https://bob:p%40ss@proxy.local/path failed",
                   "connecting to https://bob:***@proxy.local/path failed");
  /* A port is not a password. */
  assert_redacted ("http://example.com:8080/a@b", "http://example.com:8080/a@b");
}

static void
test_redact_header (void)
{
  assert_redacted ("Authorization: Bearer abc", "Authorization: ***");
  assert_redacted ("authorization: token ghp_1234567890", "authorization: ***");
  assert_redacted ("> Authorization: Basic dXNlcjpwYXNz\r\n> Host: api.example.com",
                   "> Authorization: ***\r\n> Host: api.example.com");
  assert_redacted ("X-Api-Key: 0123456789abcdef\nAccept: */*", "X-Api-Key: ***\nAccept: */*");
  assert_redacted ("Cookie: session=abcdef", "Cookie: ***");
}

static void
test_redact_bearer (void)
{
  assert_redacted ("got 401 for Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig-_x", "got 401 for Bearer ***");
  assert_redacted ("bearer abcd1234 rejected", "bearer *** rejected");
}

static void
test_redact_assignment (void)
{
  assert_redacted ("password=hunter2 user=bob", "password=*** user=bob");
  assert_redacted ("db_password: s3cret!", "db_password: ***");
  assert_redacted ("PASSWORD = hunter2", "PASSWORD = ***");
  assert_redacted ("client_secret=abc;next", "client_secret=***;next");
}

static void
test_redact_json (void)
{
  assert_redacted ("{\"api_key\": \"sk-live-123\", \"user\": \"bob\"}",
                   "{\"api_key\": \"***\", \"user\": \"bob\"}");
  assert_redacted ("{\"password\":\"hunter2\"}", "{\"password\":\"***\"}");
  assert_redacted ("{\"access_token\": \"ya29.abc\"}", "{\"access_token\": \"***\"}");
}

/* Quoted values are masked whole: single quotes (Python-style reprs, as the original printed
 * credentials) and values with spaces (passphrases) must not leak. */
static void
test_redact_quoted (void)
{
  assert_redacted ("password='hunter2'", "password='***'");
  assert_redacted ("SMTPCredentials(user='bob', password='hunter2')",
                   "SMTPCredentials(user='bob', password='***')");
  assert_redacted ("{'api_key': 'sk-123'}", "{'api_key': '***'}");
  assert_redacted ("{\"password\": \"correct horse battery staple\"}", "{\"password\": \"***\"}");
  assert_redacted ("token = \"two words\" end", "token = \"***\" end");
}

static void
test_redact_query (void)
{
  assert_redacted ("https://api.example.com/v1?token=abc123&x=1",
                   "https://api.example.com/v1?token=***&x=1");
  assert_redacted ("GET /cb?code=1&access_token=zzz9&state=s",
                   "GET /cb?code=1&access_token=***&state=s");
  assert_redacted ("/v2?apikey=K123", "/v2?apikey=***");
}

/* Secrets are process-wide: every test registers its own, unlike any other test's. */
static void
test_redact_secret_registered (void)
{
  tocsin_redact_register_secret ("Zq9registered");
  assert_redacted ("Zq9registered", "***");
  assert_redacted ("send failed: Zq9registered rejected", "send failed: *** rejected");
  /* Inside other words, and every occurrence. */
  assert_redacted ("xxZq9registeredyy and Zq9registered", "xx***yy and ***");
  /* Registering twice changes nothing. */
  tocsin_redact_register_secret ("Zq9registered");
  assert_redacted ("a Zq9registered b", "a *** b");
}

static void
test_redact_secret_short (void)
{
  tocsin_redact_register_secret ("W7q");
  tocsin_redact_register_secret ("");
  tocsin_redact_register_secret (NULL);
  assert_redacted ("W7q and xW7qx", "W7q and xW7qx");
  /* Four bytes is enough. */
  tocsin_redact_register_secret ("V8r4");
  assert_redacted ("V8r4 and xV8r4x", "*** and x***x");
}

/* A secret containing another one is masked whole, whatever the order of registration. */
static void
test_redact_secret_nested (void)
{
  tocsin_redact_register_secret ("Kx7short");
  tocsin_redact_register_secret ("Kx7shortANDLONGER");
  tocsin_redact_register_secret ("Pm2longerTHANshort");
  tocsin_redact_register_secret ("Pm2longer");
  assert_redacted ("key Kx7shortANDLONGER end", "key *** end");
  assert_redacted ("key Kx7short end", "key *** end");
  assert_redacted ("key Pm2longerTHANshort end", "key *** end");
  assert_redacted ("key Pm2longer end", "key *** end");
}

/* Overlapping registered secrets: every occurrence is found on the original text, so nothing
 * of either is left. */
static void
test_redact_secret_overlapping (void)
{
  tocsin_redact_register_secret ("Ov9aaaaaa1234");
  tocsin_redact_register_secret ("1234bbbbbbOv9");
  assert_redacted ("x Ov9aaaaaa1234bbbbbbOv9 y", "x *** y");
  assert_redacted ("1234bbbbbbOv9aaaaaa1234 z", "*** z");
}

/* Quoted values that end oddly are masked all the same: no closing quote (to the end of the
 * line), an escaped quote inside. */
static void
test_redact_quoted_odd (void)
{
  assert_redacted ("password='hunter2", "password='***'");
  assert_redacted ("{\"password\": \"hunter2\nnext line", "{\"password\": \"***\"\nnext line");
  assert_redacted ("\"token\": \"abc\\\"def-ghi\" end", "\"token\": \"***\" end");
}

/* An invalid UTF-8 byte used to make every pattern fail, and the text went out unmasked. */
static void
test_redact_invalid_utf8 (void)
{
  g_autofree char *redacted = tocsin_redact ("HTTP 401: {\"error\":\"bad api_key=sk_live_ABCDEF123456\"} "
                                             "Authorization: Bearer eyJhbGciOi caf\xe9");

  g_assert_true (g_utf8_validate (redacted, -1, NULL));
  g_assert_null (strstr (redacted, "sk_live_ABCDEF123456"));
  g_assert_null (strstr (redacted, "eyJhbGciOi"));
}

/* Texts that made the patterns quadratic (minutes for 64 KiB) are redacted at once; a
 * regression shows as this test running into CTest's timeout. */
static void
test_redact_long_hyphenated (void)
{
  GString *text = g_string_new ("password=hunter2 ");
  g_autofree char *redacted = NULL;

  for (guint i = 0; i < 48 * 1024; i++)
    g_string_append (text, i % 3 == 0 ? "token-" : "a-");
  redacted = tocsin_redact (text->str);
  g_assert_true (g_str_has_prefix (redacted, "password=*** "));
  g_string_free (text, TRUE);
}

static gpointer
redact_in_loop (gpointer data)
{
  guint index = GPOINTER_TO_UINT (data);
  guint leaks = 0;

  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *secret = g_strdup_printf ("Thr%usecret%04u", index, i % 50);
      g_autofree char *text = g_strdup_printf ("value %s here", secret);
      g_autofree char *redacted = NULL;

      tocsin_redact_register_secret (secret);
      redacted = tocsin_redact (text);
      leaks += g_strcmp0 (redacted, "value *** here") != 0;
    }
  return GUINT_TO_POINTER (leaks);
}

/* Plugins register secrets from their own threads while others redact. */
static void
test_redact_threads (void)
{
  GThread *threads[N_THREADS];

  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("redact", redact_in_loop, GUINT_TO_POINTER (i));
  for (guint i = 0; i < N_THREADS; i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (g_thread_join (threads[i])), ==, 0);
}

/* Tokens of the services tocsin talks to are masked wherever they appear, credential or not. */
static void
test_redact_token_formats (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "slack said: invalid_auth for xoxb-1234567890-abcdefghij", "slack said: invalid_auth for xoxb-***" },
    { "token xoxp-98765-4321-abcdEF was revoked", "token xoxp-*** was revoked" },
    { "API key re_123abc_XYZ789 is invalid", "API key re_*** is invalid" },
    { "expired: ya29.a0AfH6SMBx-long_token.value", "expired: ya29.***" },
    /* Ordinary words that start the same are left alone. */
    { "re_try later; xoxb- alone; ya29.", "re_try later; xoxb- alone; ya29." },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = tocsin_redact (cases[i].in);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

int
main (int argc, char **argv)
{
  tt_init (&argc, &argv);

  g_test_add_func ("/alert/new/defaults", test_new_defaults);
  g_test_add_func ("/alert/new/body-and-level", test_new_body_and_level);
  g_test_add_func ("/alert/new/null-title", test_new_null_title);
  g_test_add_func ("/alert/new/invalid-level", test_new_invalid_level);
  g_test_add_func ("/alert/builder/defaults", test_builder_defaults);
  g_test_add_func ("/alert/builder/setters", test_builder_setters);
  g_test_add_func ("/alert/builder/overwrite", test_builder_overwrite);
  g_test_add_func ("/alert/builder/reuse", test_builder_reuse);
  g_test_add_func ("/alert/builder/free-null", test_builder_free_null);
  g_test_add_func ("/alert/labels/sorted", test_labels_sorted);
  g_test_add_func ("/alert/labels/replace", test_labels_replace);
  g_test_add_func ("/alert/labels/missing", test_labels_missing);
  g_test_add_func ("/alert/id/uuid", test_id_uuid);
  g_test_add_func ("/alert/id/unique", test_id_unique);
  g_test_add_func ("/alert/id/override", test_id_override);
  g_test_add_func ("/alert/time/now", test_time_now);
  g_test_add_func ("/alert/time/override", test_time_override);
  g_test_add_func ("/alert/formatted-title/plain", test_formatted_title_plain);
  g_test_add_func ("/alert/formatted-title/local", test_formatted_title_local);
  g_test_add_func ("/alert/formatted-title/stable", test_formatted_title_stable);
  g_test_add_func ("/alert/formatted-title/utc", test_formatted_title_utc);
  g_test_add_func ("/alert/formatted-title/east", test_formatted_title_east);
  g_test_add_func ("/alert/formatted-title/west", test_formatted_title_west);
  g_test_add_func ("/alert/utf8/new", test_utf8_new);
  g_test_add_func ("/alert/utf8/builder", test_utf8_builder);
  g_test_add_func ("/alert/utf8/valid-kept", test_utf8_valid_kept);
  g_test_add_func ("/alert/ref-unref", test_ref_unref);
  g_test_add_func ("/alert/threads/shared", test_threads_shared);

  g_test_add_func ("/alert/subprocess/new-null-title", child_new_null_title);
  g_test_add_func ("/alert/subprocess/new-invalid-level", child_new_invalid_level);
  g_test_add_func ("/alert/subprocess/formatted-title-utc", child_formatted_title_utc);
  g_test_add_func ("/alert/subprocess/formatted-title-ist", child_formatted_title_ist);
  g_test_add_func ("/alert/subprocess/formatted-title-west", child_formatted_title_west);

  g_test_add_func ("/redact/null", test_redact_null);
  g_test_add_func ("/redact/plain", test_redact_plain);
  g_test_add_func ("/redact/slack/url", test_redact_slack_url);
  g_test_add_func ("/redact/token-formats", test_redact_token_formats);
  g_test_add_func ("/redact/slack/malformed", test_redact_slack_malformed);
  g_test_add_func ("/redact/url-userinfo", test_redact_url_userinfo);
  g_test_add_func ("/redact/header", test_redact_header);
  g_test_add_func ("/redact/bearer", test_redact_bearer);
  g_test_add_func ("/redact/assignment/key-value", test_redact_assignment);
  g_test_add_func ("/redact/assignment/json", test_redact_json);
  g_test_add_func ("/redact/assignment/query", test_redact_query);
  g_test_add_func ("/redact/assignment/quoted", test_redact_quoted);
  g_test_add_func ("/redact/secret/registered", test_redact_secret_registered);
  g_test_add_func ("/redact/secret/short", test_redact_secret_short);
  g_test_add_func ("/redact/secret/nested", test_redact_secret_nested);
  g_test_add_func ("/redact/secret/overlapping", test_redact_secret_overlapping);
  g_test_add_func ("/redact/assignment/odd-quotes", test_redact_quoted_odd);
  g_test_add_func ("/redact/invalid-utf8", test_redact_invalid_utf8);
  g_test_add_func ("/redact/long-hyphenated", test_redact_long_hyphenated);
  g_test_add_func ("/redact/threads", test_redact_threads);

  return g_test_run ();
}
