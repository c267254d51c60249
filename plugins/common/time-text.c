/* time-text.c: see time-text.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "time-text.h"

#include <stdlib.h>
#include <time.h>

/* Writes @value as @width decimal digits, zero-padded (the caller bounds @value). */
static char *
put_digits (char *out, long value, int width)
{
  for (int i = width - 1; i >= 0; i--)
    {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  return out + width;
}

char *
priv_tocsin_format_rfc3339 (gint64 unix_usec, char out[PRIV_TOCSIN_RFC3339_SIZE])
{
  time_t seconds = (time_t) (unix_usec / G_USEC_PER_SEC);
  long micro = (long) (unix_usec % G_USEC_PER_SEC);
  struct tm tm;
  long offset;
  char *p = out;

  if (micro < 0)
    {
      seconds--;
      micro += G_USEC_PER_SEC;
    }
  /* localtime_r with tm_gmtoff, and the digits written here rather than by GDateTime, strftime
   * or printf: this runs for every alert a file or webhook channel writes, and their parsing
   * of a format and allocations showed in the webhook benchmark. glibc reads the zone once
   * (TZ, else /etc/localtime). Years outside 0..9999 are not RFC 3339 and are refused. */
  out[0] = '\0';
  if (localtime_r (&seconds, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
    return NULL;
  offset = labs (tm.tm_gmtoff) / 60;
  p = put_digits (p, tm.tm_year + 1900L, 4);
  *p++ = '-';
  p = put_digits (p, tm.tm_mon + 1, 2);
  *p++ = '-';
  p = put_digits (p, tm.tm_mday, 2);
  *p++ = 'T';
  p = put_digits (p, tm.tm_hour, 2);
  *p++ = ':';
  p = put_digits (p, tm.tm_min, 2);
  *p++ = ':';
  p = put_digits (p, tm.tm_sec, 2);
  *p++ = '.';
  p = put_digits (p, micro, 6);
  *p++ = tm.tm_gmtoff < 0 ? '-' : '+';
  p = put_digits (p, offset / 60 % 100, 2);
  *p++ = ':';
  p = put_digits (p, offset % 60, 2);
  *p = '\0';
  return out;
}
