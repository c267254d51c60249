/* manager.c: channels, routing of alerts to them, the three ways to send, flush and shutdown.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "channel-private.h"
#include "channel-spec-private.h"
#include "clock-private.h"
#include "config-private.h"
#include "log-private.h"
#include "registry-private.h"
#include "spool-private.h"
#include "stats-private.h"

#include <math.h>
#include <string.h>

/* How often the watchdog looks for deliveries past their timeout. Timeouts are >= 1 s, so a
 * delivery is reported at most this much late; polling keeps the send path free of timers. */
#define WATCHDOG_PERIOD_USEC (50 * 1000)

struct _TocsinManager {
  gatomicrefcount ref;
  TocsinClock *clock;       /* (owned) */
  GRWLock lock;             /* guards channels and throttle */
  GPtrArray *channels;      /* (element-type TocsinChannel) (owned) */
  TocsinThrottle *throttle; /* (owned) (nullable) shared by channels without their own */
  TocsinPending *pending;   /* (owned) */
  GThread *watchdog;        /* (owned) (nullable) started with the first channel */
  GMutex watch_lock;        /* guards watch_stop */
  GCond watch_cond;
  gboolean watch_stop;
};

TocsinManager *
tocsin_manager_new_with_clock (TocsinClock *clock)
{
  TocsinManager *manager;

  g_return_val_if_fail (clock != NULL, NULL);
  manager = g_new0 (TocsinManager, 1);
  g_atomic_ref_count_init (&manager->ref);
  manager->clock = tocsin_clock_ref (clock);
  g_rw_lock_init (&manager->lock);
  manager->channels = g_ptr_array_new ();
  manager->pending = priv_tocsin_pending_new ();
  g_mutex_init (&manager->watch_lock);
  g_cond_init (&manager->watch_cond);
  return manager;
}

TocsinManager *
tocsin_manager_new (void)
{
  return tocsin_manager_new_with_clock (tocsin_clock_get_system ());
}

TocsinManager *
tocsin_manager_ref (TocsinManager *manager)
{
  g_return_val_if_fail (manager != NULL, NULL);
  g_atomic_ref_count_inc (&manager->ref);
  return manager;
}

static gpointer
watchdog_main (gpointer data)
{
  TocsinManager *manager = data;

  g_mutex_lock (&manager->watch_lock);
  while (!manager->watch_stop)
    {
      g_cond_wait_until (&manager->watch_cond, &manager->watch_lock,
                         g_get_monotonic_time () + WATCHDOG_PERIOD_USEC);
      g_mutex_unlock (&manager->watch_lock);
      g_rw_lock_reader_lock (&manager->lock);
      for (guint i = 0; i < manager->channels->len; i++)
        priv_tocsin_channel_check_deadlines (manager->channels->pdata[i]);
      g_rw_lock_reader_unlock (&manager->lock);
      g_mutex_lock (&manager->watch_lock);
    }
  g_mutex_unlock (&manager->watch_lock);
  return NULL;
}

/* Drains every channel: what was accepted is delivered (or, behind a hung worker, reported
 * failed), then workers are joined and plugin instances destroyed. */
static void
shutdown_channels (TocsinManager *manager)
{
  for (guint i = 0; i < manager->channels->len; i++)
    priv_tocsin_channel_stop (manager->channels->pdata[i]);
  for (guint i = 0; i < manager->channels->len; i++)
    {
      TocsinChannel *channel = manager->channels->pdata[i];
      while (!priv_tocsin_channel_wait_stopped (channel, G_USEC_PER_SEC))
        priv_tocsin_log (G_LOG_LEVEL_DEBUG, channel->key,
                         "shutdown: waiting for channel '%s' to deliver %d queued alert(s)",
                         channel->key, g_atomic_int_get (&channel->in_flight));
    }
  if (manager->watchdog != NULL)
    {
      g_mutex_lock (&manager->watch_lock);
      manager->watch_stop = TRUE;
      g_cond_signal (&manager->watch_cond);
      g_mutex_unlock (&manager->watch_lock);
      g_thread_join (manager->watchdog);
    }
  for (guint i = 0; i < manager->channels->len; i++)
    priv_tocsin_channel_unref (manager->channels->pdata[i]);
  g_ptr_array_set_size (manager->channels, 0);
}

