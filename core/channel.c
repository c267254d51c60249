/* channel.c: one channel: its plugin instance, its queue, its worker threads and the detection
 * of deliveries that run past the channel's timeout.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "channel-private.h"
#include "clock-private.h"
#include "channel-spec-private.h"
#include "config-node-private.h"
#include "log-private.h"
#include "plugin-context-private.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>

struct _TocsinChannelWorker {
  TocsinChannel *channel;   /* (unowned) the thread itself holds a reference */
  GThread *thread;          /* (owned) */
  GMutex lock;              /* guards current, started, hung, exited */
  TocsinDelivery *current;  /* the delivery being sent, owned by the worker thread */
  gint64 started;           /* clock reading when send began */
  gboolean hung;            /* current ran past the timeout and was reported failed */
  gboolean exited;
  gpointer *batch;          /* items popped together; those from batch_next on are not started */
  guint batch_len;
  guint batch_next;
};

/* Queue items are deliveries or this marker; GAsyncQueue refuses NULL. */
static char stop_marker;
#define STOP_MARKER ((gpointer) &stop_marker)

/* Debug logs show at most this much of a title: enough to recognise it, not a data dump. */
#define LOG_TITLE_CHARS 50

/* Worker batching and idling; see nap(). */
#define BATCH_MAX 64
#define NAP_USEC 200
#define NAPS_BEFORE_SLEEP 10

/* How often a shutdown looks again whether the remaining workers are all hung. */
#define HANG_CHECK_PERIOD_USEC (20 * 1000)

/* The watchdog reports a delivery hung this long after its timeout: a plugin that enforces the
 * timeout itself (the HTTP client, SMTP) returns a retryable failure first, which is retried,
 * whereas a delivery the watchdog reports is final (its plugin may still be running it). */
#define HANG_GRACE_USEC G_USEC_PER_SEC

/* The longest send deadline, in microseconds (about 285 years): a clock reading plus it
 * cannot overflow. */
#define BUDGET_MAX_USEC (G_MAXINT64 / 1024)

/* The longest Retry-After honoured, in seconds: a server asking for more gets a day. */
#define RETRY_AFTER_MAX 86400.0

static TocsinChannel *
channel_ref (TocsinChannel *channel)
{
  g_atomic_ref_count_inc (&channel->ref);
  return channel;
}

static char *
short_title (TocsinAlert *alert)
{
  const char *title = tocsin_alert_get_title (alert);
  g_autofree char *head = NULL;

  if (g_utf8_strlen (title, -1) <= LOG_TITLE_CHARS)
    return g_strdup (title);
  head = g_utf8_substring (title, 0, LOG_TITLE_CHARS - 3);
  return g_strconcat (head, "...", NULL);
}

/* A delivery left: wakes a caller waiting for room, and closes a burst of drops with its count. */
static void
room_made (TocsinChannel *channel)
{
  gint dropped;

  if (g_atomic_int_get (&channel->room_waiters) > 0)
    {
      g_mutex_lock (&channel->room_lock);
      g_cond_broadcast (&channel->room_cond);
      g_mutex_unlock (&channel->room_lock);
    }
  if (g_atomic_int_get (&channel->burst_dropped) > 0
      && (guint) g_atomic_int_get (&channel->in_flight) < channel->queue_size
      && (dropped = g_atomic_int_and (&channel->burst_dropped, 0)) > 0)
    priv_tocsin_log (G_LOG_LEVEL_WARNING, channel->key,
                     "channel '%s': %d alert(s) dropped while its queue was full (queue-size %u)",
                     channel->key, dropped, channel->queue_size);
}

/* Records the final outcome of a spooled @delivery: removed when delivered, a dead letter
 * otherwise, left pending when it was never really tried. */
static void
spool_outcome (TocsinChannel *channel, TocsinDelivery *delivery, const char *error_message)
{
  TocsinSpool *spool = channel->pending->spool;
  const char *id = tocsin_alert_get_id (delivery->alert);

  if (spool == NULL || !delivery->spooled || delivery->keep_spooled)
    return;
  if (error_message == NULL)
    priv_tocsin_spool_delivered (spool, id, channel->key);
  else
    {
      g_autofree char *redacted = tocsin_redact (error_message);
      priv_tocsin_spool_dead (spool, id, channel->key, delivery->attempts, redacted);
    }
}

/* Reports the outcome of @delivery, which the caller has claimed. @scratch carries what the
 * plugin set (message id, retryable, retry-after); @error_message is NULL on success. */
