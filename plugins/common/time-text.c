/* time-text.c: see time-text.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "time-text.h"

/* The local zone, looked up once per process: g_time_zone_new_local() checks /etc/localtime
 * (a readlink and two stats) on every call, which showed in the webhook benchmark. A change of
 * the system's zone is seen after a restart. */
static GTimeZone *
local_zone (void)
{
  static gsize zone = 0;

  if (g_once_init_enter (&zone))
    g_once_init_leave (&zone, (gsize) g_time_zone_new_local ());
  return (GTimeZone *) zone;
}

char *
priv_tocsin_format_rfc3339 (gint64 unix_usec)
{
  gint64 seconds = unix_usec / G_USEC_PER_SEC;
  gint64 micro = unix_usec % G_USEC_PER_SEC;
  g_autoptr (GDateTime) utc = NULL;
  g_autoptr (GDateTime) local = NULL;
  g_autoptr (GDateTime) exact = NULL;

  if (micro < 0)
    {
      seconds--;
      micro += G_USEC_PER_SEC;
    }
  utc = g_date_time_new_from_unix_utc (seconds);
  local = utc ? g_date_time_to_timezone (utc, local_zone ()) : NULL;
  exact = local ? g_date_time_add (local, micro) : NULL;
  return exact ? g_date_time_format (exact, "%Y-%m-%dT%H:%M:%S.%f%:z") : NULL;
}
