/* test-plugin-common.c: the helpers compiled into several plugins (plugins/common).
 *
 * The time zone is the process's (TZ), which is read by a single-threaded process before each
 * case; POSIX TZ strings need no zone database.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "time-text.h"

#include <stdlib.h>
#include <time.h>

typedef struct {
  const char *name;
  const char *zone;
  gint64 unix_usec;
  const char *expected; /* NULL: refused */
} StampCase;

static const StampCase stamp_cases[] = {
  { "epoch", "UTC0", 0, "1970-01-01T00:00:00.000000+00:00" },
  { "microseconds", "UTC0", 5, "1970-01-01T00:00:00.000005+00:00" },
  { "before-epoch", "UTC0", -1, "1969-12-31T23:59:59.999999+00:00" },
  { "utc", "UTC0", 1700000000123456, "2023-11-14T22:13:20.123456+00:00" },
  { "half-hour-west", "NST+3:30", 1700000000123456, "2023-11-14T18:43:20.123456-03:30" },
  { "half-hour-east", "IST-5:30", 1700000000123456, "2023-11-15T03:43:20.123456+05:30" },
  { "twelve-west", "UTC+12", 0, "1969-12-31T12:00:00.000000-12:00" },
  { "last-year", "UTC0", 253402300799999999, "9999-12-31T23:59:59.999999+00:00" },
  /* The same instant is in the year 10000 at +14:00, which RFC 3339 cannot write. */
  { "year-10000", "UTC-14", 253402300799999999, NULL },
};

static void
test_rfc3339 (gconstpointer data)
{
  const StampCase *c = data;
  char out[PRIV_TOCSIN_RFC3339_SIZE];
  const char *stamp;

  g_setenv ("TZ", c->zone, TRUE);
  tzset ();
  stamp = priv_tocsin_format_rfc3339 (c->unix_usec, out);
  g_assert_cmpstr (stamp, ==, c->expected);
  if (c->expected == NULL)
    g_assert_cmpstr (out, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (stamp_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/plugin-common/rfc3339/%s", stamp_cases[i].name);
      g_test_add_data_func (path, &stamp_cases[i], test_rfc3339);
    }
  return g_test_run ();
}
