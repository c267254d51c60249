/* delivery-private.h: one (alert, channel) delivery and the batch a blocking or async send waits on.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include "result-private.h"
#include "spool-private.h"

G_BEGIN_DECLS

typedef struct _TocsinBatch TocsinBatch;
typedef struct _TocsinDelivery TocsinDelivery;

/* Called once when the last result of a batch is in (on the thread that completed it). */
struct _TocsinBatch {
  gatomicrefcount ref;
  GPtrArray *results;  /* (element-type TocsinResult) (owned): slot i filled by delivery i */
  gint remaining;      /* (atomic) deliveries not finished yet */
  GMutex lock;         /* guards finished and expired, and the slots once a wait can expire */
  GCond cond;
  gboolean finished;
  GTask *task;         /* (owned) (nullable): async sends */
  GCancellable *cancellable; /* (owned) (nullable) */
  gulong cancel_id;
  gint returned;       /* (atomic) the task was returned (results or cancellation) */
  gboolean expired;    /* a blocking wait gave up: later results are dropped */
  GPtrArray *keys;     /* (element-type utf8) (owned) slot i's channel key, for placeholders */
  GPtrArray *alerts;   /* (element-type TocsinAlert) (owned) slot i's alert */
};

struct _TocsinDelivery {
  TocsinAlert *alert;  /* (owned) */
  TocsinBatch *batch;  /* (owned) (nullable): NULL for a fire-and-forget post */
  guint index;         /* slot in batch->results */
  gint state;          /* (atomic) DELIVERY_PENDING until whoever finishes it first claims it */
  gint64 accepted;     /* g_get_monotonic_time() at acceptance */
  /* Packed with the flags in one word: a queue may hold millions of deliveries. */
  guint attempts : 29;   /* attempts started so far (at most TOCSIN_CHANNEL_MAX_ATTEMPTS_MAX) */
  guint last_try : 1;    /* its attempt during a shutdown: a failure now is final */
  guint spooled : 1;     /* in the spool: its outcome is recorded there */
  guint keep_spooled : 1; /* reported without being attempted (a shutdown left it behind a hung
                             worker): stays pending in the spool, for the next start */
  gint64 due;            /* channel clock reading of the next attempt, while waiting for a retry */
};

enum { DELIVERY_PENDING = 0, DELIVERY_CLAIMED = 1 };

/* A batch expecting @n results; (transfer full). */
TocsinBatch *priv_tocsin_batch_new (guint n);
TocsinBatch *priv_tocsin_batch_ref (TocsinBatch *batch);
void priv_tocsin_batch_unref (TocsinBatch *batch);
/* Stores @result (transfer full) in slot @index and counts it; the last one finishes the batch. */
void priv_tocsin_batch_put (TocsinBatch *batch, guint index, TocsinResult *result);
/* Records which channel and alert slot @index is for (a placeholder result needs them). */
void priv_tocsin_batch_describe (TocsinBatch *batch, guint index, const char *key,
                                 TocsinAlert *alert);
/* Blocks until every slot is filled; returns the results (transfer full). */
GPtrArray *priv_tocsin_batch_wait (TocsinBatch *batch);
/* As priv_tocsin_batch_wait(), giving up when @clock reads @deadline: each unfilled slot then
 * gets a result saying that the delivery goes on in the background (@why explains the
 * deadline), and the late results are dropped. The wait counts as a sleeper on @clock. */
GPtrArray *priv_tocsin_batch_wait_until (TocsinBatch *batch, TocsinClock *clock, gint64 deadline,
                                         const char *why);
/* Makes the batch return its results to @task when done (or a cancellation error early). */
void priv_tocsin_batch_attach_task (TocsinBatch *batch, GTask *task, GCancellable *cancellable);

/* In-flight accounting for flush(): refcounted so it can outlive the manager (see channel.c). */
typedef struct {
  gatomicrefcount ref;
  gint count;    /* (atomic) deliveries accepted and not finished */
  TocsinSpool *spool; /* (owned) (nullable) the manager's spool: a worker left running after
                         the manager is gone may still record its outcome */
  GMutex lock;   /* with cond: wakes flush() when count reaches zero */
  GCond cond;
} TocsinPending;

TocsinPending *priv_tocsin_pending_new (void);
TocsinPending *priv_tocsin_pending_ref (TocsinPending *pending);
void priv_tocsin_pending_unref (TocsinPending *pending);
void priv_tocsin_pending_add (TocsinPending *pending);
void priv_tocsin_pending_done (TocsinPending *pending);
/* Waits until the count is zero or @deadline (g_get_monotonic_time() scale; < 0: no limit).
 * Returns TRUE when it is zero. */
gboolean priv_tocsin_pending_wait (TocsinPending *pending, gint64 deadline);

TocsinDelivery *priv_tocsin_delivery_new (TocsinAlert *alert, TocsinBatch *batch, guint index);
void priv_tocsin_delivery_free (TocsinDelivery *delivery);
/* Claims the right to report the outcome; FALSE when someone (the watchdog, or the worker) did. */
gboolean priv_tocsin_delivery_claim (TocsinDelivery *delivery);

G_END_DECLS