static void
report (TocsinChannel *channel, TocsinDelivery *delivery, const char *error_message,
        const TocsinResult *scratch, guint attempts)
{
  gboolean ok = error_message == NULL;

  spool_outcome (channel, delivery, error_message);
  if (ok)
    __atomic_fetch_add (&channel->sent, 1, __ATOMIC_RELAXED);
  else
    {
      g_autofree char *title = short_title (delivery->alert);
      __atomic_fetch_add (&channel->failed, 1, __ATOMIC_RELAXED);
      /* The warning never carries the error text: it may hold what a server echoed back. */
      priv_tocsin_log (G_LOG_LEVEL_WARNING, channel->key,
                       "channel '%s' (type %s) failed to deliver alert %s%s", channel->key,
                       channel->type_name, tocsin_alert_get_id (delivery->alert),
                       scratch && scratch->retryable ? " (retryable)" : "");
      priv_tocsin_log (G_LOG_LEVEL_DEBUG, channel->key, "channel '%s': alert %s \"%s\": %s",
                       channel->key, tocsin_alert_get_id (delivery->alert), title, error_message);
    }

  if (delivery->batch != NULL)
    {
      TocsinResult *result = priv_tocsin_result_new (channel->key, delivery->alert);
      result->success = ok;
      result->attempts = attempts;
      result->elapsed = g_get_monotonic_time () - delivery->accepted;
      if (scratch)
        {
          result->message_id = g_strdup (scratch->message_id);
          result->retryable = !ok && scratch->retryable;
          result->retry_after = scratch->retry_after;
        }
      if (!ok)
        priv_tocsin_result_set_failure (result, error_message);
      priv_tocsin_batch_put (delivery->batch, delivery->index, result);
    }
  g_atomic_int_dec_and_test (&channel->in_flight);
  room_made (channel);
  priv_tocsin_pending_done (channel->pending);
}

/* The wait before the next attempt of a delivery that has made @attempts: full jitter between
 * backoff_min and min(backoff_max, backoff_min * 2^attempts), or the server's Retry-After when
 * that is longer. */
static gint64
retry_delay_usec (TocsinChannel *channel, guint attempts, double retry_after)
{
  double ceiling = MIN (channel->backoff_max, channel->backoff_min * (double) (1u << MIN (attempts, 30u)));
  double delay = ceiling > channel->backoff_min
                   ? g_random_double_range (channel->backoff_min, ceiling)
                   : channel->backoff_min;

  if (retry_after > delay)
    delay = MIN (retry_after, RETRY_AFTER_MAX);
  return (gint64) (delay * G_USEC_PER_SEC);
}

typedef enum {
  RETRY_NONE,      /* the failure is final */
  RETRY_SCHEDULED, /* filed for later: the channel owns the delivery again */
  RETRY_NOW,       /* a shutdown is under way: one more attempt at once, and the last */
} RetryDecision;

/* Decides about @delivery (claimed, failed with @scratch in an attempt that began at @started)
 * and files it for its next attempt when that is later. The wait counts from the start of the
 * failed attempt, so attempts start at least a backoff apart however long each one took. */
static RetryDecision
schedule_retry (TocsinChannel *channel, TocsinDelivery *delivery, const TocsinResult *scratch,
                gint64 started)
{
  GList *link;
  guint attempts = delivery->attempts;
  gint64 delay;
  g_autoptr (TocsinAlert) alert = NULL;

  if (!scratch->retryable || attempts >= channel->max_attempts || delivery->last_try)
    return RETRY_NONE;
  __atomic_fetch_add (&channel->retried, 1, __ATOMIC_RELAXED);
  /* The attempt count survives a restart: a re-queued delivery does not start again at 1.
   * Recorded before the delivery is filed, so it cannot land after the next attempt's outcome. */
  if (delivery->spooled && channel->pending->spool != NULL)
    priv_tocsin_spool_attempted (channel->pending->spool, tocsin_alert_get_id (delivery->alert),
                                 channel->key, attempts);
  delay = retry_delay_usec (channel, attempts, scratch->retry_after);
  g_mutex_lock (&channel->retry_lock);
  if (channel->stopping)
    {
      /* A shutdown does not wait out a backoff (and a delivery queued now could end up behind
       * the stop markers): the worker tries again right away, once. */
      g_mutex_unlock (&channel->retry_lock);
      delivery->last_try = TRUE;
      return RETRY_NOW;
    }
  /* Once filed and unlocked, @delivery belongs to whichever worker takes it next, which may
   * free it: the log line below uses its own reference to the alert. */
  alert = tocsin_alert_ref (delivery->alert);
  delivery->due = started + delay;
  /* Reopened for whoever runs the next attempt (or for a shutdown to report). */
  g_atomic_int_set (&delivery->state, DELIVERY_PENDING);
  for (link = channel->retries.tail; link != NULL; link = link->prev)
    if (((TocsinDelivery *) link->data)->due <= delivery->due)
      break;
  if (link != NULL)
    g_queue_insert_after (&channel->retries, link, delivery);
  else
    g_queue_push_head (&channel->retries, delivery);
  g_mutex_unlock (&channel->retry_lock);
  priv_tocsin_log (G_LOG_LEVEL_DEBUG, channel->key,
                   "channel '%s': alert %s failed on attempt %u of %u; next attempt in %.3f s",
                   channel->key, tocsin_alert_get_id (alert), attempts, channel->max_attempts,
                   (double) delay / G_USEC_PER_SEC);
  return RETRY_SCHEDULED;
}

