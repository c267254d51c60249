/* channel-private.h: a channel's queue, workers and hang detection.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tocsin/tocsin.h>
#include <tocsin/tocsin-plugin.h>
#include "delivery-private.h"

G_BEGIN_DECLS

typedef struct _TocsinChannelWorker TocsinChannelWorker;


struct _TocsinChannel {
  gatomicrefcount ref;
  char *key;                      /* (owned) */
  char *alias;                    /* (owned) (nullable) */
  char *type_name;                /* (owned) */
  TocsinLevel min_level;
  guint n_workers;
  double timeout;                 /* seconds */
  TocsinThrottle *own_throttle;   /* (owned) (nullable) */
  TocsinThrottle *shared_throttle;/* (owned) (nullable): the manager's, when no own one */
  TocsinClock *clock;             /* (owned) deadlines are read on it */
  const TocsinChannelClass *klass;/* registry's copy, lives forever */
  gpointer instance;              /* plugin instance */
  TocsinPluginContext *ctx;       /* (owned) */
  TocsinConfigNode *node;         /* (owned) settings; outlive the instance */
  TocsinPending *pending;          /* (owned) the manager's in-flight count, shared so a worker
                                     left behind at shutdown never touches a freed manager */

  GAsyncQueue *queue;             /* (owned) of TocsinDelivery*, and stop markers */
  TocsinChannelWorker *workers;   /* (owned) array of n_workers */

  guint max_attempts;             /* per delivery, 1 = no retry */
  double backoff_min, backoff_max;/* seconds */

  GMutex retry_lock;              /* guards retries and stopping */
  GQueue retries;                 /* (element-type TocsinDelivery) (owned) waiting for their
                                     next attempt, ordered by due time */
  gboolean stopping;              /* shut down: a retryable failure is final */

  guint64 sent, failed, throttled;/* (atomic) */
  guint64 retried;                /* (atomic) retries scheduled */
  guint64 dropped;                /* (atomic) dropped by a full queue */

  guint queue_size;               /* the most deliveries in flight (in_flight) */
  TocsinOverflow overflow;
  double block_timeout;           /* seconds, for TOCSIN_OVERFLOW_BLOCK */
  GMutex room_lock;               /* with room_cond: callers waiting for room */
  GCond room_cond;
  gint room_waiters;              /* (atomic) callers waiting on room_cond */
  gint burst_dropped;             /* (atomic) drops since the queue last had room */
  gint in_flight;                 /* (atomic) accepted, not finished */

  GMutex nap_lock;                /* with nap_cond: idle workers nap here (see channel.c) */
  GCond nap_cond;
  gint napping;                   /* (atomic) workers napping now */

  GMutex exit_lock;               /* guards exited, for the shutdown */
  GCond exit_cond;
  guint exited;
  gboolean abandoned;             /* hung workers left behind at shutdown */
};

/* Creates the plugin instance and starts the workers. @spec carries validated settings. */
TocsinChannel *priv_tocsin_channel_new (const TocsinChannelSpec *spec, const TocsinChannelClass *klass,
                                        TocsinClock *clock, TocsinThrottle *shared_throttle,
                                        TocsinPending *pending, GError **error);
void priv_tocsin_channel_unref (TocsinChannel *channel);

/* Microseconds @n_deliveries more may take in the worst case that is not a hang: every attempt
 * up to its timeout, every backoff at its longest, behind what the channel already holds. */
gint64 priv_tocsin_channel_get_budget (TocsinChannel *channel, guint n_deliveries);

/* The throttle that applies (own, else shared), or NULL. */
TocsinThrottle *priv_tocsin_channel_get_throttle (TocsinChannel *channel);

/* Queues a delivery (transfer full), counting it in the channel's and the manager's in-flight
 * counts; when the queue is full, applies the channel's overflow policy. FALSE: @delivery was
 * dropped (and reported so). */
gboolean priv_tocsin_channel_push (TocsinChannel *channel, TocsinDelivery *delivery);
/* Queues a delivery (transfer full) an earlier run left in the spool, whatever the queue's
 * capacity: the backlog of a restart is what the channel must deliver first, not an overflow. */
void priv_tocsin_channel_requeue (TocsinChannel *channel, TocsinDelivery *delivery);
/* TRUE when a push would wait for room (a full queue with the block policy) right now. */
gboolean priv_tocsin_channel_would_block (TocsinChannel *channel);

/* Reports a delivery (transfer full) refused before it was queued: by a throttle (counted as
 * throttled), or because the spool could not record it (counted as failed). */
void priv_tocsin_channel_reject (TocsinChannel *channel, TocsinDelivery *delivery,
                                 gboolean throttled, const char *message);

/* Watchdog pass: fails every in-flight delivery older than the channel's timeout (plus a grace
 * that lets a plugin's own timeout, a retryable failure, come first), and queues the retries
 * whose time has come. */
void priv_tocsin_channel_check_deadlines (TocsinChannel *channel);

/* Shutdown: queue one stop marker per worker behind everything accepted. */
void priv_tocsin_channel_stop (TocsinChannel *channel);
/* Shutdown: waits up to @wait_usec for the workers to drain and exit, then joins them. Returns
 * TRUE when they are done (joined, or abandoned because every remaining worker is hung past its
 * timeout; their queued deliveries are then reported failed). */
gboolean priv_tocsin_channel_wait_stopped (TocsinChannel *channel, gint64 wait_usec);

G_END_DECLS
