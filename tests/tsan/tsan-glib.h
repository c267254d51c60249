/* tsan-glib.h: what the modules of the TSan/GLib shim share (README.md says why it exists).
 *
 * Each module defines public GLib functions: the program's calls to them (through the PLT) land
 * here, are annotated for ThreadSanitizer, and go on to the real function, found with
 * dlsym (RTLD_NEXT). The shim is built without -fsanitize=thread, so its own memory accesses are
 * invisible to TSan, and without libtsan: the __tsan_* entry points are weak, and in a program
 * that has no TSan (a shell or python3 that inherited LD_PRELOAD) every annotation is skipped.
 */
#ifndef TSAN_GLIB_H
#define TSAN_GLIB_H

#include <gio/gio.h>

/* The GLib functions the shim replaces; everything else stays inside the library. */
#define TSAN_GLIB_EXPORT __attribute__ ((visibility ("default")))

/* <sanitizer/tsan_interface.h>, declared weak. */
#pragma GCC visibility push(default)
extern void __tsan_acquire (void *addr) __attribute__ ((weak));
extern void __tsan_release (void *addr) __attribute__ ((weak));
extern void __tsan_mutex_create (void *addr, unsigned flags) __attribute__ ((weak));
extern void __tsan_mutex_destroy (void *addr, unsigned flags) __attribute__ ((weak));
extern void __tsan_mutex_pre_lock (void *addr, unsigned flags) __attribute__ ((weak));
extern void __tsan_mutex_post_lock (void *addr, unsigned flags, int recursion) __attribute__ ((weak));
extern int __tsan_mutex_pre_unlock (void *addr, unsigned flags) __attribute__ ((weak));
extern void __tsan_mutex_post_unlock (void *addr, unsigned flags) __attribute__ ((weak));
extern void __tsan_ignore_thread_begin (void) __attribute__ ((weak));
extern void __tsan_ignore_thread_end (void) __attribute__ ((weak));
#pragma GCC visibility pop

/* Flag values of tsan_interface.h (stable since LLVM 5). */
#define TSAN_MUTEX_TRY_LOCK (1u << 4)
#define TSAN_MUTEX_TRY_LOCK_FAILED (1u << 5)

/* (transfer none) The next definition of @name after the shim; aborts when there is none. */
void *tsan_glib_resolve (const char *name);

/* The real @name, resolved once per call site. Two threads resolving at once store the same
 * pointer; the relaxed atomics only keep the compiler from tearing or caching the access. */
#define REAL(name)                                                              \
  ({                                                                            \
    static __typeof__ (name) *real_;                                            \
    __typeof__ (name) *fn_ = __atomic_load_n (&real_, __ATOMIC_RELAXED);        \
    if (G_UNLIKELY (fn_ == NULL))                                               \
      {                                                                         \
        fn_ = (__typeof__ (name) *) tsan_glib_resolve (#name);                  \
        __atomic_store_n (&real_, fn_, __ATOMIC_RELAXED);                       \
      }                                                                         \
    fn_;                                                                        \
  })

static inline void
tsan_glib_acquire (const volatile void *addr)
{
  if (__tsan_acquire != NULL)
    __tsan_acquire ((void *) addr);
}

static inline void
tsan_glib_release (const volatile void *addr)
{
  if (__tsan_release != NULL)
    __tsan_release ((void *) addr);
}

/* Memory accesses of this thread are ignored between begin and end (nestable). For a GLib call
 * that moves memory of its own between threads behind its own, invisible lock: a GAsyncQueue's
 * list node is malloc'ed by the pushing thread and freed by the popping one, and the malloc and
 * free interceptors would see two unordered threads touch it. Inside, only GLib's internals run
 * (a callback of the program's that may run there goes through a callout); the program's data
 * are ordered by the acquire and release the wrapper does around the call. */
void tsan_glib_ignore_begin (void);
void tsan_glib_ignore_end (void);

/* A callback of the program's, called by GLib: lifts the ignore the current thread may be under
 * (a callback run synchronously inside an ignored call) and returns what to give back to
 * tsan_glib_callout_end() when the callback returns. */
int tsan_glib_callout_begin (void);
void tsan_glib_callout_end (int depth);

#define IGNORING(call)                                                          \
  ({                                                                            \
    tsan_glib_ignore_begin ();                                                  \
    __auto_type ret_ = (call);                                                  \
    tsan_glib_ignore_end ();                                                    \
    ret_;                                                                       \
  })

#define IGNORING_VOID(call)                                                     \
  G_STMT_START                                                                  \
  {                                                                             \
    tsan_glib_ignore_begin ();                                                  \
    call;                                                                       \
    tsan_glib_ignore_end ();                                                    \
  }                                                                             \
  G_STMT_END

#endif /* TSAN_GLIB_H */
