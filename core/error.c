/* error.c: the TOCSIN_ERROR domain.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>

/* Not G_DEFINE_QUARK: its cache is a plain static read and written by whichever threads
 * first raise an error, a data race (ThreadSanitizer reports it). */
GQuark
tocsin_error_quark (void)
{
  static gsize quark = 0;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("tocsin-error-quark"));
  return (GQuark) quark;
}
