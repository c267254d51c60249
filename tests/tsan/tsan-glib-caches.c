/* tsan-glib-caches.c: GLib's process-wide caches.
 *
 * GLib keeps some things it computed once in caches shared by all threads, behind locks of its
 * own that TSan cannot see: the GTimeZone objects it loaded (the local one, one per identifier)
 * and the UTF-8 text of each errno value (g_strerror(), g_strsignal()). A thread that builds a
 * local GDateTime, or a GError from errno, then reads strings another thread's lookup allocated.
 * What the cache holds is GLib's alone and never changes once there (callers get read-only
 * strings, or objects read only through GLib), so the calls that fill and read it run ignored:
 * the memory they allocate has no writer TSan knows of, and no later reader races with one. */
#include "tsan-glib.h"

#define IGNORED(ret, name, params, args)                                        \
  TSAN_GLIB_EXPORT ret name params                                              \
  {                                                                             \
    return IGNORING (REAL (name) args);                                         \
  }

#define IGNORED_VOID(name, params, args)                                        \
  TSAN_GLIB_EXPORT void name params                                             \
  {                                                                             \
    IGNORING_VOID (REAL (name) args);                                           \
  }

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
IGNORED (GTimeZone *, g_time_zone_new, (const gchar *identifier), (identifier))
G_GNUC_END_IGNORE_DEPRECATIONS
IGNORED (GTimeZone *, g_time_zone_new_identifier, (const gchar *identifier), (identifier))
IGNORED (GTimeZone *, g_time_zone_new_local, (void), ())
IGNORED (GTimeZone *, g_time_zone_new_utc, (void), ())
IGNORED (GTimeZone *, g_time_zone_new_offset, (gint32 seconds), (seconds))
IGNORED_VOID (g_time_zone_unref, (GTimeZone *tz), (tz))

IGNORED (GDateTime *, g_date_time_new_now_local, (void), ())
IGNORED (GDateTime *, g_date_time_new_from_unix_local, (gint64 t), (t))
IGNORED (GDateTime *, g_date_time_to_local, (GDateTime *datetime), (datetime))
IGNORED (GDateTime *, g_date_time_new_local,
         (gint year, gint month, gint day, gint hour, gint minute, gdouble seconds),
         (year, month, day, hour, minute, seconds))
IGNORED (gchar *, g_date_time_format, (GDateTime *datetime, const gchar *format),
         (datetime, format))
IGNORED_VOID (g_date_time_unref, (GDateTime *datetime), (datetime))

/* The strings are the cache's own and immutable: read-only for the caller. */
IGNORED (const gchar *, g_strerror, (gint errnum), (errnum))
IGNORED (const gchar *, g_strsignal, (gint signum), (signum))