/* One attempt of @delivery; reports it unless it is retried. Returns the retry decision. */
static RetryDecision
attempt (TocsinChannel *channel, TocsinChannelWorker *worker, TocsinDelivery *delivery)
{
  g_autoptr (GError) error = NULL;
  RetryDecision decision = RETRY_NONE;
  TocsinResult scratch;
  gboolean ok, hung;
  gint64 started;

  /* The plugin fills a result on the stack; only a send()/send_async() caller gets a heap copy,
   * so a post() costs no allocation here. */
  memset (&scratch, 0, sizeof scratch);
  scratch.channel = channel->key;
  scratch.alert = delivery->alert;

  g_mutex_lock (&worker->lock);
  worker->current = delivery;
  worker->started = started = tocsin_clock_now (channel->clock);
  worker->hung = FALSE;
  delivery->attempts++;
  g_mutex_unlock (&worker->lock);

  ok = channel->klass->send (channel->instance, delivery->alert, &scratch, &error);

  g_mutex_lock (&worker->lock);
  worker->current = NULL;
  hung = worker->hung;
  g_mutex_unlock (&worker->lock);

  if (priv_tocsin_delivery_claim (delivery))
    {
      const char *message = NULL;
      if (!ok)
        message = error ? error->message : "the channel reported a failure without a reason";
      if (!ok)
        decision = schedule_retry (channel, delivery, &scratch, started);
      if (decision == RETRY_NOW)
        g_atomic_int_set (&delivery->state, DELIVERY_PENDING);
      else if (decision == RETRY_NONE)
        report (channel, delivery, message, &scratch, delivery->attempts);
    }
  else if (hung)
    priv_tocsin_log (G_LOG_LEVEL_DEBUG, channel->key,
                     "channel '%s': a delivery reported failed after its timeout finally returned (%s)",
                     channel->key, ok ? "delivered" : "failed");
  g_free (scratch.message_id);
  g_free (scratch.error);
  return decision;
}

static void
run_one (TocsinChannel *channel, TocsinChannelWorker *worker, guint index)
{
  TocsinDelivery *delivery = worker->batch[index];
  RetryDecision decision;

  gboolean handed_back;

  g_mutex_lock (&worker->lock);
  /* The watchdog gave the rest of the batch back to the queue while this worker was hung. */
  handed_back = index >= worker->batch_len;
  if (!handed_back)
    worker->batch_next = index + 1;
  g_mutex_unlock (&worker->lock);
  if (handed_back)
    return;
  /* A shutdown that found this worker hung has already reported what it had not started. */
  if (g_atomic_int_get (&delivery->state) != DELIVERY_PENDING)
    {
      priv_tocsin_delivery_free (delivery);
      return;
    }
  while ((decision = attempt (channel, worker, delivery)) == RETRY_NOW)
    ;
  if (decision == RETRY_NONE)
    priv_tocsin_delivery_free (delivery);
}

/* Takes items under one lock: at most BATCH_MAX, and with several workers at most this
 * worker's share of what is queued (so a batch holds few alerts back from idle siblings, and
 * the watchdog hands back those of a hung worker); blocks for the first one when @block. */
static guint
pop_batch (GAsyncQueue *queue, gpointer *items, guint n_workers, gboolean block)
{
  gpointer item;
  guint n = 0, max;

  g_async_queue_lock (queue);
  if (block)
    items[n++] = g_async_queue_pop_unlocked (queue);
  max = n_workers == 1 ? BATCH_MAX
                       : CLAMP ((guint) MAX (g_async_queue_length_unlocked (queue), 0) / n_workers, 1, BATCH_MAX / 8);
  while (n < max && (item = g_async_queue_try_pop_unlocked (queue)) != NULL)
    items[n++] = item;
  g_async_queue_unlock (queue);
  return n;
}

/* An idle worker naps a few times before it blocks on the queue. While it naps, post() queues
 * without waking it: one wake-up then serves every alert that came in meanwhile, instead of a
 * futex wake and a context switch per alert (which capped throughput at a few hundred thousand
 * deliveries per second). Blocking and async sends still wake a napping worker at once. */
static void
nap (TocsinChannel *channel)
{
  g_mutex_lock (&channel->nap_lock);
  g_atomic_int_inc (&channel->napping);
  g_cond_wait_until (&channel->nap_cond, &channel->nap_lock, g_get_monotonic_time () + NAP_USEC);
  g_atomic_int_dec_and_test (&channel->napping);
  g_mutex_unlock (&channel->nap_lock);
}

