/* test-level.c: level values, their order and their names.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <string.h>

static const struct {
  TocsinLevel level;
  const char *lower;
  const char *upper;
} all_levels[] = {
  { TOCSIN_LEVEL_INFO, "info", "INFO" },
  { TOCSIN_LEVEL_SUCCESS, "success", "SUCCESS" },
  { TOCSIN_LEVEL_WARNING, "warning", "WARNING" },
  { TOCSIN_LEVEL_CRITICAL, "critical", "CRITICAL" },
};

/* The values are ABI and appear in every JSON document: they must never change. */
static void
test_values (void)
{
  g_assert_cmpint (TOCSIN_LEVEL_INFO, ==, 10);
  g_assert_cmpint (TOCSIN_LEVEL_SUCCESS, ==, 11);
  g_assert_cmpint (TOCSIN_LEVEL_WARNING, ==, 20);
  g_assert_cmpint (TOCSIN_LEVEL_CRITICAL, ==, 30);
}

/* Channels filter with "level >= min_level", so the order is what routing relies on. */
static void
test_order (void)
{
  g_assert_cmpint (TOCSIN_LEVEL_INFO, <, TOCSIN_LEVEL_SUCCESS);
  g_assert_cmpint (TOCSIN_LEVEL_SUCCESS, <, TOCSIN_LEVEL_WARNING);
  g_assert_cmpint (TOCSIN_LEVEL_WARNING, <, TOCSIN_LEVEL_CRITICAL);
}

static void
assert_parses (const char *name, TocsinLevel expected)
{
  g_autoptr (GError) error = NULL;
  TocsinLevel level = 0;

  g_test_message ("parsing '%s'", name);
  g_assert_true (tocsin_level_from_string (name, &level, &error));
  g_assert_no_error (error);
  g_assert_cmpint (level, ==, expected);
}

static void
test_from_string_lower (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (all_levels); i++)
    assert_parses (all_levels[i].lower, all_levels[i].level);
}

static void
test_from_string_case_insensitive (void)
{
  static const char *const mixed[] = { "Info", "sUCCESS", "WaRnInG", "critiCAL" };

  for (gsize i = 0; i < G_N_ELEMENTS (all_levels); i++)
    {
      assert_parses (all_levels[i].upper, all_levels[i].level);
      assert_parses (mixed[i], all_levels[i].level);
    }
}

static void
assert_rejected (const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *expected = NULL;
  TocsinLevel level = TOCSIN_LEVEL_WARNING;

  g_test_message ("parsing '%s'", name ? name : "(null)");
  g_assert_false (tocsin_level_from_string (name, &level, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_LEVEL);
  /* The message tells the user what would have been accepted, as the original did. */
  g_assert_nonnull (strstr (error->message, "info, success, warning, critical"));
  if (name != NULL)
    {
      expected = g_strdup_printf ("'%s'", name);
      g_assert_nonnull (strstr (error->message, expected));
    }
  /* A failed parse leaves the output alone. */
  g_assert_cmpint (level, ==, TOCSIN_LEVEL_WARNING);
}

static void
test_from_string_invalid (void)
{
  static const char *const invalid[] = { "debug", "", "inf", "infos", "error", "10", "warn" };

  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    assert_rejected (invalid[i]);
}

static void
test_from_string_message (void)
{
  g_autoptr (GError) error = NULL;
  TocsinLevel level;

  g_assert_false (tocsin_level_from_string ("debug", &level, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_LEVEL);
  g_assert_cmpstr (error->message, ==,
                   "Invalid alert level 'debug'. Valid levels: info, success, warning, critical");
}

static void
test_from_string_null_name (void)
{
  assert_rejected (NULL);
}

/* Callers that only validate may pass no GError. */
static void
test_from_string_no_error (void)
{
  TocsinLevel level = TOCSIN_LEVEL_INFO;

  g_assert_false (tocsin_level_from_string ("nope", &level, NULL));
  g_assert_cmpint (level, ==, TOCSIN_LEVEL_INFO);
  g_assert_true (tocsin_level_from_string ("critical", &level, NULL));
  g_assert_cmpint (level, ==, TOCSIN_LEVEL_CRITICAL);
}

static void
test_to_string_names (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (all_levels); i++)
    {
      g_assert_cmpstr (tocsin_level_to_string (all_levels[i].level), ==, all_levels[i].lower);
      g_assert_cmpstr (tocsin_level_to_upper (all_levels[i].level), ==, all_levels[i].upper);
    }
}

static void
test_to_string_round_trip (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (all_levels); i++)
    {
      TocsinLevel level = all_levels[i].level;
      g_autofree char *upper = g_ascii_strup (tocsin_level_to_string (level), -1);

      assert_parses (tocsin_level_to_string (level), level);
      assert_parses (tocsin_level_to_upper (level), level);
      g_assert_cmpstr (upper, ==, tocsin_level_to_upper (level));
    }
}

static void
test_to_string_invalid (void)
{
  static const int invalid[] = { 0, -10, 9, 12, 19, 21, 29, 31, 100, G_MAXINT, G_MININT };

  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_assert_null (tocsin_level_to_string ((TocsinLevel) invalid[i]));
      g_assert_null (tocsin_level_to_upper ((TocsinLevel) invalid[i]));
    }
}

static void
test_is_valid (void)
{
  static const int invalid[] = { 0, -10, 9, 12, 19, 21, 29, 31, 100, G_MAXINT, G_MININT };

  for (gsize i = 0; i < G_N_ELEMENTS (all_levels); i++)
    g_assert_true (tocsin_level_is_valid (all_levels[i].level));
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    g_assert_false (tocsin_level_is_valid (invalid[i]));
}

int
main (int argc, char **argv)
{
  tt_init (&argc, &argv);

  g_test_add_func ("/level/values", test_values);
  g_test_add_func ("/level/order", test_order);
  g_test_add_func ("/level/from-string/lower", test_from_string_lower);
  g_test_add_func ("/level/from-string/case-insensitive", test_from_string_case_insensitive);
  g_test_add_func ("/level/from-string/invalid", test_from_string_invalid);
  g_test_add_func ("/level/from-string/message", test_from_string_message);
  g_test_add_func ("/level/from-string/null-name", test_from_string_null_name);
  g_test_add_func ("/level/from-string/no-error", test_from_string_no_error);
  g_test_add_func ("/level/to-string/names", test_to_string_names);
  g_test_add_func ("/level/to-string/round-trip", test_to_string_round_trip);
  g_test_add_func ("/level/to-string/invalid", test_to_string_invalid);
  g_test_add_func ("/level/is-valid", test_is_valid);

  return g_test_run ();
}