void
tocsin_manager_unref (TocsinManager *manager)
{
  g_return_if_fail (manager != NULL);
  if (!g_atomic_ref_count_dec (&manager->ref))
    return;
  shutdown_channels (manager);
  g_ptr_array_unref (manager->channels);
  g_clear_pointer (&manager->throttle, tocsin_throttle_unref);
  priv_tocsin_pending_unref (manager->pending);
  tocsin_clock_unref (manager->clock);
  g_rw_lock_clear (&manager->lock);
  g_mutex_clear (&manager->watch_lock);
  g_cond_clear (&manager->watch_cond);
  g_free (manager);
}

void
tocsin_manager_set_throttle (TocsinManager *manager, TocsinThrottle *throttle)
{
  g_return_if_fail (manager != NULL);
  g_rw_lock_writer_lock (&manager->lock);
  g_clear_pointer (&manager->throttle, tocsin_throttle_unref);
  manager->throttle = throttle ? tocsin_throttle_ref (throttle) : NULL;
  for (guint i = 0; i < manager->channels->len; i++)
    {
      TocsinChannel *channel = manager->channels->pdata[i];
      g_clear_pointer (&channel->shared_throttle, tocsin_throttle_unref);
      if (channel->own_throttle == NULL && throttle != NULL)
        channel->shared_throttle = tocsin_throttle_ref (throttle);
    }
  g_rw_lock_writer_unlock (&manager->lock);
}

/* Lock held. Keys and aliases share one namespace: a target must name one channel. */
static TocsinChannel *
find_id_locked (TocsinManager *manager, const char *id)
{
  for (guint i = 0; id != NULL && i < manager->channels->len; i++)
    {
      TocsinChannel *channel = manager->channels->pdata[i];
      if (g_strcmp0 (channel->key, id) == 0 || g_strcmp0 (channel->alias, id) == 0)
        return channel;
    }
  return NULL;
}

static gboolean
check_unique_locked (TocsinManager *manager, const TocsinChannelSpec *spec, const char *where,
                     GError **error)
{
  const char *ids[] = { spec->key, spec->alias };

  for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      TocsinChannel *other = find_id_locked (manager, ids[i]);
      if (other != NULL)
        {
          g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_DUPLICATE_KEY,
                       "%schannel '%s': %s '%s' is already used by channel '%s'; keys and aliases "
                       "must be unique", where, spec->key, i == 0 ? "key" : "alias", ids[i],
                       other->key);
          return FALSE;
        }
    }
  return TRUE;
}

/* GPtrArray sort functions receive pointers to the elements. */
static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* (transfer full) "a, b, c": the plugin files (<name>.so) on the search path, not loaded. */
static char *
list_plugin_files (const char *const *extra_dirs)
{
  g_auto (GStrv) path = tocsin_plugin_get_search_path (extra_dirs);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; path[i] != NULL; i++)
    {
      g_autoptr (GDir) dir = g_dir_open (path[i], 0, NULL);
      const char *file;

      while (dir != NULL && (file = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (file, ".so"))
          g_ptr_array_add (names, g_strndup (file, strlen (file) - 3));
    }
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (", ", (char **) names->pdata);
}

static void
set_unknown_type_error (const TocsinChannelSpec *spec, const char *where,
                        const char *const *extra_dirs, GError **error)
{
  g_auto (GStrv) known = priv_tocsin_registry_list_channel_types ();
  g_autofree char *list = g_strjoinv (", ", known);
  g_autofree char *files = list_plugin_files (extra_dirs);

  g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_UNKNOWN_TYPE,
               "%schannel '%s': unknown type '%s'; types loaded: %s; plugin files on the search "
               "path: %s. Load the plugin that provides it with <plugin name=\"...\"/> or put "
               "%s.so on the plugin path", where, spec->key, spec->type, *list ? list : "(none)",
               *files ? files : "(none)", spec->type);
}

