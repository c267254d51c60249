/* tsan-glib-locks.c: GMutex, GCond, GRWLock, GRecMutex and one-time initialisation.
 *
 * GMutex and GCond are futexes inside libglib: a GMutex is declared to TSan as a mutex (so that
 * reports list the locks held and lock-order inversions are found), and a GCond wait gives its
 * mutex up and takes it back. GRWLock and GRecMutex are pthread locks that TSan already
 * intercepts, but libglib allocates them on first use and publishes them with an atomic TSan
 * cannot see: the calls run ignored, the interceptors still order the threads. */
#include "tsan-glib.h"

static inline gboolean
have_mutex_api (void)
{
  return __tsan_mutex_pre_lock != NULL;
}

static inline void
mutex_locked (GMutex *mutex)
{
  if (have_mutex_api ())
    {
      __tsan_mutex_pre_lock (mutex, 0);
      __tsan_mutex_post_lock (mutex, 0, 0);
    }
}

static inline void
mutex_unlocking (GMutex *mutex)
{
  if (have_mutex_api ())
    {
      __tsan_mutex_pre_unlock (mutex, 0);
      __tsan_mutex_post_unlock (mutex, 0);
    }
}

TSAN_GLIB_EXPORT void
g_mutex_init (GMutex *mutex)
{
  REAL (g_mutex_init) (mutex);
  if (have_mutex_api ())
    __tsan_mutex_create (mutex, 0);
}

TSAN_GLIB_EXPORT void
g_mutex_clear (GMutex *mutex)
{
  if (have_mutex_api ())
    __tsan_mutex_destroy (mutex, 0);
  REAL (g_mutex_clear) (mutex);
}

TSAN_GLIB_EXPORT void
g_mutex_lock (GMutex *mutex)
{
  /* pre_lock before blocking: an inversion is reported even when it then deadlocks. */
  if (have_mutex_api ())
    __tsan_mutex_pre_lock (mutex, 0);
  REAL (g_mutex_lock) (mutex);
  if (have_mutex_api ())
    __tsan_mutex_post_lock (mutex, 0, 0);
}

TSAN_GLIB_EXPORT gboolean
g_mutex_trylock (GMutex *mutex)
{
  gboolean locked;

  if (have_mutex_api ())
    __tsan_mutex_pre_lock (mutex, TSAN_MUTEX_TRY_LOCK);
  locked = REAL (g_mutex_trylock) (mutex);
  if (have_mutex_api ())
    __tsan_mutex_post_lock (mutex, TSAN_MUTEX_TRY_LOCK | (locked ? 0 : TSAN_MUTEX_TRY_LOCK_FAILED), 0);
  return locked;
}

TSAN_GLIB_EXPORT void
g_mutex_unlock (GMutex *mutex)
{
  mutex_unlocking (mutex);
  REAL (g_mutex_unlock) (mutex);
}

TSAN_GLIB_EXPORT void
g_cond_wait (GCond *cond, GMutex *mutex)
{
  mutex_unlocking (mutex);
  REAL (g_cond_wait) (cond, mutex);
  mutex_locked (mutex);
}

TSAN_GLIB_EXPORT gboolean
g_cond_wait_until (GCond *cond, GMutex *mutex, gint64 end_time)
{
  gboolean signalled;

  mutex_unlocking (mutex);
  signalled = REAL (g_cond_wait_until) (cond, mutex, end_time);
  mutex_locked (mutex);
  return signalled;
}

/* GRWLock and GRecMutex: the same call, ignored. */
#define IGNORED_LOCK_OP(type, name, lock_type)                                  \
  TSAN_GLIB_EXPORT type name (lock_type *lock)                                  \
  {                                                                             \
    return IGNORING (REAL (name) (lock));                                       \
  }
#define IGNORED_LOCK_OP_VOID(name, lock_type)                                   \
  TSAN_GLIB_EXPORT void name (lock_type *lock)                                  \
  {                                                                             \
    IGNORING_VOID (REAL (name) (lock));                                         \
  }

IGNORED_LOCK_OP_VOID (g_rw_lock_writer_lock, GRWLock)
IGNORED_LOCK_OP (gboolean, g_rw_lock_writer_trylock, GRWLock)
IGNORED_LOCK_OP_VOID (g_rw_lock_writer_unlock, GRWLock)
IGNORED_LOCK_OP_VOID (g_rw_lock_reader_lock, GRWLock)
IGNORED_LOCK_OP (gboolean, g_rw_lock_reader_trylock, GRWLock)
IGNORED_LOCK_OP_VOID (g_rw_lock_reader_unlock, GRWLock)
IGNORED_LOCK_OP_VOID (g_rec_mutex_lock, GRecMutex)
IGNORED_LOCK_OP (gboolean, g_rec_mutex_trylock, GRecMutex)
IGNORED_LOCK_OP_VOID (g_rec_mutex_unlock, GRecMutex)

/* g_once_init_enter() is a macro whose fast path is an atomic load of @location, which TSan
 * sees: releasing on @location before the real store of g_once_init_leave() orders it. A
 * thread that waited in the slow path acquires explicitly. */
TSAN_GLIB_EXPORT gboolean
(g_once_init_enter) (volatile void *location)
{
  gboolean initialize = REAL (g_once_init_enter) (location);

  if (!initialize)
    tsan_glib_acquire (location);
  return initialize;
}

TSAN_GLIB_EXPORT void
(g_once_init_leave) (volatile void *location, gsize result)
{
  tsan_glib_release (location);
  REAL (g_once_init_leave) (location, result);
}

/* g_once(): the initialiser releases before GLib publishes the status, and a thread that went
 * through g_once_impl() acquires. The macro's fast path reads the status with no call at all: a
 * thread that only ever takes it cannot be annotated (tocsin's g_once initialisers only set up
 * third-party libraries, whose state TSan does not track). */
typedef struct
{
  GOnce *once;
  GThreadFunc func;
  gpointer arg;
} OnceCall;

static gpointer
once_trampoline (gpointer data)
{
  OnceCall *call = data;
  gpointer result = call->func (call->arg);

  tsan_glib_release (call->once);
  return result;
}

TSAN_GLIB_EXPORT gpointer
g_once_impl (GOnce *once, GThreadFunc func, gpointer arg)
{
  OnceCall call = { once, func, arg };
  gpointer result = REAL (g_once_impl) (once, once_trampoline, &call);

  tsan_glib_acquire (once);
  return result;
}
