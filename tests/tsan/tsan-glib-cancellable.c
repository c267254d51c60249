/* tsan-glib-cancellable.c: GCancellable handlers, run by the thread that cancels.
 *
 * g_cancellable_connect() releases on a trampoline's data that the handler acquires before it
 * runs, so what the connecting thread set up happens before the handler. After the handler the
 * trampoline releases on the cancellable, and g_cancellable_disconnect() (which waits for a
 * running handler to return) acquires on it: what the handler did happens before what the
 * disconnecting thread does next (delivery.c frees its batch after disconnecting). */
#include <stdlib.h>

#include "tsan-glib.h"

typedef struct
{
  void (*func) (GCancellable *cancellable, gpointer data);
  gpointer data;
  GDestroyNotify destroy;
} Handler;

static void
handler_trampoline (GCancellable *cancellable, gpointer data)
{
  Handler *handler = data;
  int depth = tsan_glib_callout_begin ();

  tsan_glib_acquire (handler);
  handler->func (cancellable, handler->data);
  tsan_glib_release (cancellable);
  tsan_glib_callout_end (depth);
}

/* A GDestroyNotify, which GLib also calls as a GClosureNotify (with one more argument). */
static void
handler_free (gpointer data)
{
  Handler *handler = data;
  int depth = tsan_glib_callout_begin ();

  tsan_glib_acquire (handler);
  if (handler->destroy != NULL)
    handler->destroy (handler->data);
  free (handler);
  tsan_glib_callout_end (depth);
}

TSAN_GLIB_EXPORT gulong
g_cancellable_connect (GCancellable *cancellable, GCallback callback, gpointer data,
                       GDestroyNotify data_destroy_func)
{
  Handler *handler;

  if (cancellable == NULL || callback == NULL)
    return REAL (g_cancellable_connect) (cancellable, callback, data, data_destroy_func);
  handler = calloc (1, sizeof *handler);
  if (handler == NULL)
    abort ();
  handler->func = (void (*) (GCancellable *, gpointer)) callback;
  handler->data = data;
  handler->destroy = data_destroy_func;
  tsan_glib_release (handler);
  return REAL (g_cancellable_connect) (cancellable, G_CALLBACK (handler_trampoline), handler,
                                       handler_free);
}

TSAN_GLIB_EXPORT void
g_cancellable_disconnect (GCancellable *cancellable, gulong handler_id)
{
  REAL (g_cancellable_disconnect) (cancellable, handler_id);
  if (cancellable != NULL)
    tsan_glib_acquire (cancellable);
}