gboolean
tocsin_manager_add_channel (TocsinManager *manager, const TocsinChannelSpec *spec, GError **error)
{
  const TocsinChannelClass *klass;
  g_autofree char *location = NULL;
  g_autofree char *where = NULL;
  TocsinChannel *channel;

  g_return_val_if_fail (manager != NULL && spec != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  location = priv_tocsin_config_node_dup_location (spec->node);
  where = spec->node->line > 0 ? g_strdup_printf ("%s: ", location) : g_strdup ("");
  klass = priv_tocsin_registry_lookup_channel (spec->type);
  if (klass == NULL)
    {
      set_unknown_type_error (spec, where, NULL, error);
      return FALSE;
    }

  g_rw_lock_writer_lock (&manager->lock);
  if (!check_unique_locked (manager, spec, where, error))
    {
      g_rw_lock_writer_unlock (&manager->lock);
      return FALSE;
    }
  channel = priv_tocsin_channel_new (spec, klass, manager->clock, manager->throttle,
                                     manager->pending, error);
  if (channel != NULL)
    {
      g_ptr_array_add (manager->channels, channel);
      if (manager->watchdog == NULL)
        manager->watchdog = g_thread_new ("tocsin-watchdog", watchdog_main, manager);
    }
  g_rw_lock_writer_unlock (&manager->lock);
  /* Cite the <channel> line unless the error already cites a line of this file. */
  if (channel == NULL && *where && error && *error &&
      !g_str_has_prefix ((*error)->message, spec->node->file ? spec->node->file : "<data>"))
    g_prefix_error (error, "%s", where);
  return channel != NULL;
}

guint
tocsin_manager_get_n_channels (TocsinManager *manager)
{
  guint n;

  g_return_val_if_fail (manager != NULL, 0);
  g_rw_lock_reader_lock (&manager->lock);
  n = manager->channels->len;
  g_rw_lock_reader_unlock (&manager->lock);
  return n;
}

TocsinChannel *
tocsin_manager_get_channel (TocsinManager *manager, guint index)
{
  TocsinChannel *channel = NULL;

  g_return_val_if_fail (manager != NULL, NULL);
  g_rw_lock_reader_lock (&manager->lock);
  if (index < manager->channels->len)
    channel = manager->channels->pdata[index];
  g_rw_lock_reader_unlock (&manager->lock);
  return channel;
}

/* Lock held. Key first, then alias, then type name: a key is never shadowed by an earlier
 * channel's alias or type. */
static TocsinChannel *
find_target_locked (TocsinManager *manager, const char *target)
{
  for (int pass = 0; pass < 3; pass++)
    for (guint i = 0; i < manager->channels->len; i++)
      {
        TocsinChannel *channel = manager->channels->pdata[i];
        const char *id = pass == 0 ? channel->key : pass == 1 ? channel->alias : channel->type_name;
        if (g_strcmp0 (id, target) == 0)
          return channel;
      }
  return NULL;
}

TocsinChannel *
tocsin_manager_find_channel (TocsinManager *manager, const char *target)
{
  TocsinChannel *channel;

  g_return_val_if_fail (manager != NULL && target != NULL, NULL);
  g_rw_lock_reader_lock (&manager->lock);
  channel = find_target_locked (manager, target);
  g_rw_lock_reader_unlock (&manager->lock);
  return channel;
}

/* Lock held. The channels an alert goes to: the target alone (whatever its min level, as in the
 * original), else every channel whose min level the alert reaches. */
static gboolean
wants (TocsinChannel *channel, TocsinChannel *target, TocsinAlert *alert)
{
  if (target != NULL)
    return channel == target;
  return tocsin_alert_get_level (alert) >= channel->min_level;
}

/* Lock held. Resolves @target; FALSE (with a warning) when nothing can be delivered at all. */
static gboolean
resolve_locked (TocsinManager *manager, const char *target, TocsinChannel **resolved)
{
  *resolved = NULL;
  if (manager->channels->len == 0)
    {
      priv_tocsin_log (G_LOG_LEVEL_WARNING, NULL, "no channels are configured; alert not delivered");
      return FALSE;
    }
  if (target == NULL)
    return TRUE;
  *resolved = find_target_locked (manager, target);
  if (*resolved == NULL)
    priv_tocsin_log (G_LOG_LEVEL_WARNING, NULL,
                     "no channel has the key, alias or type '%s'; alert not delivered", target);
  return *resolved != NULL;
}

static guint
count_locked (TocsinManager *manager, TocsinChannel *target, TocsinAlert *const *alerts, guint n)
{
  guint total = 0;

  for (guint a = 0; a < n; a++)
    for (guint c = 0; c < manager->channels->len; c++)
      total += wants (manager->channels->pdata[c], target, alerts[a]);
  return total;
}

/* Lock held. With a spool, commits @alert with a delivery for each channel that wants it, before
 * anything is accepted. NULL: committed (or no spool); else why not (transfer full). */
static char *
spool_alert_locked (TocsinManager *manager, TocsinChannel *target, TocsinAlert *alert)
{
  TocsinSpool *spool = manager->pending->spool;
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GError) error = NULL;

  if (spool == NULL)
    return NULL;
  keys = g_ptr_array_new ();
  for (guint c = 0; c < manager->channels->len; c++)
    if (wants (manager->channels->pdata[c], target, alert))
      g_ptr_array_add (keys, ((TocsinChannel *) manager->channels->pdata[c])->key);
  g_ptr_array_add (keys, NULL);
  if (keys->len == 1 || priv_tocsin_spool_add (spool, alert, (const char *const *) keys->pdata, &error))
    return NULL;
  priv_tocsin_log (G_LOG_LEVEL_WARNING, NULL, "alert %s not accepted: %s", tocsin_alert_get_id (alert),
                   error->message);
  return g_strdup_printf ("not accepted: %s", error->message);
}

