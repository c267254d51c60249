/* canary.c: proves, before the TSan suite runs, that ThreadSanitizer is active, that the GLib
 * shim orders what GLib really orders, and that it hides no race around a hand-off.
 *
 *   canary SCENARIO     runs one scenario; TSan exits 66 (its exitcode) when it reports.
 *
 * scripts/test-tsan.sh runs each one with the shim preloaded and checks the outcome: the "ok-"
 * scenarios must run clean, the "race-" ones must be reported. Built with -fsanitize=thread by
 * tests/tsan/CMakeLists.txt. */
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
  int value;
  char text[16];
} Item;

static int shared; /* what the race- scenarios race on */

/* ---- Two threads and nothing between them: TSan itself must be working. ------------------ */

static gpointer
bump_shared (gpointer data)
{
  shared++;
  return data;
}

static void
race_plain (void)
{
  GThread *thread = g_thread_new ("canary", bump_shared, NULL);

  shared++;
  g_thread_join (thread);
}

/* ---- GMutex: increments under the lock are ordered. ---------------------------------------- */

static GMutex lock;

static gpointer
bump_locked (gpointer data)
{
  for (int i = 0; i < 1000; i++)
    {
      g_mutex_lock (&lock);
      shared++;
      g_mutex_unlock (&lock);
    }
  return data;
}

static void
ok_mutex (void)
{
  GThread *thread = g_thread_new ("canary", bump_locked, NULL);

  bump_locked (NULL);
  g_thread_join (thread);
}

/* ---- GAsyncQueue: what the pusher wrote before the push is the popper's. ------------------- */

static gpointer
pop_and_read (gpointer data)
{
  GAsyncQueue *queue = data;
  Item *item = g_async_queue_pop (queue);
  int value = item->value + (int) strlen (item->text);

  g_free (item);
  return GINT_TO_POINTER (value + shared);
}

static void
queue_scenario (gboolean write_after_push)
{
  GAsyncQueue *queue = g_async_queue_new ();
  GThread *thread = g_thread_new ("canary", pop_and_read, queue);
  Item *item = g_new0 (Item, 1);

  item->value = 42;
  strcpy (item->text, "hand-off");
  if (!write_after_push)
    shared = 1;
  g_async_queue_push (queue, item);
  /* A write after the hand-off is not ordered with the popper's read. */
  if (write_after_push)
    shared = 2;
  g_thread_join (thread);
  g_async_queue_unref (queue);
}

/* ---- A GPtrArray whose last reference, dropped by another thread, frees what it holds. ---- */

static gint main_dropped; /* relaxed atomics: tells the thread to go on, orders nothing */

static gpointer
drop_array_last (gpointer data)
{
  while (!__atomic_load_n (&main_dropped, __ATOMIC_RELAXED))
    g_thread_yield ();
  g_ptr_array_unref (data);
  return NULL;
}

static void
ok_ptr_array (void)
{
  GPtrArray *array = g_ptr_array_new_with_free_func (g_free);
  Item *item = g_new0 (Item, 1);
  GThread *thread;

  g_ptr_array_add (array, item);
  thread = g_thread_new ("canary", drop_array_last, g_ptr_array_ref (array));
  item->value = 7;
  g_ptr_array_unref (array);
  __atomic_store_n (&main_dropped, 1, __ATOMIC_RELAXED);
  g_thread_join (thread);
}

/* ---- The same, with both threads dropping their reference at once, many times over. ------
 * Either one may be last. The shim must still order the other's write before the free: a
 * shim that decided "not the last" from a count read before the real decrement missed it when
 * the other thread decremented in between. */

enum { CONTENDED_ROUNDS = 20000 };

static gint contended_go; /* relaxed: both threads wait for it, so their unrefs overlap */

/* What owns the two items of a round (slot 0: the main thread's, 1: the other thread's) and frees
 * them with its last reference. */
typedef struct
{
  gpointer (*make) (void);
  gpointer (*ref) (gpointer owner);
  void (*unref) (gpointer owner);
  Item *(*item) (gpointer owner, guint slot);
} Owner;

static gpointer
make_array (void)
{
  GPtrArray *array = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (array, g_new0 (Item, 1));
  g_ptr_array_add (array, g_new0 (Item, 1));
  return array;
}

static Item *
array_item (gpointer owner, guint slot)
{
  return g_ptr_array_index ((GPtrArray *) owner, slot);
}

static const char *const object_slots[] = { "main", "thread" };

/* A GObject whose data, freed when it is finalized, are the items. */
static gpointer
make_object (void)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

  for (guint slot = 0; slot < G_N_ELEMENTS (object_slots); slot++)
    g_object_set_data_full (object, object_slots[slot], g_new0 (Item, 1), g_free);
  return object;
}

static Item *
object_item (gpointer owner, guint slot)
{
  return g_object_get_data (owner, object_slots[slot]);
}

static const Owner array_owner = {
  make_array, (gpointer (*) (gpointer)) g_ptr_array_ref, (void (*) (gpointer)) g_ptr_array_unref,
  array_item
};
static const Owner object_owner = { make_object, g_object_ref, g_object_unref, object_item };

typedef struct
{
  const Owner *owner;
  GAsyncQueue *owners; /* one reference per round, for the thread */
  GAsyncQueue *done;
} Contended;

