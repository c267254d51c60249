/* tsan-glib-queues.c: GAsyncQueue and GThreadPool, hand-offs between threads.
 *
 * A push releases on the queue (or pool) and a pop that got an item acquires it. The real calls
 * run ignored: the list nodes live inside GLib, malloc'ed by the pusher and freed by the popper.
 * The queue's own lock (g_async_queue_lock/unlock) acquires and releases on the queue too, so
 * what a thread does under it is ordered before the next thread that takes it. */
#include <stdlib.h>

#include "tsan-glib.h"

TSAN_GLIB_EXPORT void
g_async_queue_lock (GAsyncQueue *queue)
{
  IGNORING_VOID (REAL (g_async_queue_lock) (queue));
  tsan_glib_acquire (queue);
}

TSAN_GLIB_EXPORT void
g_async_queue_unlock (GAsyncQueue *queue)
{
  tsan_glib_release (queue);
  IGNORING_VOID (REAL (g_async_queue_unlock) (queue));
}

#define PUSH(name, params, args)                                                \
  TSAN_GLIB_EXPORT void name params                                             \
  {                                                                             \
    tsan_glib_release (queue);                                                  \
    IGNORING_VOID (REAL (name) args);                                           \
  }

PUSH (g_async_queue_push, (GAsyncQueue *queue, gpointer data), (queue, data))
PUSH (g_async_queue_push_unlocked, (GAsyncQueue *queue, gpointer data), (queue, data))
PUSH (g_async_queue_push_front, (GAsyncQueue *queue, gpointer item), (queue, item))
PUSH (g_async_queue_push_front_unlocked, (GAsyncQueue *queue, gpointer item), (queue, item))

/* The sorted pushes call the program's compare function under the queue's lock: not ignored. */
TSAN_GLIB_EXPORT void
g_async_queue_push_sorted (GAsyncQueue *queue, gpointer data, GCompareDataFunc func,
                           gpointer user_data)
{
  tsan_glib_release (queue);
  REAL (g_async_queue_push_sorted) (queue, data, func, user_data);
}

TSAN_GLIB_EXPORT void
g_async_queue_push_sorted_unlocked (GAsyncQueue *queue, gpointer data, GCompareDataFunc func,
                                    gpointer user_data)
{
  tsan_glib_release (queue);
  REAL (g_async_queue_push_sorted_unlocked) (queue, data, func, user_data);
}

#define POP(name, params, args)                                                 \
  TSAN_GLIB_EXPORT gpointer name params                                         \
  {                                                                             \
    gpointer item = IGNORING (REAL (name) args);                                \
    if (item != NULL)                                                           \
      tsan_glib_acquire (queue);                                                \
    return item;                                                                \
  }

POP (g_async_queue_pop, (GAsyncQueue *queue), (queue))
POP (g_async_queue_pop_unlocked, (GAsyncQueue *queue), (queue))
POP (g_async_queue_try_pop, (GAsyncQueue *queue), (queue))
POP (g_async_queue_try_pop_unlocked, (GAsyncQueue *queue), (queue))
POP (g_async_queue_timeout_pop, (GAsyncQueue *queue, guint64 timeout), (queue, timeout))
POP (g_async_queue_timeout_pop_unlocked, (GAsyncQueue *queue, guint64 timeout), (queue, timeout))
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
POP (g_async_queue_timed_pop, (GAsyncQueue *queue, GTimeVal *end_time), (queue, end_time))
POP (g_async_queue_timed_pop_unlocked, (GAsyncQueue *queue, GTimeVal *end_time), (queue, end_time))
G_GNUC_END_IGNORE_DEPRECATIONS

/* Removing an item is a hand-off too: the remover may free it. */
TSAN_GLIB_EXPORT gboolean
g_async_queue_remove (GAsyncQueue *queue, gpointer item)
{
  gboolean removed = IGNORING (REAL (g_async_queue_remove) (queue, item));

  if (removed)
    tsan_glib_acquire (queue);
  return removed;
}