typedef struct {
  TocsinChannel *channel;
  TocsinDelivery *delivery;
} Deferred;

/* Lock held. Queues every (alert, channel) delivery in order, alert by alert; a throttle that
 * has no token refuses the delivery at once, and so does a spool that cannot record the alert.
 * A channel whose full queue makes the caller wait (overflow "block") gets the alert last, so
 * that a hung channel does not hold it back from the others. Returns how many were queued. */
static guint
dispatch_locked (TocsinManager *manager, TocsinChannel *target, TocsinAlert *const *alerts, guint n,
                 TocsinBatch *batch)
{
  g_autoptr (GArray) deferred = NULL;
  guint index = 0, queued = 0;

  for (guint a = 0; a < n; a++)
    {
      g_autofree char *refused = spool_alert_locked (manager, target, alerts[a]);

      for (guint c = 0; c < manager->channels->len; c++)
        {
          TocsinChannel *channel = manager->channels->pdata[c];
          TocsinThrottle *throttle;
          TocsinDelivery *delivery;

          if (!wants (channel, target, alerts[a]))
            continue;
          if (batch != NULL)
            priv_tocsin_batch_describe (batch, index, channel->key, alerts[a]);
          delivery = priv_tocsin_delivery_new (alerts[a], batch, index++);
          delivery->spooled = manager->pending->spool != NULL && refused == NULL;
          throttle = priv_tocsin_channel_get_throttle (channel);
          if (refused != NULL)
            priv_tocsin_channel_reject (channel, delivery, FALSE, refused);
          else if (throttle != NULL && !tocsin_throttle_try_acquire (throttle))
            priv_tocsin_channel_reject (channel, delivery, TRUE, "Rate limit exceeded");
          else if (priv_tocsin_channel_would_block (channel))
            {
              Deferred later = { channel, delivery };
              if (deferred == NULL)
                deferred = g_array_new (FALSE, FALSE, sizeof (Deferred));
              g_array_append_val (deferred, later);
            }
          else
            queued += priv_tocsin_channel_push (channel, delivery) ? 1 : 0;
        }
      /* The channels that make the caller wait, once the others have the alert. */
      for (guint d = 0; deferred != NULL && d < deferred->len; d++)
        {
          Deferred *later = &g_array_index (deferred, Deferred, d);
          queued += priv_tocsin_channel_push (later->channel, later->delivery) ? 1 : 0;
        }
      if (deferred != NULL)
        g_array_set_size (deferred, 0);
    }
  return queued;
}

