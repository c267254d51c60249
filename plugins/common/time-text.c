/* time-text.c: see time-text.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "time-text.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

char *
priv_tocsin_format_rfc3339 (gint64 unix_usec)
{
  time_t seconds = (time_t) (unix_usec / G_USEC_PER_SEC);
  long micro = (long) (unix_usec % G_USEC_PER_SEC);
  struct tm tm;
  char date[32];
  long offset;

  if (micro < 0)
    {
      seconds--;
      micro += G_USEC_PER_SEC;
    }
  /* localtime_r with tm_gmtoff rather than GDateTime: this runs for every alert a file or
   * webhook channel writes, and GDateTime's allocations and formatting showed in the webhook
   * benchmark. glibc reads the zone once (TZ, else /etc/localtime). */
  if (localtime_r (&seconds, &tm) == NULL || strftime (date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
    return NULL;
  offset = tm.tm_gmtoff / 60;
  return g_strdup_printf ("%s.%06ld%c%02ld:%02ld", date, micro, offset < 0 ? '-' : '+',
                          labs (offset) / 60, labs (offset) % 60);
}
