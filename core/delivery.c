/* delivery.c: deliveries and the batches that collect their results.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "delivery-private.h"
#include "clock-private.h"
#include "result-private.h"

TocsinBatch *
priv_tocsin_batch_new (guint n)
{
  TocsinBatch *batch = g_new0 (TocsinBatch, 1);

  g_atomic_ref_count_init (&batch->ref);
  batch->results = g_ptr_array_new_full (n, (GDestroyNotify) tocsin_result_unref);
  g_ptr_array_set_size (batch->results, n);
  batch->remaining = (gint) n;
  batch->keys = g_ptr_array_new_full (n, g_free);
  g_ptr_array_set_size (batch->keys, n);
  batch->alerts = g_ptr_array_new_full (n, (GDestroyNotify) tocsin_alert_unref);
  g_ptr_array_set_size (batch->alerts, n);
  g_mutex_init (&batch->lock);
  g_cond_init (&batch->cond);
  return batch;
}

TocsinBatch *
priv_tocsin_batch_ref (TocsinBatch *batch)
{
  g_atomic_ref_count_inc (&batch->ref);
  return batch;
}

void
priv_tocsin_batch_unref (TocsinBatch *batch)
{
  if (!g_atomic_ref_count_dec (&batch->ref))
    return;
  g_ptr_array_unref (batch->results);
  g_ptr_array_unref (batch->keys);
  g_ptr_array_unref (batch->alerts);
  g_clear_object (&batch->task);
  g_clear_object (&batch->cancellable);
  g_mutex_clear (&batch->lock);
  g_cond_clear (&batch->cond);
  g_free (batch);
}

static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  TocsinBatch *batch = user_data;

  /* Only this handler or finish_batch() returns the task, whichever comes first. */
  if (g_atomic_int_compare_and_exchange (&batch->returned, 0, 1))
    g_task_return_new_error (batch->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "The send was cancelled; its deliveries go on in the background");
}

static void
finish_batch (TocsinBatch *batch)
{
  if (batch->task == NULL)
    {
      g_mutex_lock (&batch->lock);
      batch->finished = TRUE;
      g_cond_broadcast (&batch->cond);
      g_mutex_unlock (&batch->lock);
      return;
    }
  /* Disconnect first: after it returns the handler cannot run, so it never sees a freed batch. */
  if (batch->cancel_id != 0)
    g_cancellable_disconnect (batch->cancellable, batch->cancel_id);
  batch->cancel_id = 0;
  if (g_atomic_int_compare_and_exchange (&batch->returned, 0, 1))
    g_task_return_pointer (batch->task, g_ptr_array_ref (batch->results),
                           (GDestroyNotify) g_ptr_array_unref);
}

void
priv_tocsin_batch_put (TocsinBatch *batch, guint index, TocsinResult *result)
{
  /* Under the lock: an expiring wait fills the empty slots at the same time. */
  g_mutex_lock (&batch->lock);
  if (batch->expired)
    tocsin_result_unref (result);
  else
    {
      g_assert (index < batch->results->len && batch->results->pdata[index] == NULL);
      batch->results->pdata[index] = result;
    }
  g_mutex_unlock (&batch->lock);
  /* The atomic decrement orders the store above before whoever sees zero reads the results. */
  if (g_atomic_int_dec_and_test (&batch->remaining))
    finish_batch (batch);
}

GPtrArray *
priv_tocsin_batch_wait (TocsinBatch *batch)
{
  g_mutex_lock (&batch->lock);
  while (!batch->finished && g_atomic_int_get (&batch->remaining) > 0)
    g_cond_wait (&batch->cond, &batch->lock);
  g_mutex_unlock (&batch->lock);
  return g_ptr_array_ref (batch->results);
}

void
priv_tocsin_batch_describe (TocsinBatch *batch, guint index, const char *key, TocsinAlert *alert)
{
  batch->keys->pdata[index] = g_strdup (key);
  batch->alerts->pdata[index] = tocsin_alert_ref (alert);
}

/* (transfer full) The result of a delivery still under way when a blocking send gave up. */
static TocsinResult *
unfinished_result (TocsinBatch *batch, guint index, const char *why)
{
  TocsinResult *result = priv_tocsin_result_new (batch->keys->pdata[index], batch->alerts->pdata[index]);

  result->retryable = TRUE;
  priv_tocsin_result_set_failure (result, why);
  return result;
}