/* Creates the batch for a send and queues its deliveries; @task (nullable) is attached before
 * anything is queued so a fast channel cannot finish the batch first. */
static TocsinBatch *
start_send (TocsinManager *manager, TocsinAlert *const *alerts, guint n, const char *target,
            GTask *task, GCancellable *cancellable)
{
  TocsinChannel *resolved = NULL;
  TocsinBatch *batch;
  gboolean ok;

  g_rw_lock_reader_lock (&manager->lock);
  ok = n > 0 && resolve_locked (manager, target, &resolved);
  batch = priv_tocsin_batch_new (ok ? count_locked (manager, resolved, alerts, n) : 0);
  if (task != NULL)
    priv_tocsin_batch_attach_task (batch, task, cancellable);
  if (ok)
    dispatch_locked (manager, resolved, alerts, n, batch);
  g_rw_lock_reader_unlock (&manager->lock);
  return batch;
}

/* The longest a blocking send of @alerts may wait: the largest budget among the channels they
 * go to (the channel's timeout times its attempts, plus its backoffs, for each delivery ahead). */
static gint64
send_budget (TocsinManager *manager, TocsinAlert *const *alerts, guint n, const char *target)
{
  TocsinChannel *resolved = NULL;
  gint64 budget = 0;

  g_rw_lock_reader_lock (&manager->lock);
  if (n > 0 && resolve_locked (manager, target, &resolved))
    for (guint c = 0; c < manager->channels->len; c++)
      {
        TocsinChannel *channel = manager->channels->pdata[c];
        guint count = 0;

        for (guint a = 0; a < n; a++)
          count += wants (channel, resolved, alerts[a]);
        if (count > 0)
          budget = MAX (budget, priv_tocsin_channel_get_budget (channel, count));
      }
  g_rw_lock_reader_unlock (&manager->lock);
  return budget;
}

GPtrArray *
tocsin_manager_send_many (TocsinManager *manager, TocsinAlert *const *alerts, guint n_alerts,
                          const char *target)
{
  g_autofree char *why = NULL;
  TocsinBatch *batch;
  GPtrArray *results;
  gint64 budget, started;

  g_return_val_if_fail (manager != NULL, NULL);
  g_return_val_if_fail (alerts != NULL || n_alerts == 0, NULL);
  /* Before the send: its own deliveries are counted in as they are queued. The deadline runs
   * from here, so a wait for room in a full queue counts against it. */
  budget = send_budget (manager, alerts, n_alerts, target);
  started = tocsin_clock_now (manager->clock);
  batch = start_send (manager, alerts, n_alerts, target, NULL, NULL);
  why = g_strdup_printf ("not finished within the send's deadline of %.15g s (the channel's "
                         "timeout times its attempts, plus backoffs): the delivery goes on in "
                         "the background", (double) budget / G_USEC_PER_SEC);
  results = priv_tocsin_batch_wait_until (batch, manager->clock, started + budget, why);
  priv_tocsin_batch_unref (batch);
  return results;
}

GPtrArray *
tocsin_manager_send (TocsinManager *manager, TocsinAlert *alert, const char *target)
{
  g_return_val_if_fail (alert != NULL, NULL);
  return tocsin_manager_send_many (manager, &alert, 1, target);
}