/* Each thread writes its own item, lines up with the other and drops its reference. */
static void
write_and_drop (const Owner *owner, gpointer object, guint slot, gint round)
{
  owner->item (object, slot)->value = round;
  __atomic_add_fetch (&contended_go, 1, __ATOMIC_RELAXED);
  while (__atomic_load_n (&contended_go, __ATOMIC_RELAXED) < 2 * (round + 1))
    ;
  owner->unref (object);
}

static gpointer
drop_contended (gpointer data)
{
  Contended *c = data;

  for (gint round = 0; round < CONTENDED_ROUNDS; round++)
    {
      write_and_drop (c->owner, g_async_queue_pop (c->owners), 1, round);
      g_async_queue_push (c->done, GINT_TO_POINTER (1));
    }
  return NULL;
}

static void
contended_scenario (const Owner *owner)
{
  Contended c = { owner, g_async_queue_new (), g_async_queue_new () };
  GThread *thread = g_thread_new ("canary", drop_contended, &c);

  for (gint round = 0; round < CONTENDED_ROUNDS; round++)
    {
      gpointer object = owner->make ();

      g_async_queue_push (c.owners, owner->ref (object));
      write_and_drop (owner, object, 0, round);
      g_async_queue_pop (c.done);
    }
  g_thread_join (thread);
  g_async_queue_unref (c.owners);
  g_async_queue_unref (c.done);
}

static void
ok_ptr_array_contended (void)
{
  contended_scenario (&array_owner);
}

static void
ok_object_contended (void)
{
  contended_scenario (&object_owner);
}

/* ---- A write after dropping a reference is not ordered with the last unref. -------------- */

static gint thread_dropped; /* relaxed, as main_dropped */

static gpointer
drop_then_write (gpointer data)
{
  g_object_unref (data);
  shared = 3;
  __atomic_store_n (&thread_dropped, 1, __ATOMIC_RELAXED);
  return NULL;
}

static void
race_object_after_unref (void)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  GThread *thread = g_thread_new ("canary", drop_then_write, g_object_ref (object));

  while (!__atomic_load_n (&thread_dropped, __ATOMIC_RELAXED))
    g_thread_yield ();
  g_object_unref (object);
  shared++;
  g_thread_join (thread);
}

/* ---- Work handed to the main context: g_main_context_invoke() and g_source_attach(). ------ */

static gboolean idle_done;

static gboolean
read_item (gpointer data)
{
  Item *item = data;

  g_assert_cmpint (item->value, ==, 5);
  g_free (item);
  idle_done = TRUE;
  return G_SOURCE_REMOVE;
}

static gpointer
post_invoke (gpointer data)
{
  Item *item = g_new0 (Item, 1);

  item->value = 5;
  g_main_context_invoke (data, read_item, item);
  return NULL;
}

static gpointer
post_source (gpointer data)
{
  Item *item = g_new0 (Item, 1);
  GSource *source = g_idle_source_new ();

  item->value = 5;
  g_source_set_callback (source, read_item, item, NULL);
  g_source_attach (source, data);
  g_source_unref (source);
  return NULL;
}

static void
main_context_scenario (GThreadFunc post)
{
  GMainContext *context = g_main_context_new ();
  GThread *thread;

  g_main_context_push_thread_default (context);
  thread = g_thread_new ("canary", post, context);
  while (!idle_done)
    g_main_context_iteration (context, TRUE);
  g_thread_join (thread);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

static void
ok_invoke (void)
{
  main_context_scenario (post_invoke);
}

static void
ok_source (void)
{
  main_context_scenario (post_source);
}

/* ---- GThreadPool: the item is the pool thread's. ------------------------------------------- */

static void
run_item (gpointer data, gpointer user_data)
{
  Item *item = data;

  g_assert_cmpint (item->value, ==, 9);
  g_free (item);
  g_async_queue_push (user_data, GINT_TO_POINTER (1));
}

static void
ok_pool (void)
{
  GAsyncQueue *done = g_async_queue_new ();
  GThreadPool *pool = g_thread_pool_new (run_item, done, 2, FALSE, NULL);
  Item *item = g_new0 (Item, 1);

  item->value = 9;
  g_thread_pool_push (pool, item, NULL);
  g_async_queue_pop (done);
  g_thread_pool_free (pool, FALSE, TRUE);
  g_async_queue_unref (done);
}

static void
ok_queue (void)
{
  queue_scenario (FALSE);
}

static void
race_queue (void)
{
  queue_scenario (TRUE);
}

static const struct
{
  const char *name;
  void (*run) (void);
} scenarios[] = {
  { "race-plain", race_plain },
  { "race-queue", race_queue },
  { "race-object-after-unref", race_object_after_unref },
  { "ok-mutex", ok_mutex },
  { "ok-queue", ok_queue },
  { "ok-ptr-array", ok_ptr_array },
  { "ok-ptr-array-contended", ok_ptr_array_contended },
  { "ok-object-contended", ok_object_contended },
  { "ok-invoke", ok_invoke },
  { "ok-source", ok_source },
  { "ok-pool", ok_pool },
};

int
main (int argc, char **argv)
{
  for (gsize i = 0; argc == 2 && i < G_N_ELEMENTS (scenarios); i++)
    if (strcmp (argv[1], scenarios[i].name) == 0)
      {
        scenarios[i].run ();
        return 0;
      }
  fprintf (stderr, "usage: canary {");
  for (gsize i = 0; i < G_N_ELEMENTS (scenarios); i++)
    fprintf (stderr, "%s%s", i ? "|" : "", scenarios[i].name);
  fprintf (stderr, "}\n");
  return 2;
}