static gpointer
worker_main (gpointer data)
{
  TocsinChannelWorker *worker = data;
  TocsinChannel *channel = worker->channel;
  gpointer items[BATCH_MAX];
  sigset_t sigpipe;
  guint idle_naps = 0;
  gboolean stop = FALSE;

  /* A plugin writing to a closed pipe or socket gets EPIPE instead of killing the process: the
   * signal stays blocked (and at most pending) in this thread, whatever the application's
   * disposition of SIGPIPE is. Part of the plugin contract (tocsin-channel-class.h). */
  sigemptyset (&sigpipe);
  sigaddset (&sigpipe, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &sigpipe, NULL);

  while (!stop)
    {
      guint n = pop_batch (channel->queue, items, channel->n_workers, idle_naps >= NAPS_BEFORE_SLEEP);

      if (n == 0)
        {
          nap (channel);
          idle_naps++;
          continue;
        }
      idle_naps = 0;
      for (guint i = 0; i < n; i++)
        if (items[i] == STOP_MARKER)
          {
            /* What follows a stop marker belongs to the other workers (their markers). */
            for (guint j = i + 1; j < n; j++)
              g_async_queue_push_front (channel->queue, items[j]);
            stop = TRUE;
            n = i;
            break;
          }
      g_mutex_lock (&worker->lock);
      worker->batch = items;
      worker->batch_len = n;
      worker->batch_next = 0;
      g_mutex_unlock (&worker->lock);
      for (guint i = 0; i < n; i++)
        run_one (channel, worker, i);
      g_mutex_lock (&worker->lock);
      worker->batch_len = 0;
      g_mutex_unlock (&worker->lock);
    }

  g_mutex_lock (&channel->exit_lock);
  g_mutex_lock (&worker->lock);
  worker->exited = TRUE;
  g_mutex_unlock (&worker->lock);
  channel->exited++;
  g_cond_broadcast (&channel->exit_cond);
  g_mutex_unlock (&channel->exit_lock);
  priv_tocsin_channel_unref (channel);
  return NULL;
}

static guint
effective_workers (const TocsinChannelSpec *spec, const TocsinChannelClass *klass)
{
  if (spec->workers > 1 && !(klass->flags & TOCSIN_CHANNEL_CLASS_THREAD_SAFE))
    {
      priv_tocsin_log (G_LOG_LEVEL_WARNING, spec->key,
                       "channel '%s': type '%s' is not thread-safe; using 1 worker instead of %u",
                       spec->key, spec->type, spec->workers);
      return 1;
    }
  return MAX (spec->workers, 1);
}

static gboolean
start_workers (TocsinChannel *channel, GError **error)
{
  channel->workers = g_new0 (TocsinChannelWorker, channel->n_workers);
  for (guint i = 0; i < channel->n_workers; i++)
    {
      TocsinChannelWorker *worker = &channel->workers[i];
      g_autofree char *name = g_strdup_printf ("tocsin-%s-%u", channel->key, i);
      g_autoptr (GError) local = NULL;

      g_mutex_init (&worker->lock);
      worker->channel = channel;
      worker->thread = g_thread_try_new (name, worker_main, worker, &local);
      if (worker->thread == NULL)
        {
          g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_FAILED,
                       "channel '%s': cannot start worker thread %u: %s", channel->key, i,
                       local->message);
          /* Workers already started exit on their stop marker; their references keep the
           * channel alive until then. */
          for (guint j = 0; j < i; j++)
            g_async_queue_push (channel->queue, STOP_MARKER);
          for (guint j = 0; j < i; j++)
            g_thread_join (channel->workers[j].thread);
          channel->n_workers = 0;
          return FALSE;
        }
      channel_ref (channel);
    }
  return TRUE;
}

TocsinChannel *
priv_tocsin_channel_new (const TocsinChannelSpec *spec, const TocsinChannelClass *klass,
                         TocsinClock *clock, TocsinThrottle *shared_throttle,
                         TocsinPending *pending, GError **error)
{
  TocsinChannel *channel;
  g_autofree char *what = g_strdup_printf ("channel '%s' (type %s)", spec->key, spec->type);
  g_autoptr (GError) local = NULL;

  channel = g_new0 (TocsinChannel, 1);
  g_atomic_ref_count_init (&channel->ref);
  channel->key = g_strdup (spec->key);
  channel->alias = g_strdup (spec->alias);
  channel->type_name = g_strdup (klass->type_name);
  channel->min_level = spec->min_level;
  channel->timeout = spec->timeout;
  channel->own_throttle = spec->throttle ? tocsin_throttle_ref (spec->throttle) : NULL;
  channel->shared_throttle = shared_throttle ? tocsin_throttle_ref (shared_throttle) : NULL;
  channel->clock = tocsin_clock_ref (clock);
  channel->klass = klass;
  channel->pending = priv_tocsin_pending_ref (pending);
  channel->queue = g_async_queue_new ();
  g_mutex_init (&channel->exit_lock);
  g_cond_init (&channel->exit_cond);
  g_mutex_init (&channel->nap_lock);
  g_cond_init (&channel->nap_cond);
  channel->node = priv_tocsin_config_node_copy (spec->node);
  channel->n_workers = effective_workers (spec, klass);
  channel->ctx = priv_tocsin_plugin_context_new (channel->key, channel->timeout, channel->n_workers);
  channel->max_attempts = spec->max_attempts;
  channel->queue_size = spec->queue_size;
  channel->overflow = spec->overflow;
  channel->block_timeout = spec->block_timeout;
  g_mutex_init (&channel->room_lock);
  g_cond_init (&channel->room_cond);
  channel->backoff_min = spec->backoff_min;
  channel->backoff_max = spec->backoff_max;
  g_mutex_init (&channel->retry_lock);
  g_queue_init (&channel->retries);

  if (!priv_tocsin_config_node_validate (channel->node, klass->settings, what, error))
    goto fail;
  channel->instance = klass->create (channel->ctx, channel->node, &local);
  if (channel->instance == NULL)
    {
      if (local == NULL)
        g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_FAILED,
                     "%s: the plugin could not create the channel and gave no reason", what);
      else
        priv_tocsin_propagate_after_location (error, g_steal_pointer (&local),
                                              spec->node->file ? spec->node->file : "<data>", what);
      goto fail;
    }
  if (!start_workers (channel, error))
    goto fail;
  return channel;