/* TRUE when queueing @alerts would make the caller wait for room: a channel they go to has a
 * full queue and the block policy. (A queue may fill a moment later; that caller then waits.) */
static gboolean
would_block (TocsinManager *manager, TocsinAlert *const *alerts, guint n, const char *target)
{
  TocsinChannel *resolved = NULL;
  gboolean blocks = FALSE;

  g_rw_lock_reader_lock (&manager->lock);
  if (target != NULL)
    resolved = find_target_locked (manager, target);
  if (target == NULL || resolved != NULL)
    for (guint c = 0; c < manager->channels->len && !blocks; c++)
      {
        TocsinChannel *channel = manager->channels->pdata[c];
        /* The queue first: almost always it has room, and the alerts need no look. */
        if (!priv_tocsin_channel_would_block (channel))
          continue;
        for (guint a = 0; a < n && !blocks; a++)
          blocks = wants (channel, resolved, alerts[a]);
      }
  g_rw_lock_reader_unlock (&manager->lock);
  return blocks;
}

typedef struct {
  TocsinManager *manager; /* (owned): this thread may be the last to hold it */
  GPtrArray *alerts;      /* (owned) (element-type TocsinAlert) */
  char *target;
  GTask *task;            /* (owned) */
  GCancellable *cancellable;
} Dispatch;

static gpointer
dispatch_thread (gpointer data)
{
  Dispatch *d = data;

  priv_tocsin_batch_unref (start_send (d->manager, (TocsinAlert *const *) d->alerts->pdata,
                                       d->alerts->len, d->target, d->task, d->cancellable));
  g_ptr_array_unref (d->alerts);
  g_free (d->target);
  g_object_unref (d->task);
  g_clear_object (&d->cancellable);
  /* Not a channel worker: freeing the manager here joins none of its own threads. */
  tocsin_manager_unref (d->manager);
  g_free (d);
  return NULL;
}

/* Queues @alerts from a thread of its own, which waits for room where the caller must not (an
 * asynchronous send returns at once); it holds a reference to the manager meanwhile. */
static void
dispatch_in_thread (TocsinManager *manager, TocsinAlert *const *alerts, guint n,
                    const char *target, GTask *task, GCancellable *cancellable)
{
  Dispatch *d = g_new0 (Dispatch, 1);

  d->manager = tocsin_manager_ref (manager);
  d->alerts = g_ptr_array_new_full (n, (GDestroyNotify) tocsin_alert_unref);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (d->alerts, tocsin_alert_ref (alerts[i]));
  d->target = g_strdup (target);
  d->task = g_object_ref (task);
  d->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  g_thread_unref (g_thread_new ("tocsin-dispatch", dispatch_thread, d));
}

void
tocsin_manager_send_async (TocsinManager *manager, TocsinAlert *const *alerts, guint n_alerts,
                           const char *target, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (manager != NULL);
  g_return_if_fail (alerts != NULL || n_alerts == 0);
  /* The manager is not a GObject, so it rides along as task data, only for _finish to check.
   * No reference: the task may be freed last on a worker thread, and a manager freed there
   * would join that very thread. Freeing the manager drains the deliveries anyway. */
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tocsin_manager_send_async);
  g_task_set_task_data (task, manager, NULL);
  if (would_block (manager, alerts, n_alerts, target))
    dispatch_in_thread (manager, alerts, n_alerts, target, task, cancellable);
  else
    priv_tocsin_batch_unref (start_send (manager, alerts, n_alerts, target, task, cancellable));
}

