/* fuzz-sandbox.c: see fuzz-sandbox.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>

char *fuzz_sandbox;

static gboolean
inside_sandbox (const char *path)
{
  g_autofree char *canonical = g_canonicalize_filename (path, NULL);
  gsize n = fuzz_sandbox ? strlen (fuzz_sandbox) : 0;

  return n > 0 && strncmp (canonical, fuzz_sandbox, n) == 0 && canonical[n] == '/';
}

int
__wrap_open (const char *path, int flags, ...)
{
  mode_t mode = 0;

  if (flags & O_CREAT)
    {
      va_list args;
      va_start (args, flags);
      mode = va_arg (args, mode_t);
      va_end (args);
    }
  if ((flags & O_NONBLOCK) && !inside_sandbox (path))
    {
      errno = EACCES;
      return -1;
    }
  return __real_open (path, flags, mode);
}