fail:
  channel->n_workers = 0;
  priv_tocsin_channel_unref (channel);
  return NULL;
}

void
priv_tocsin_channel_unref (TocsinChannel *channel)
{
  if (!g_atomic_ref_count_dec (&channel->ref))
    return;
  /* Every worker has exited (each held a reference), so no send can still be running. */
  if (channel->instance != NULL)
    channel->klass->destroy (channel->instance);
  for (guint i = 0; channel->workers != NULL && i < channel->n_workers; i++)
    g_mutex_clear (&channel->workers[i].lock);
  g_free (channel->workers);
  g_async_queue_unref (channel->queue);
  priv_tocsin_plugin_context_free (channel->ctx);
  priv_tocsin_config_node_free (channel->node);
  g_clear_pointer (&channel->own_throttle, tocsin_throttle_unref);
  g_clear_pointer (&channel->shared_throttle, tocsin_throttle_unref);
  tocsin_clock_unref (channel->clock);
  priv_tocsin_pending_unref (channel->pending);
  g_mutex_clear (&channel->exit_lock);
  g_cond_clear (&channel->exit_cond);
  g_mutex_clear (&channel->nap_lock);
  g_cond_clear (&channel->nap_cond);
  /* A shutdown moved every retry to the queue; a channel that never started has none. */
  g_queue_clear_full (&channel->retries, (GDestroyNotify) priv_tocsin_delivery_free);
  g_mutex_clear (&channel->retry_lock);
  g_mutex_clear (&channel->room_lock);
  g_cond_clear (&channel->room_cond);
  g_free (channel->key);
  g_free (channel->alias);
  g_free (channel->type_name);
  g_free (channel);
}

TocsinThrottle *
priv_tocsin_channel_get_throttle (TocsinChannel *channel)
{
  return channel->own_throttle ? channel->own_throttle : channel->shared_throttle;
}

static const char *
overflow_name (TocsinOverflow overflow)
{
  switch (overflow)
    {
    case TOCSIN_OVERFLOW_DROP_NEWEST:
      return "drop-newest";
    case TOCSIN_OVERFLOW_DROP_OLDEST:
      return "drop-oldest";
    case TOCSIN_OVERFLOW_BLOCK:
    default:
      return "block";
    }
}

/* Counts one more delivery in flight if the queue has room. */
static gboolean
take_room (TocsinChannel *channel)
{
  gint n;

  do
    {
      n = g_atomic_int_get (&channel->in_flight);
      if ((guint) n >= channel->queue_size)
        return FALSE;
    }
  while (!g_atomic_int_compare_and_exchange (&channel->in_flight, n, n + 1));
  return TRUE;
}

/* Reports @delivery (claimed or never queued) dropped by the full queue; the first drop of a
 * burst is logged at once, the count of the burst when the queue has room again. */
static void
report_dropped (TocsinChannel *channel, TocsinDelivery *delivery, gboolean counted)
{
  g_autofree char *message = g_strdup_printf (
    "dropped: the queue of channel '%s' is full (queue-size %u, overflow %s)", channel->key,
    channel->queue_size, overflow_name (channel->overflow));

  __atomic_fetch_add (&channel->dropped, 1, __ATOMIC_RELAXED);
  /* A dropped alert stays in the spool as a dead letter: `tocsin spool retry` can revive it. */
  spool_outcome (channel, delivery, message);
  if (g_atomic_int_add (&channel->burst_dropped, 1) == 0)
    priv_tocsin_log (G_LOG_LEVEL_WARNING, channel->key,
                     "channel '%s': queue full (queue-size %u): dropping alerts (%s) until it has "
                     "room; the count follows", channel->key, channel->queue_size,
                     overflow_name (channel->overflow));
  if (delivery->batch != NULL)
    {
      TocsinResult *result = priv_tocsin_result_new (channel->key, delivery->alert);
      /* Nothing was wrong with the alert: sent again later, it may well go through. */
      result->retryable = TRUE;
      priv_tocsin_result_set_failure (result, message);
      priv_tocsin_batch_put (delivery->batch, delivery->index, result);
    }
  if (counted)
    {
      g_atomic_int_dec_and_test (&channel->in_flight);
      priv_tocsin_pending_done (channel->pending);
    }
}

