/* tsan-glib-main.c: work handed to another thread's GMainContext.
 *
 * A source attached by one thread is dispatched by the thread that runs its context, behind
 * the context's lock, inside libglib. g_source_attach() releases on the source, and swaps the
 * source's GSourceFuncs for a copy whose dispatch acquires on it first, so what the attaching
 * thread did happens before the source's callback and its finalisation. GIO's GTask returns to
 * its caller's context this way (g_task_return_*() attach an idle source).
 *
 * g_idle_add*(), g_timeout_add*() and g_main_context_invoke*() attach inside libglib, where
 * the shim cannot see it: they get a trampoline around the caller's function instead, which
 * acquires on the data the caller released on. Their real calls run ignored (the source is
 * malloc'ed there and freed by the dispatching thread); a callback GLib runs at once (invoke
 * from the context's owner) is a callout.
 *
 * Swapping source_funcs breaks a lookup by GSourceFuncs (g_idle_remove_by_data(),
 * g_source_remove_by_funcs_user_data()) for sources attached through g_source_attach(); tocsin
 * uses none. */
#include <stdlib.h>

#include "tsan-glib.h"

typedef struct
{
  GSourceFuncs funcs; /* first: what GLib sees as source->source_funcs */
  const GSourceFuncs *orig;
} WrappedFuncs;

static gboolean
wrapped_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  const WrappedFuncs *wrapped = (const WrappedFuncs *) source->source_funcs;
  int depth = tsan_glib_callout_begin ();
  gboolean again;

  tsan_glib_acquire (source);
  again = wrapped->orig->dispatch (source, callback, user_data);
  /* For whoever destroys or unrefs the source after this dispatch. */
  tsan_glib_release (source);
  tsan_glib_callout_end (depth);
  return again;
}

/* The wrapped copies, one per GSourceFuncs table, kept forever (a handful per program). The
 * lock is a spinlock TSan does not see: it must not order the threads that attach sources. */
enum { MAX_FUNCS = 256 };
static WrappedFuncs *wrapped_funcs[MAX_FUNCS];
static guint n_wrapped_funcs;
static gint wrapped_funcs_lock;

static WrappedFuncs *
find_or_add_wrapped (const GSourceFuncs *orig)
{
  WrappedFuncs *found = NULL;

  for (guint i = 0; i < n_wrapped_funcs && found == NULL; i++)
    if (wrapped_funcs[i]->orig == orig)
      found = wrapped_funcs[i];
  if (found == NULL && n_wrapped_funcs < MAX_FUNCS)
    {
      found = calloc (1, sizeof *found);
      if (found == NULL)
        abort ();
      found->funcs = *orig;
      found->funcs.dispatch = wrapped_dispatch;
      found->orig = orig;
      wrapped_funcs[n_wrapped_funcs++] = found;
    }
  return found;
}

/* (transfer none) The wrapped copy of @orig; @orig itself when it is wrapped already, has no
 * dispatch, or the table is full. */
static const GSourceFuncs *
wrap_funcs (const GSourceFuncs *orig)
{
  WrappedFuncs *wrapped;

  if (orig == NULL || orig->dispatch == NULL || orig->dispatch == wrapped_dispatch)
    return orig;
  while (__atomic_exchange_n (&wrapped_funcs_lock, 1, __ATOMIC_ACQUIRE))
    ;
  wrapped = find_or_add_wrapped (orig);
  __atomic_store_n (&wrapped_funcs_lock, 0, __ATOMIC_RELEASE);
  return wrapped ? &wrapped->funcs : orig;
}

TSAN_GLIB_EXPORT guint
g_source_attach (GSource *source, GMainContext *context)
{
  if (__tsan_acquire != NULL && source != NULL)
    source->source_funcs = wrap_funcs (source->source_funcs);
  tsan_glib_release (source);
  return IGNORING (REAL (g_source_attach) (source, context));
}

/* ---- Trampolines for the functions that attach inside libglib. ---------------------------- */