TSAN_GLIB_EXPORT gboolean
g_async_queue_remove_unlocked (GAsyncQueue *queue, gpointer item)
{
  gboolean removed = IGNORING (REAL (g_async_queue_remove_unlocked) (queue, item));

  if (removed)
    tsan_glib_acquire (queue);
  return removed;
}

/* GThreadPool: the pool's function is replaced by a trampoline that acquires on the pool before
 * it runs an item. GIO runs its GTask threads and asynchronous file operations this way. The
 * trampoline's data is never freed: a pool may run items after g_thread_pool_free() returns
 * (immediate = FALSE, wait_ = FALSE), and programs create few pools. */
typedef struct
{
  GFunc func;
  gpointer user_data;
  GThreadPool *pool;
} PoolCall;

static void
pool_trampoline (gpointer data, gpointer user_data)
{
  PoolCall *call = user_data;
  int depth = tsan_glib_callout_begin ();

  tsan_glib_acquire (call->pool);
  call->func (data, call->user_data);
  tsan_glib_callout_end (depth);
}

static PoolCall *
pool_call_new (GFunc func, gpointer user_data)
{
  PoolCall *call = calloc (1, sizeof *call);

  if (call == NULL)
    abort ();
  call->func = func;
  call->user_data = user_data;
  return call;
}

/* (The pool's public user_data field shows the trampoline's data: GLib reads it for each item.) */
static GThreadPool *
pool_created (GThreadPool *pool, PoolCall *call)
{
  if (pool == NULL)
    {
      free (call);
      return NULL;
    }
  call->pool = pool;
  return pool;
}

TSAN_GLIB_EXPORT GThreadPool *
g_thread_pool_new (GFunc func, gpointer user_data, gint max_threads, gboolean exclusive,
                   GError **error)
{
  PoolCall *call = pool_call_new (func, user_data);

  return pool_created (REAL (g_thread_pool_new) (pool_trampoline, call, max_threads, exclusive,
                                                 error), call);
}

TSAN_GLIB_EXPORT GThreadPool *
g_thread_pool_new_full (GFunc func, gpointer user_data, GDestroyNotify item_free_func,
                        gint max_threads, gboolean exclusive, GError **error)
{
  PoolCall *call = pool_call_new (func, user_data);

  return pool_created (REAL (g_thread_pool_new_full) (pool_trampoline, call, item_free_func,
                                                      max_threads, exclusive, error), call);
}

TSAN_GLIB_EXPORT gboolean
g_thread_pool_push (GThreadPool *pool, gpointer data, GError **error)
{
  tsan_glib_release (pool);
  return IGNORING (REAL (g_thread_pool_push) (pool, data, error));
}

/* What else the program may call on pools pushes GLib's own markers onto the pools' internal
 * queues (wake-ups, stop requests): ignored like a push. An item_free_func that
 * g_thread_pool_free() runs in the calling thread is ignored with it (tocsin has none). */
TSAN_GLIB_EXPORT void
g_thread_pool_free (GThreadPool *pool, gboolean immediate, gboolean wait_)
{
  tsan_glib_release (pool);
  IGNORING_VOID (REAL (g_thread_pool_free) (pool, immediate, wait_));
}

TSAN_GLIB_EXPORT gboolean
g_thread_pool_set_max_threads (GThreadPool *pool, gint max_threads, GError **error)
{
  return IGNORING (REAL (g_thread_pool_set_max_threads) (pool, max_threads, error));
}

TSAN_GLIB_EXPORT gboolean
g_thread_pool_move_to_front (GThreadPool *pool, gpointer data)
{
  return IGNORING (REAL (g_thread_pool_move_to_front) (pool, data));
}

TSAN_GLIB_EXPORT void
g_thread_pool_set_max_unused_threads (gint max_threads)
{
  IGNORING_VOID (REAL (g_thread_pool_set_max_unused_threads) (max_threads));
}

TSAN_GLIB_EXPORT void
g_thread_pool_stop_unused_threads (void)
{
  IGNORING_VOID (REAL (g_thread_pool_stop_unused_threads) ());
}

TSAN_GLIB_EXPORT void
g_thread_pool_set_max_idle_time (guint interval)
{
  IGNORING_VOID (REAL (g_thread_pool_set_max_idle_time) (interval));
}