GPtrArray *
tocsin_manager_send_finish (TocsinManager *manager, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tocsin_manager_send_async, NULL);
  g_return_val_if_fail (g_task_get_task_data (G_TASK (result)) == manager, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
tocsin_manager_post (TocsinManager *manager, TocsinAlert *alert, const char *target)
{
  TocsinChannel *resolved = NULL;
  guint queued = 0;

  g_return_val_if_fail (manager != NULL && alert != NULL, 0);
  g_rw_lock_reader_lock (&manager->lock);
  if (resolve_locked (manager, target, &resolved))
    queued = dispatch_locked (manager, resolved, &alert, 1, NULL);
  g_rw_lock_reader_unlock (&manager->lock);
  return queued;
}

gboolean
tocsin_manager_flush (TocsinManager *manager, double timeout)
{
  gint64 deadline = -1;

  g_return_val_if_fail (manager != NULL, FALSE);
  /* Negative: no deadline (-1 for the wait); NaN is treated as 0, not as forever. */
  if (!(timeout < 0))
    deadline = priv_tocsin_clock_deadline (g_get_monotonic_time (), isnan (timeout) ? 0 : timeout);
  return priv_tocsin_pending_wait (manager->pending, deadline);
}

TocsinStats *
tocsin_manager_get_stats (TocsinManager *manager)
{
  TocsinStats *stats;

  g_return_val_if_fail (manager != NULL, NULL);
  g_rw_lock_reader_lock (&manager->lock);
  stats = priv_tocsin_stats_new (manager->channels);
  g_rw_lock_reader_unlock (&manager->lock);
  return stats;
}

/* Loads the plugins a config declares; errors cite the <plugin> line. */
static gboolean
load_declared_plugins (TocsinConfig *config, GError **error)
{
  const char *const *dirs = tocsin_config_get_plugin_paths (config);

  for (guint i = 0; i < config->plugins->len; i++)
    {
      TocsinConfigPlugin *plugin = config->plugins->pdata[i];
      if (!tocsin_plugin_load (plugin->path ? plugin->path : plugin->name, dirs, error))
        {
          g_prefix_error (error, "%s:%u: ", plugin->file ? plugin->file : "<data>", plugin->line);
          return FALSE;
        }
    }
  return TRUE;
}

/* A type no declared plugin provides is looked up as <type>.so on the search path. */
static gboolean
load_type_on_demand (TocsinConfig *config, const TocsinChannelSpec *spec, GError **error)
{
  const char *const *dirs = tocsin_config_get_plugin_paths (config);
  g_autoptr (GError) local = NULL;

  if (priv_tocsin_registry_lookup_channel (spec->type) != NULL)
    return TRUE;
  if (tocsin_plugin_load (spec->type, dirs, &local) && priv_tocsin_registry_lookup_channel (spec->type))
    return TRUE;
  g_autofree char *location = priv_tocsin_config_node_dup_location (spec->node);
  if (local == NULL || g_error_matches (local, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_NOT_FOUND))
    {
      g_autofree char *where = g_strdup_printf ("%s: ", location);
      set_unknown_type_error (spec, where, dirs, error);
      return FALSE;
    }
  /* The plugin file was found but refused: say which channel asked for it. */
  g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: channel '%s': ", location,
                              spec->key);
  return FALSE;
}

/* A <transport type="..."> among a channel's settings names a transport type: one no declared
 * plugin provides is loaded as <type>.so from the config's search path too, before the channel
 * (whose create makes the transport, see tocsin_transport_new()) exists. A type found nowhere is
 * left for tocsin_transport_new() to report, with the transport's file and line. */