typedef struct
{
  GSourceFunc func;
  GSourceOnceFunc once_func;
  gpointer data;
  GDestroyNotify notify;
} Call;

static Call *
call_new (GSourceFunc func, GSourceOnceFunc once_func, gpointer data, GDestroyNotify notify)
{
  Call *call = calloc (1, sizeof *call);

  if (call == NULL)
    abort ();
  call->func = func;
  call->once_func = once_func;
  call->data = data;
  call->notify = notify;
  tsan_glib_release (call);
  return call;
}

static gboolean
call_trampoline (gpointer data)
{
  Call *call = data;
  int depth = tsan_glib_callout_begin ();
  gboolean again = G_SOURCE_REMOVE;

  tsan_glib_acquire (call);
  if (call->once_func != NULL)
    call->once_func (call->data);
  else
    again = call->func (call->data);
  tsan_glib_release (call);
  tsan_glib_callout_end (depth);
  return again;
}

static void
call_free (gpointer data)
{
  Call *call = data;
  int depth = tsan_glib_callout_begin ();

  tsan_glib_acquire (call);
  if (call->notify != NULL)
    call->notify (call->data);
  free (call);
  tsan_glib_callout_end (depth);
}

TSAN_GLIB_EXPORT guint
g_idle_add_full (gint priority, GSourceFunc function, gpointer data, GDestroyNotify notify)
{
  Call *call = call_new (function, NULL, data, notify);

  return IGNORING (REAL (g_idle_add_full) (priority, call_trampoline, call, call_free));
}

TSAN_GLIB_EXPORT guint
g_idle_add (GSourceFunc function, gpointer data)
{
  return g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, function, data, NULL);
}

TSAN_GLIB_EXPORT guint
g_idle_add_once (GSourceOnceFunc function, gpointer data)
{
  Call *call = call_new (NULL, function, data, NULL);

  return IGNORING (REAL (g_idle_add_full) (G_PRIORITY_DEFAULT_IDLE, call_trampoline, call,
                                           call_free));
}

TSAN_GLIB_EXPORT guint
g_timeout_add_full (gint priority, guint interval, GSourceFunc function, gpointer data,
                    GDestroyNotify notify)
{
  Call *call = call_new (function, NULL, data, notify);

  return IGNORING (REAL (g_timeout_add_full) (priority, interval, call_trampoline, call,
                                              call_free));
}

TSAN_GLIB_EXPORT guint
g_timeout_add (guint interval, GSourceFunc function, gpointer data)
{
  return g_timeout_add_full (G_PRIORITY_DEFAULT, interval, function, data, NULL);
}

TSAN_GLIB_EXPORT guint
g_timeout_add_once (guint interval, GSourceOnceFunc function, gpointer data)
{
  Call *call = call_new (NULL, function, data, NULL);

  return IGNORING (REAL (g_timeout_add_full) (G_PRIORITY_DEFAULT, interval, call_trampoline,
                                              call, call_free));
}

TSAN_GLIB_EXPORT guint
g_timeout_add_seconds_full (gint priority, guint interval, GSourceFunc function, gpointer data,
                            GDestroyNotify notify)
{
  Call *call = call_new (function, NULL, data, notify);

  return IGNORING (REAL (g_timeout_add_seconds_full) (priority, interval, call_trampoline, call,
                                                      call_free));
}

TSAN_GLIB_EXPORT guint
g_timeout_add_seconds (guint interval, GSourceFunc function, gpointer data)
{
  return g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, interval, function, data, NULL);
}

TSAN_GLIB_EXPORT void
g_main_context_invoke_full (GMainContext *context, gint priority, GSourceFunc function,
                            gpointer data, GDestroyNotify notify)
{
  Call *call = call_new (function, NULL, data, notify);

  IGNORING_VOID (REAL (g_main_context_invoke_full) (context, priority, call_trampoline, call,
                                                    call_free));
}

TSAN_GLIB_EXPORT void
g_main_context_invoke (GMainContext *context, GSourceFunc function, gpointer data)
{
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, function, data, NULL);
}
