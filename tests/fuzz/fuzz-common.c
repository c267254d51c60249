/* fuzz-common.c: see fuzz-common.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void (*fuzz_failure_context) (void);

void
fuzz_check_failed (const char *file, int line, const char *what)
{
  fprintf (stderr, "%s:%d: check failed: %s\n", strrchr (file, '/') ? strrchr (file, '/') + 1 : file,
           line, what);
  if (fuzz_failure_context != NULL)
    fuzz_failure_context ();
  abort ();
}

gboolean
fuzz_abort_on_critical (GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                        gpointer user_data)
{
  if (!(level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)))
    return FALSE;
  g_log_writer_standard_streams (level, fields, n_fields, user_data);
  abort ();
}

GLogWriterOutput
fuzz_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  fuzz_abort_on_critical (level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

char *
fuzz_next_field (FuzzReader *r)
{
  const guint8 *nul;
  gsize len;
  char *field;

  if (r->left == 0)
    return g_strdup ("");
  nul = memchr (r->p, 0, r->left);
  len = nul ? (gsize) (nul - r->p) : r->left;
  field = g_strndup ((const char *) r->p, len);
  len += nul ? 1 : 0;
  r->p += len;
  r->left -= len;
  return field;
}