/* Drops the oldest delivery waiting in the work queue (not one running or awaiting a retry). */
static gboolean
drop_oldest (TocsinChannel *channel)
{
  gpointer item = g_async_queue_try_pop (channel->queue);

  if (item == NULL)
    return FALSE;
  if (item == STOP_MARKER)
    {
      g_async_queue_push_front (channel->queue, item);
      return FALSE;
    }
  if (priv_tocsin_delivery_claim (item))
    report_dropped (channel, item, TRUE);
  priv_tocsin_delivery_free (item);
  return TRUE;
}

/* Waits for room up to the block timeout, on the channel's clock (a manual clock in tests: the
 * wait then looks at it every few milliseconds). */
static gboolean
wait_for_room (TocsinChannel *channel)
{
  gint64 deadline = tocsin_clock_now (channel->clock)
                    + (gint64) (channel->block_timeout * G_USEC_PER_SEC);
  gboolean room;

  g_atomic_int_inc (&channel->room_waiters);
  priv_tocsin_clock_begin_wait (channel->clock, deadline);
  g_mutex_lock (&channel->room_lock);
  while (!(room = take_room (channel)) && tocsin_clock_now (channel->clock) < deadline)
    g_cond_wait_until (&channel->room_cond, &channel->room_lock,
                       g_get_monotonic_time () + 5 * G_TIME_SPAN_MILLISECOND);
  g_mutex_unlock (&channel->room_lock);
  priv_tocsin_clock_end_wait (channel->clock, deadline);
  g_atomic_int_dec_and_test (&channel->room_waiters);
  return room;
}

/* Counts @delivery in flight, applying the overflow policy when the queue is full. */
static gboolean
admit (TocsinChannel *channel)
{
  if (take_room (channel))
    return TRUE;
  switch (channel->overflow)
    {
    case TOCSIN_OVERFLOW_DROP_OLDEST:
      while (drop_oldest (channel))
        if (take_room (channel))
          return TRUE;
      return take_room (channel);
    case TOCSIN_OVERFLOW_BLOCK:
      return wait_for_room (channel);
    case TOCSIN_OVERFLOW_DROP_NEWEST:
    default:
      return FALSE;
    }
}

void
priv_tocsin_channel_requeue (TocsinChannel *channel, TocsinDelivery *delivery)
{
  g_atomic_int_inc (&channel->in_flight);
  priv_tocsin_pending_add (channel->pending);
  g_async_queue_push (channel->queue, delivery);
}

gboolean
priv_tocsin_channel_would_block (TocsinChannel *channel)
{
  return channel->overflow == TOCSIN_OVERFLOW_BLOCK
         && (guint) g_atomic_int_get (&channel->in_flight) >= channel->queue_size;
}

gboolean
priv_tocsin_channel_push (TocsinChannel *channel, TocsinDelivery *delivery)
{
  /* Read before the push: from then on a worker may finish and free the delivery. */
  gboolean awaited = delivery->batch != NULL;

  if (!admit (channel))
    {
      report_dropped (channel, delivery, FALSE);
      priv_tocsin_delivery_free (delivery);
      return FALSE;
    }
  priv_tocsin_pending_add (channel->pending);
  g_async_queue_push (channel->queue, delivery);
  /* Someone waits for this result: do not let it sit out a nap. */
  if (awaited && g_atomic_int_get (&channel->napping) > 0)
    {
      g_mutex_lock (&channel->nap_lock);
      g_cond_broadcast (&channel->nap_cond);
      g_mutex_unlock (&channel->nap_lock);
    }
  return TRUE;
}

void
priv_tocsin_channel_reject (TocsinChannel *channel, TocsinDelivery *delivery, gboolean throttled,
                            const char *message)
{
  if (throttled)
    {
      __atomic_fetch_add (&channel->throttled, 1, __ATOMIC_RELAXED);
      priv_tocsin_log (G_LOG_LEVEL_DEBUG, channel->key, "channel '%s': alert %s throttled",
                       channel->key, tocsin_alert_get_id (delivery->alert));
      /* A refusal is an outcome, not a failure to keep. */
      if (delivery->spooled && channel->pending->spool != NULL)
        priv_tocsin_spool_forget (channel->pending->spool, tocsin_alert_get_id (delivery->alert),
                                  channel->key);
    }
  else
    __atomic_fetch_add (&channel->failed, 1, __ATOMIC_RELAXED);
  if (delivery->batch != NULL)
    {
      TocsinResult *result = priv_tocsin_result_new (channel->key, delivery->alert);
      result->throttled = throttled;
      priv_tocsin_result_set_failure (result, message);
      priv_tocsin_batch_put (delivery->batch, delivery->index, result);
    }
  priv_tocsin_delivery_free (delivery);
}

