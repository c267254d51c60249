/* tocsin-result.h: the outcome of one alert on one channel.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-alert.h>

G_BEGIN_DECLS

typedef struct _TocsinResult TocsinResult;

TOCSIN_AVAILABLE_IN_1_0
TocsinResult *tocsin_result_ref (TocsinResult *result);

TOCSIN_AVAILABLE_IN_1_0
void tocsin_result_unref (TocsinResult *result);

/** tocsin_result_get_channel: Returns: (transfer none): the key of the channel */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_result_get_channel (const TocsinResult *result);

/** tocsin_result_get_alert: Returns: (transfer none): the alert this result is about */
TOCSIN_AVAILABLE_IN_1_0
TocsinAlert *tocsin_result_get_alert (const TocsinResult *result);

TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_result_get_success (const TocsinResult *result);

/** tocsin_result_get_throttled: Returns: whether a throttle refused the alert (then not success) */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_result_get_throttled (const TocsinResult *result);

/** tocsin_result_get_message_id: Returns: (transfer none) (nullable): the channel's message id */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_result_get_message_id (const TocsinResult *result);

/**
 * tocsin_result_get_error:
 * Returns: (transfer none) (nullable): why delivery failed, %NULL on success. Known secrets and
 * secret-looking parts (tokens in URLs, Authorization headers, passwords) are already redacted.
 */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_result_get_error (const TocsinResult *result);

/** tocsin_result_get_retryable: Returns: whether the failure may succeed if tried again */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_result_get_retryable (const TocsinResult *result);

/** tocsin_result_get_retry_after: Returns: seconds the channel asked to wait before a retry, or 0 */
TOCSIN_AVAILABLE_IN_1_0
double tocsin_result_get_retry_after (const TocsinResult *result);

/** tocsin_result_get_attempts: Returns: delivery attempts made (0 when throttled before any) */
TOCSIN_AVAILABLE_IN_1_0
guint tocsin_result_get_attempts (const TocsinResult *result);

/** tocsin_result_get_elapsed: Returns: microseconds from acceptance to the outcome */
TOCSIN_AVAILABLE_IN_1_0
gint64 tocsin_result_get_elapsed (const TocsinResult *result);

/* Setters a channel plugin calls on the result it is handed in its send method. The core owns
 * success, error text, attempts and timing; these add what only the channel knows. */

/** tocsin_result_set_message_id: records the id the remote side gave the message (copied) */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_result_set_message_id (TocsinResult *result, const char *message_id);

/** tocsin_result_set_retryable: marks a failure as transient (default: permanent) */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_result_set_retryable (TocsinResult *result, gboolean retryable);

/** tocsin_result_set_retry_after: records a delay the remote side asked for, in seconds */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_result_set_retry_after (TocsinResult *result, double seconds);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinResult, tocsin_result_unref)

G_END_DECLS
