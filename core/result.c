/* result.c: the outcome of one alert on one channel.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "result-private.h"

TocsinResult *
priv_tocsin_result_new (const char *channel, TocsinAlert *alert)
{
  TocsinResult *result = g_new0 (TocsinResult, 1);

  g_atomic_ref_count_init (&result->ref);
  result->channel = g_strdup (channel);
  result->alert = tocsin_alert_ref (alert);
  return result;
}

void
priv_tocsin_result_set_failure (TocsinResult *result, const char *message)
{
  result->success = FALSE;
  g_free (result->error);
  result->error = tocsin_redact (message ? message : "unknown error");
}

TocsinResult *
tocsin_result_ref (TocsinResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  g_atomic_ref_count_inc (&result->ref);
  return result;
}

void
tocsin_result_unref (TocsinResult *result)
{
  g_return_if_fail (result != NULL);
  if (!g_atomic_ref_count_dec (&result->ref))
    return;
  g_free (result->channel);
  tocsin_alert_unref (result->alert);
  g_free (result->message_id);
  g_free (result->error);
  g_free (result);
}

const char *
tocsin_result_get_channel (const TocsinResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  return result->channel;
}

TocsinAlert *
tocsin_result_get_alert (const TocsinResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  return result->alert;
}

gboolean
tocsin_result_get_success (const TocsinResult *result)
{
  g_return_val_if_fail (result != NULL, FALSE);
  return result->success;
}

gboolean
tocsin_result_get_throttled (const TocsinResult *result)
{
  g_return_val_if_fail (result != NULL, FALSE);
  return result->throttled;
}

const char *
tocsin_result_get_message_id (const TocsinResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  return result->message_id;
}

const char *
tocsin_result_get_error (const TocsinResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  return result->error;
}

gboolean
tocsin_result_get_retryable (const TocsinResult *result)
{
  g_return_val_if_fail (result != NULL, FALSE);
  return result->retryable;
}

double
tocsin_result_get_retry_after (const TocsinResult *result)
{
  g_return_val_if_fail (result != NULL, 0);
  return result->retry_after;
}

guint
tocsin_result_get_attempts (const TocsinResult *result)
{
  g_return_val_if_fail (result != NULL, 0);
  return result->attempts;
}

gint64
tocsin_result_get_elapsed (const TocsinResult *result)
{
  g_return_val_if_fail (result != NULL, 0);
  return result->elapsed;
}

void
tocsin_result_set_message_id (TocsinResult *result, const char *message_id)
{
  g_return_if_fail (result != NULL);
  g_free (result->message_id);
  result->message_id = g_strdup (message_id);
}

void
tocsin_result_set_retryable (TocsinResult *result, gboolean retryable)
{
  g_return_if_fail (result != NULL);
  result->retryable = !!retryable;
}

void
tocsin_result_set_retry_after (TocsinResult *result, double seconds)
{
  g_return_if_fail (result != NULL);
  result->retry_after = seconds > 0 ? seconds : 0;
}