/* Moves the retries due at @now (all of them with @all) to the work queue. */
static void
release_retries (TocsinChannel *channel, gint64 now, gboolean all)
{
  TocsinDelivery *delivery;

  g_mutex_lock (&channel->retry_lock);
  while ((delivery = g_queue_peek_head (&channel->retries)) != NULL && (all || delivery->due <= now))
    {
      /* Released by a shutdown: this attempt is the last. */
      delivery->last_try = all;
      g_async_queue_push (channel->queue, g_queue_pop_head (&channel->retries));
    }
  g_mutex_unlock (&channel->retry_lock);
}

/* Worker lock held, @worker hung. The alerts it took with its current one would wait for it
 * however long it hangs; with other workers they go back to the front of the queue, in order,
 * for those. (They stay counted in flight: they never left the channel.) */
static void
hand_back_unstarted (TocsinChannel *channel, TocsinChannelWorker *worker)
{
  if (channel->n_workers == 1 || worker->batch_next >= worker->batch_len)
    return;
  for (guint i = worker->batch_len; i > worker->batch_next; i--)
    g_async_queue_push_front (channel->queue, worker->batch[i - 1]);
  priv_tocsin_log (G_LOG_LEVEL_DEBUG, channel->key,
                   "channel '%s': %u alert(s) taken by a hung worker handed back to the others",
                   channel->key, worker->batch_len - worker->batch_next);
  worker->batch_len = worker->batch_next;
}

void
priv_tocsin_channel_check_deadlines (TocsinChannel *channel)
{
  gint64 now = tocsin_clock_now (channel->clock);
  gint64 limit = (gint64) (channel->timeout * G_USEC_PER_SEC) + HANG_GRACE_USEC;

  for (guint i = 0; i < channel->n_workers; i++)
    {
      TocsinChannelWorker *worker = &channel->workers[i];

      /* Reported under the worker's lock: the worker frees the delivery only after taking it. */
      g_mutex_lock (&worker->lock);
      if (worker->current != NULL && !worker->hung && now - worker->started > limit)
        {
          worker->hung = TRUE;
          if (priv_tocsin_delivery_claim (worker->current))
            {
              g_autofree char *message = g_strdup_printf (
                "delivery timed out after %g s (channel '%s' is still running it; its later alerts "
                "wait behind it)", channel->timeout, channel->key);
              TocsinResult retry = { .retryable = TRUE };
              report (channel, worker->current, message, &retry, worker->current->attempts);
            }
          hand_back_unstarted (channel, worker);
        }
      g_mutex_unlock (&worker->lock);
    }
  release_retries (channel, now, FALSE);
}

void
priv_tocsin_channel_stop (TocsinChannel *channel)
{
  /* A shutdown does not wait out backoffs: every retry gets one more attempt now, before the
   * stop markers, and a retryable failure then is final (schedule_retry()). */
  g_mutex_lock (&channel->retry_lock);
  channel->stopping = TRUE;
  g_mutex_unlock (&channel->retry_lock);
  release_retries (channel, 0, TRUE);
  for (guint i = 0; i < channel->n_workers; i++)
    g_async_queue_push (channel->queue, STOP_MARKER);
}

/* Exit lock held. TRUE when every worker still running is stuck in a delivery past its timeout,
 * so waiting longer cannot make progress. */
static gboolean
all_remaining_hung_locked (TocsinChannel *channel)
{
  gboolean any = FALSE, all = TRUE;

  for (guint i = 0; i < channel->n_workers; i++)
    {
      TocsinChannelWorker *worker = &channel->workers[i];
      g_mutex_lock (&worker->lock);
      if (!worker->exited)
        {
          any = TRUE;
          all = all && worker->current != NULL && worker->hung;
        }
      g_mutex_unlock (&worker->lock);
    }
  return any && all;
}

/* Reports everything still queued as failed and leaves the hung workers running detached. Their
 * references keep the channel (and its plugin instance) alive until they return. */
static void
abandon (TocsinChannel *channel)
{
  gpointer item;
  guint markers = 0, dropped = 0;

  channel->abandoned = TRUE;
  /* Alerts a hung worker took with its current one: report them; the worker frees them. */
  for (guint w = 0; w < channel->n_workers; w++)
    {
      TocsinChannelWorker *worker = &channel->workers[w];
      g_mutex_lock (&worker->lock);
      for (guint i = worker->batch_next; !worker->exited && i < worker->batch_len; i++)
        if (priv_tocsin_delivery_claim (worker->batch[i]))
          {
            ((TocsinDelivery *) worker->batch[i])->keep_spooled = TRUE;
            report (channel, worker->batch[i],
                    "not delivered: the channel was hung when the manager shut down", NULL, 0);
            dropped++;
          }
      g_mutex_unlock (&worker->lock);
    }
  while ((item = g_async_queue_try_pop (channel->queue)) != NULL)
    {
      TocsinDelivery *delivery = item;
      if (item == STOP_MARKER)
        {
          markers++;
          continue;
        }
      if (priv_tocsin_delivery_claim (delivery))
        {
          delivery->keep_spooled = TRUE;
          report (channel, delivery, "not delivered: the channel was hung when the manager shut down",
                  NULL, 0);
          dropped++;
        }
      priv_tocsin_delivery_free (delivery);
    }
  for (guint i = 0; i < markers; i++)
    g_async_queue_push (channel->queue, STOP_MARKER);
  priv_tocsin_log (G_LOG_LEVEL_WARNING, channel->key,
                   "channel '%s' is hung past its %g s timeout at shutdown: %u queued alert(s) "
                   "reported failed; its worker thread is left running", channel->key,
                   channel->timeout, dropped);
}

