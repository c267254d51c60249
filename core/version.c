/* version.c
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>

const char *
tocsin_get_version (void)
{
  return TOCSIN_VERSION_STRING;
}