GPtrArray *
priv_tocsin_batch_wait_until (TocsinBatch *batch, TocsinClock *clock, gint64 deadline,
                              const char *why)
{
  GPtrArray *results;

  priv_tocsin_clock_begin_wait (clock, deadline);
  g_mutex_lock (&batch->lock);
  while (!batch->finished && g_atomic_int_get (&batch->remaining) > 0
         && tocsin_clock_now (clock) < deadline)
    /* The deadline is on @clock, which a test may move by hand: look at it now and then. */
    g_cond_wait_until (&batch->cond, &batch->lock,
                       MIN (g_get_monotonic_time () + 50 * G_TIME_SPAN_MILLISECOND,
                            g_get_monotonic_time () + MAX (deadline - tocsin_clock_now (clock), 0)));
  if (!batch->finished && g_atomic_int_get (&batch->remaining) > 0)
    {
      batch->expired = TRUE;
      for (guint i = 0; i < batch->results->len; i++)
        if (batch->results->pdata[i] == NULL)
          batch->results->pdata[i] = unfinished_result (batch, i, why);
    }
  results = g_ptr_array_ref (batch->results);
  g_mutex_unlock (&batch->lock);
  priv_tocsin_clock_end_wait (clock, deadline);
  return results;
}

void
priv_tocsin_batch_attach_task (TocsinBatch *batch, GTask *task, GCancellable *cancellable)
{
  batch->task = g_object_ref (task);
  if (cancellable != NULL)
    {
      batch->cancellable = g_object_ref (cancellable);
      batch->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), batch, NULL);
    }
  if (g_atomic_int_get (&batch->remaining) == 0)
    finish_batch (batch);
}

TocsinDelivery *
priv_tocsin_delivery_new (TocsinAlert *alert, TocsinBatch *batch, guint index)
{
  TocsinDelivery *delivery = g_new (TocsinDelivery, 1);

  delivery->alert = tocsin_alert_ref (alert);
  delivery->batch = batch ? priv_tocsin_batch_ref (batch) : NULL;
  delivery->index = index;
  delivery->state = DELIVERY_PENDING;
  delivery->accepted = g_get_monotonic_time ();
  delivery->attempts = 0;
  delivery->due = 0;
  delivery->last_try = FALSE;
  delivery->spooled = FALSE;
  delivery->keep_spooled = FALSE;
  return delivery;
}

void
priv_tocsin_delivery_free (TocsinDelivery *delivery)
{
  tocsin_alert_unref (delivery->alert);
  if (delivery->batch)
    priv_tocsin_batch_unref (delivery->batch);
  g_free (delivery);
}

gboolean
priv_tocsin_delivery_claim (TocsinDelivery *delivery)
{
  return g_atomic_int_compare_and_exchange (&delivery->state, DELIVERY_PENDING, DELIVERY_CLAIMED);
}

TocsinPending *
priv_tocsin_pending_new (void)
{
  TocsinPending *pending = g_new0 (TocsinPending, 1);

  g_atomic_ref_count_init (&pending->ref);
  g_mutex_init (&pending->lock);
  g_cond_init (&pending->cond);
  return pending;
}

TocsinPending *
priv_tocsin_pending_ref (TocsinPending *pending)
{
  g_atomic_ref_count_inc (&pending->ref);
  return pending;
}

void
priv_tocsin_pending_unref (TocsinPending *pending)
{
  if (!g_atomic_ref_count_dec (&pending->ref))
    return;
  g_clear_pointer (&pending->spool, tocsin_spool_close);
  g_mutex_clear (&pending->lock);
  g_cond_clear (&pending->cond);
  g_free (pending);
}

void
priv_tocsin_pending_add (TocsinPending *pending)
{
  g_atomic_int_inc (&pending->count);
}

void
priv_tocsin_pending_done (TocsinPending *pending)
{
  /* Only the transition to zero takes the lock: the hot path stays one atomic operation. The
   * waiter checks the count under the same lock, so this broadcast cannot be missed. */
  if (g_atomic_int_dec_and_test (&pending->count))
    {
      g_mutex_lock (&pending->lock);
      g_cond_broadcast (&pending->cond);
      g_mutex_unlock (&pending->lock);
    }
}

gboolean
priv_tocsin_pending_wait (TocsinPending *pending, gint64 deadline)
{
  gboolean drained;

  g_mutex_lock (&pending->lock);
  while (g_atomic_int_get (&pending->count) > 0)
    {
      if (deadline < 0)
        g_cond_wait (&pending->cond, &pending->lock);
      else if (!g_cond_wait_until (&pending->cond, &pending->lock, deadline))
        break;
    }
  drained = g_atomic_int_get (&pending->count) == 0;
  g_mutex_unlock (&pending->lock);
  return drained;
}