gboolean
priv_tocsin_channel_wait_stopped (TocsinChannel *channel, gint64 wait_usec)
{
  gint64 deadline = g_get_monotonic_time () + wait_usec;
  gboolean hung = FALSE;

  g_mutex_lock (&channel->exit_lock);
  while (channel->exited < channel->n_workers)
    {
      gint64 now = g_get_monotonic_time ();

      if ((hung = all_remaining_hung_locked (channel)))
        break;
      if (now >= deadline)
        {
          g_mutex_unlock (&channel->exit_lock);
          return FALSE;
        }
      /* Workers signal when they exit; a hang is only noticed by looking again. */
      g_cond_wait_until (&channel->exit_cond, &channel->exit_lock,
                         MIN (deadline, now + HANG_CHECK_PERIOD_USEC));
    }
  g_mutex_unlock (&channel->exit_lock);

  if (hung)
    abandon (channel);
  for (guint i = 0; i < channel->n_workers; i++)
    {
      TocsinChannelWorker *worker = &channel->workers[i];
      gboolean exited;

      g_mutex_lock (&worker->lock);
      exited = worker->exited;
      g_mutex_unlock (&worker->lock);
      if (exited)
        g_thread_join (worker->thread);
      else
        g_thread_unref (worker->thread);
      worker->thread = NULL;
    }
  return TRUE;
}

const char *
tocsin_channel_get_key (const TocsinChannel *channel)
{
  g_return_val_if_fail (channel != NULL, NULL);
  return channel->key;
}

const char *
tocsin_channel_get_alias (const TocsinChannel *channel)
{
  g_return_val_if_fail (channel != NULL, NULL);
  return channel->alias;
}

const char *
tocsin_channel_get_type_name (const TocsinChannel *channel)
{
  g_return_val_if_fail (channel != NULL, NULL);
  return channel->type_name;
}

TocsinLevel
tocsin_channel_get_min_level (const TocsinChannel *channel)
{
  g_return_val_if_fail (channel != NULL, TOCSIN_LEVEL_INFO);
  return channel->min_level;
}

guint
tocsin_channel_get_workers (const TocsinChannel *channel)
{
  g_return_val_if_fail (channel != NULL, 0);
  return channel->n_workers;
}

double
tocsin_channel_get_timeout (const TocsinChannel *channel)
{
  g_return_val_if_fail (channel != NULL, 0);
  return channel->timeout;
}

gint64
priv_tocsin_channel_get_budget (TocsinChannel *channel, guint n_deliveries)
{
  /* A hung attempt is reported HANG_GRACE_USEC after its timeout: one more second lets that
   * report, rather than the send's deadline, end the wait for it. */
  double attempt = channel->timeout * G_USEC_PER_SEC + HANG_GRACE_USEC + G_USEC_PER_SEC;
  double one = attempt * channel->max_attempts;
  guint64 ahead = (guint64) MAX (g_atomic_int_get (&channel->in_flight), 0) + n_deliveries;
  double total;

  for (guint k = 1; k < channel->max_attempts; k++)
    one += MIN (channel->backoff_max, channel->backoff_min * (double) (1u << MIN (k, 30u)))
           * G_USEC_PER_SEC;
  /* What is queued already (or being retried) goes first; the workers share the load. In
   * floating point and capped: the largest settings times millions queued overflow 64 bits. */
  total = one * (double) ((ahead + channel->n_workers - 1) / MAX (channel->n_workers, 1));
  return total < (double) BUDGET_MAX_USEC ? (gint64) total : BUDGET_MAX_USEC;
}

guint
tocsin_channel_get_max_attempts (const TocsinChannel *channel)
{
  g_return_val_if_fail (channel != NULL, 0);
  return channel->max_attempts;
}

double
tocsin_channel_get_backoff_min (const TocsinChannel *channel)
{
  g_return_val_if_fail (channel != NULL, 0);
  return channel->backoff_min;
}

double
tocsin_channel_get_backoff_max (const TocsinChannel *channel)
{
  g_return_val_if_fail (channel != NULL, 0);
  return channel->backoff_max;
}

TocsinThrottle *
tocsin_channel_get_throttle (const TocsinChannel *channel)
{
  g_return_val_if_fail (channel != NULL, NULL);
  return channel->own_throttle ? channel->own_throttle : channel->shared_throttle;
}

gboolean
tocsin_channel_has_own_throttle (const TocsinChannel *channel)
{
  g_return_val_if_fail (channel != NULL, FALSE);
  return channel->own_throttle != NULL;
}
