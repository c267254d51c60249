/* tsan-glib-refs.c: reference counts kept inside GLib.
 *
 * The usual annotation of a reference count: release before each decrement, acquire in the
 * thread whose decrement reaches zero, before it frees. For gatomicrefcount
 * (g_atomic_ref_count_dec(), tocsin's own objects) the result says which decrement that was.
 * GLib's containers and objects decrement and free inside one call, so the shim looks at the
 * count before the call instead: a thread that holds the last reference sees 1, and then no other
 * thread can take a new one, so its decrement will be the last.
 *
 * Seeing 2 or more proves nothing: the other holder may drop its reference between the look and
 * the real decrement, and the real call then frees without the acquire (a false report that
 * reached CI, from a GPtrArray two threads dropped at once). So for the containers whose unref
 * does nothing but decrement unless it is the last (GPtrArray, GArray, GByteArray, GHashTable,
 * GBytes, GAsyncQueue, GMainContext in GLib 2.74) and for GObject (whose non-last unref is the
 * same compare-and-swap, toggle references aside) the shim does a decrement that is not the last
 * itself, with a compare-and-swap from the count it saw, and calls the real unref only with the
 * count at 1. The containers keep the count private: its offset is found once by experiment on a
 * fresh object (the int that goes from 1 to 2 on a ref); if no single int does, the type is only
 * released, never acquired, and its reports will show it. GSource decrements under its
 * context's lock, and the _free and _destroy variants do more than decrement, so they keep the
 * look before the call, with its window. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "tsan-glib.h"

TSAN_GLIB_EXPORT gboolean
g_atomic_ref_count_dec (gatomicrefcount *arc)
{
  gboolean last;

  tsan_glib_release (arc);
  last = REAL (g_atomic_ref_count_dec) (arc);
  if (last)
    tsan_glib_acquire (arc);
  return last;
}

/* An object whose reference count sits @offset bytes in (negative: unknown) is about to be
 * unreferenced: release, and acquire when this is the last reference. */
static void
unreffing (gconstpointer object, gssize offset)
{
  if (object == NULL)
    return;
  tsan_glib_release (object);
  if (offset >= 0
      && __atomic_load_n ((const gint *) ((const char *) object + offset), __ATOMIC_ACQUIRE) == 1)
    tsan_glib_acquire (object);
}

/* Drops a reference to @object, released first, if its count at @count (NULL: unknown) is above
 * @floor: with a compare-and-swap from the value seen, as GLib's own non-last unrefs do. Returns
 * TRUE when it did; FALSE when the real unref must run, after an acquire if the reference is the
 * last (no other thread can touch the count any more). */