static gboolean
load_transports_on_demand (TocsinConfig *config, const TocsinChannelSpec *spec, GError **error)
{
  const char *const *dirs = tocsin_config_get_plugin_paths (config);

  for (guint i = 0; i < tocsin_config_node_get_n_children (spec->node); i++)
    {
      const TocsinConfigNode *child = tocsin_config_node_get_child_at (spec->node, i);
      const char *type = tocsin_config_node_get_attribute (child, "type");
      g_autoptr (GError) local = NULL;

      if (g_strcmp0 (tocsin_config_node_get_name (child), "transport") != 0 || type == NULL
          || priv_tocsin_registry_lookup_transport (type) != NULL)
        continue;
      if (tocsin_plugin_load (type, dirs, &local)
          || g_error_matches (local, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_NOT_FOUND)
          || g_error_matches (local, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT))
        continue;
      g_autofree char *location = priv_tocsin_config_node_dup_location (child);
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ", location);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  TocsinManager *manager;
  guint requeued;
  GHashTable *missing; /* channel keys with no channel now, warned about once */
} Recovery;

/* Re-queues one pending delivery left in the spool by an earlier run, keeping its attempts. */
static void
requeue (TocsinAlert *alert, const char *channel_key, guint attempts, gpointer user_data)
{
  Recovery *r = user_data;
  TocsinChannel *channel = NULL;
  TocsinDelivery *delivery;

  for (guint i = 0; i < r->manager->channels->len && channel == NULL; i++)
    if (g_str_equal (((TocsinChannel *) r->manager->channels->pdata[i])->key, channel_key))
      channel = r->manager->channels->pdata[i];
  if (channel == NULL)
    {
      if (g_hash_table_add (r->missing, g_strdup (channel_key)))
        priv_tocsin_log (G_LOG_LEVEL_WARNING, NULL,
                         "spool: pending deliveries to channel '%s', which the config no longer "
                         "defines, stay in the spool (tocsin spool list shows them)", channel_key);
      return;
    }
  delivery = priv_tocsin_delivery_new (alert, NULL, 0);
  delivery->spooled = TRUE;
  delivery->attempts = MIN (attempts, TOCSIN_CHANNEL_MAX_ATTEMPTS_MAX);
  priv_tocsin_channel_requeue (channel, delivery);
  r->requeued++;
}

/* Opens the spool and queues what an earlier run left undelivered. */
static gboolean
open_spool (TocsinManager *manager, const char *path, GError **error)
{
  g_autoptr (GHashTable) missing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Recovery recovery = { manager, 0, missing };
  TocsinSpool *spool = tocsin_spool_open (path, error);
  gboolean ok;

  if (spool == NULL)
    return FALSE;
  manager->pending->spool = spool;
  g_rw_lock_reader_lock (&manager->lock);
  ok = priv_tocsin_spool_foreach_pending (spool, requeue, &recovery, error);
  g_rw_lock_reader_unlock (&manager->lock);
  if (recovery.requeued > 0)
    priv_tocsin_log (G_LOG_LEVEL_MESSAGE, NULL,
                     "spool %s: %u pending deliver%s from an earlier run queued again", path,
                     recovery.requeued, recovery.requeued == 1 ? "y" : "ies");
  return ok;
}

TocsinManager *
tocsin_manager_new_from_config (TocsinConfig *config, GError **error)
{
  g_autoptr (TocsinManager) manager = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  manager = tocsin_manager_new ();
  if (!load_declared_plugins (config, error))
    return NULL;
  if (config->has_throttle)
    {
      g_autoptr (TocsinThrottle) shared = tocsin_throttle_new (config->throttle_rate,
                                                                config->throttle_per,
                                                                config->throttle_burst);
      tocsin_manager_set_throttle (manager, shared);
    }
  for (guint i = 0; i < config->channels->len; i++)
    {
      TocsinChannelSpec *spec = config->channels->pdata[i];
      if (!load_type_on_demand (config, spec, error) || !load_transports_on_demand (config, spec, error)
          || !tocsin_manager_add_channel (manager, spec, error))
        return NULL;
    }
  if (config->channels->len == 0)
    priv_tocsin_log (G_LOG_LEVEL_WARNING, NULL, "%s: the config defines no channel",
                     config->path ? config->path : "<data>");
  if (config->spool_path != NULL && !open_spool (manager, config->spool_path, error))
    return NULL;
  return g_steal_pointer (&manager);
}

TocsinManager *
tocsin_manager_new_from_file (const char *path, GError **error)
{
  g_autoptr (TocsinConfig) config = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  config = tocsin_config_new_from_file (path, error);
  return config ? tocsin_manager_new_from_config (config, error) : NULL;
}
