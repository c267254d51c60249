/* tsan-glib-common.c: symbol resolution and the ignore/callout bookkeeping of the shim. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "tsan-glib.h"

/* How many tsan_glib_ignore_begin() this thread is under: a callout lifts them all. */
static __thread int ignore_depth;

void *
tsan_glib_resolve (const char *name)
{
  void *fn = dlsym (RTLD_NEXT, name);

  if (fn == NULL)
    {
      /* Only a caller already bound to the shim's definition gets here, so GLib is loaded: a
       * missing symbol means another GLib than the shim was written for. */
      fprintf (stderr, "tsan-glib: %s not found after the shim: %s\n", name, dlerror ());
      abort ();
    }
  return fn;
}

void
tsan_glib_ignore_begin (void)
{
  if (__tsan_ignore_thread_begin == NULL)
    return;
  __tsan_ignore_thread_begin ();
  ignore_depth++;
}

void
tsan_glib_ignore_end (void)
{
  if (__tsan_ignore_thread_end == NULL)
    return;
  ignore_depth--;
  __tsan_ignore_thread_end ();
}

int
tsan_glib_callout_begin (void)
{
  int depth = ignore_depth;

  for (int i = 0; i < depth; i++)
    tsan_glib_ignore_end ();
  return depth;
}

void
tsan_glib_callout_end (int depth)
{
  for (int i = 0; i < depth; i++)
    tsan_glib_ignore_begin ();
}