static gboolean
drop_above (gconstpointer object, gint *count, gint floor)
{
  gint seen;

  tsan_glib_release (object);
  if (count == NULL)
    return FALSE;
  seen = __atomic_load_n (count, __ATOMIC_ACQUIRE);
  while (seen > floor)
    if (__atomic_compare_exchange_n (count, &seen, seen - 1, FALSE, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
      return TRUE;
  if (seen == 1)
    tsan_glib_acquire (object);
  return FALSE;
}

/* The private count @offset bytes into @object (negative: not found), for drop_above(). */
static gint *
count_at (gconstpointer object, gssize offset)
{
  return offset < 0 ? NULL : (gint *) ((char *) object + offset);
}

/* ---- Finding a private count. ------------------------------------------------------------ */

typedef gpointer (*NewFunc) (void);
typedef gpointer (*RefFunc) (gpointer object);
typedef void (*UnrefFunc) (gpointer object);

enum { PROBE_MAX_CANDIDATES = 16 };

/* The offset of the only int among the first bytes of @object that reads 1, and 2 after @ref;
 * -1 if not exactly one. The bytes are the malloc() block, or @min_size when the object comes
 * from a GSlice magazine (G_SLICE unset): the size of the type in GLib 2.74, which a later GLib
 * is unlikely to shrink. @object is unreferenced (twice) on return. */
static gssize
probe_object (gpointer object, gsize min_size, RefFunc ref, UnrefFunc unref)
{
  gsize block = malloc_usable_size (object);
  gsize size = (block > 0 ? block : min_size) / sizeof (gint) * sizeof (gint);
  gssize candidates[PROBE_MAX_CANDIDATES], found = -1;
  guint n = 0, matches = 0;

  for (gsize offset = 0; offset < size && n < PROBE_MAX_CANDIDATES; offset += sizeof (gint))
    if (*(const gint *) ((const char *) object + offset) == 1)
      candidates[n++] = (gssize) offset;
  ref (object);
  for (guint i = 0; i < n; i++)
    if (*(const gint *) ((const char *) object + candidates[i]) == 2)
      {
        found = candidates[i];
        matches++;
      }
  unref (object);
  unref (object);
  return matches == 1 ? found : -1;
}

typedef struct
{
  gssize offset;
  gint state; /* 0: not probed, 1: being probed, 2: offset known */
} Layout;

/* Says what the probe found for @type: always when it found nothing (the type's reports will
 * show it), and every time with TSAN_GLIB_VERBOSE set. */
static void
tell_offset (const char *type, gssize offset)
{
  if (offset < 0)
    fprintf (stderr, "tsan-glib: no reference count found in %s: its last unref is not "
             "annotated\n", type);
  else if (getenv ("TSAN_GLIB_VERBOSE") != NULL)
    fprintf (stderr, "tsan-glib: %s reference count at offset %zd\n", type, offset);
}

/* The offset for one type, probed by the first thread that needs it; the others wait. The state
 * is kept with atomics TSan does not see: the probe must not order the program's threads. */
static gssize
layout_offset (Layout *layout, const char *type, gsize min_size, NewFunc create, RefFunc ref,
               UnrefFunc unref)
{
  gint expected = 0;

  if (__tsan_acquire == NULL)
    return -1;
  if (__atomic_load_n (&layout->state, __ATOMIC_ACQUIRE) == 2)
    return layout->offset;
  if (__atomic_compare_exchange_n (&layout->state, &expected, 1, FALSE, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE))
    {
      tsan_glib_ignore_begin ();
      layout->offset = probe_object (create (), min_size, ref, unref);
      tsan_glib_ignore_end ();
      tell_offset (type, layout->offset);
      __atomic_store_n (&layout->state, 2, __ATOMIC_RELEASE);
    }
  while (__atomic_load_n (&layout->state, __ATOMIC_ACQUIRE) != 2)
    g_thread_yield ();
  return layout->offset;
}

/* The constructors the probe uses, as NewFunc. */
static gpointer
new_ptr_array (void)
{
  return REAL (g_ptr_array_new) ();
}

static gpointer
new_array (void)
{
  return REAL (g_array_new) (FALSE, FALSE, sizeof (gint));
}

static gpointer
new_byte_array (void)
{
  return REAL (g_byte_array_new) ();
}

static gpointer
new_hash_table (void)
{
  return REAL (g_hash_table_new) (NULL, NULL);
}

static gpointer
new_bytes (void)
{
  return REAL (g_bytes_new) ("probe", 5);
}

static gpointer
new_async_queue (void)
{
  return REAL (g_async_queue_new) ();
}

static gpointer
new_main_context (void)
{
  return REAL (g_main_context_new) ();
}

/* The offset of @type's count; @create makes one, @ref and @unref are the real functions;
 * @min_size is the type's size in GLib 2.74. */
#define OFFSET_OF_COUNT(type, min_size, create, ref, unref)                     \
  ({                                                                            \
    static Layout layout_;                                                      \
    layout_offset (&layout_, #type, min_size, create, (RefFunc) REAL (ref),     \
                   (UnrefFunc) REAL (unref));                                   \
  })

#define PTR_ARRAY_COUNT(a) OFFSET_OF_COUNT (GPtrArray, 32, new_ptr_array, g_ptr_array_ref, g_ptr_array_unref)
#define ARRAY_COUNT(a) OFFSET_OF_COUNT (GArray, 40, new_array, g_array_ref, g_array_unref)
#define BYTE_ARRAY_COUNT(a) OFFSET_OF_COUNT (GByteArray, 40, new_byte_array, g_byte_array_ref, g_byte_array_unref)
#define HASH_TABLE_COUNT(a) OFFSET_OF_COUNT (GHashTable, 96, new_hash_table, g_hash_table_ref, g_hash_table_unref)
#define BYTES_COUNT(a) OFFSET_OF_COUNT (GBytes, 40, new_bytes, g_bytes_ref, g_bytes_unref)
#define ASYNC_QUEUE_COUNT(a) OFFSET_OF_COUNT (GAsyncQueue, 64, new_async_queue, g_async_queue_ref, g_async_queue_unref)
#define MAIN_CONTEXT_COUNT(a) OFFSET_OF_COUNT (GMainContext, 64, new_main_context, g_main_context_ref, g_main_context_unref)

/* ---- The unref functions. ---------------------------------------------------------------- */

/* An unref that only decrements unless it drops the last reference. */
#define UNREF(type, name, count)                                                \
  TSAN_GLIB_EXPORT void name (type *object)                                     \
  {                                                                             \
    if (object == NULL                                                          \
        || !drop_above (object, count_at (object, count (object)), 1))          \
      REAL (name) (object);                                                     \
  }

UNREF (GPtrArray, g_ptr_array_unref, PTR_ARRAY_COUNT)
UNREF (GArray, g_array_unref, ARRAY_COUNT)
UNREF (GByteArray, g_byte_array_unref, BYTE_ARRAY_COUNT)
UNREF (GHashTable, g_hash_table_unref, HASH_TABLE_COUNT)
UNREF (GBytes, g_bytes_unref, BYTES_COUNT)
UNREF (GAsyncQueue, g_async_queue_unref, ASYNC_QUEUE_COUNT)
UNREF (GMainContext, g_main_context_unref, MAIN_CONTEXT_COUNT)

/* g_hash_table_destroy() empties the table even when the reference is not the last. */
TSAN_GLIB_EXPORT void
g_hash_table_destroy (GHashTable *table)
{
  unreffing (table, HASH_TABLE_COUNT (table));
  REAL (g_hash_table_destroy) (table);
}

/* The _free variants drop a reference too (and free the contents even when it is not the last). */
TSAN_GLIB_EXPORT gpointer *
g_ptr_array_free (GPtrArray *array, gboolean free_segment)
{
  unreffing (array, PTR_ARRAY_COUNT (array));
  return REAL (g_ptr_array_free) (array, free_segment);
}

TSAN_GLIB_EXPORT gchar *
g_array_free (GArray *array, gboolean free_segment)
{
  unreffing (array, ARRAY_COUNT (array));
  return REAL (g_array_free) (array, free_segment);
}

TSAN_GLIB_EXPORT guint8 *
g_byte_array_free (GByteArray *array, gboolean free_segment)
{
  unreffing (array, BYTE_ARRAY_COUNT (array));
  return REAL (g_byte_array_free) (array, free_segment);
}

TSAN_GLIB_EXPORT gpointer
g_bytes_unref_to_data (GBytes *bytes, gsize *size)
{
  unreffing (bytes, BYTES_COUNT (bytes));
  return REAL (g_bytes_unref_to_data) (bytes, size);
}

TSAN_GLIB_EXPORT GByteArray *
g_bytes_unref_to_array (GBytes *bytes)
{
  unreffing (bytes, BYTES_COUNT (bytes));
  return REAL (g_bytes_unref_to_array) (bytes);
}

/* ---- Public counts. --------------------------------------------------------------------- */

/* GObject's private flag for "has toggle references", in the low bits of its qdata pointer
 * (OBJECT_HAS_TOGGLE_REF_FLAG in GLib 2.74's gobject.c). */
#define OBJECT_HAS_TOGGLE_REF_FLAG 0x1

/* g_object_unref() of GLib 2.74 only decrements a count above 1 (compare-and-swap), except that
 * the decrement from 2 to 1 of an object with toggle references notifies them: the shim drops
 * the references it can drop exactly as GLib would, and leaves that one and the last one to
 * GLib. The toggle case keeps the window of a look before the call (no tocsin code uses
 * toggle references). */
TSAN_GLIB_EXPORT void
g_object_unref (gpointer object)
{
  GObject *gobject = object;
  gint floor;

  if (gobject == NULL)
    {
      REAL (g_object_unref) (object); /* GLib's own warning */
      return;
    }
  floor = (REAL (g_datalist_get_flags) (&gobject->qdata) & OBJECT_HAS_TOGGLE_REF_FLAG) ? 2 : 1;
  if (!drop_above (object, (gint *) &gobject->ref_count, floor))
    REAL (g_object_unref) (object);
}

TSAN_GLIB_EXPORT void
g_source_unref (GSource *source)
{
  unreffing (source, G_STRUCT_OFFSET (GSource, ref_count));
  REAL (g_source_unref) (source);
}
