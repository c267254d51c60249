/* tocsin-channel.h: read-only information about a channel a manager holds.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-level.h>
#include <tocsin/tocsin-throttle.h>

G_BEGIN_DECLS

/**
 * TocsinChannel:
 * A channel of a manager. Handles are owned by the manager and valid as long as it is.
 */
typedef struct _TocsinChannel TocsinChannel;

/** tocsin_channel_get_key: Returns: (transfer none): the unique key */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_channel_get_key (const TocsinChannel *channel);

/** tocsin_channel_get_alias: Returns: (transfer none) (nullable): the alias (config name="...") */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_channel_get_alias (const TocsinChannel *channel);

/** tocsin_channel_get_type_name: Returns: (transfer none): the type, e.g. "console"; also the channel's name for targeting */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_channel_get_type_name (const TocsinChannel *channel);

TOCSIN_AVAILABLE_IN_1_0
TocsinLevel tocsin_channel_get_min_level (const TocsinChannel *channel);

TOCSIN_AVAILABLE_IN_1_0
guint tocsin_channel_get_workers (const TocsinChannel *channel);

/** tocsin_channel_get_timeout: Returns: the delivery timeout in seconds */
TOCSIN_AVAILABLE_IN_1_0
double tocsin_channel_get_timeout (const TocsinChannel *channel);

/** tocsin_channel_get_max_attempts: Returns: attempts per delivery (1: no retry) */
TOCSIN_AVAILABLE_IN_1_0
guint tocsin_channel_get_max_attempts (const TocsinChannel *channel);

/** tocsin_channel_get_backoff_min: Returns: the least wait before a retry, in seconds */
TOCSIN_AVAILABLE_IN_1_0
double tocsin_channel_get_backoff_min (const TocsinChannel *channel);

/** tocsin_channel_get_backoff_max: Returns: the most wait before a retry, in seconds */
TOCSIN_AVAILABLE_IN_1_0
double tocsin_channel_get_backoff_max (const TocsinChannel *channel);

/**
 * tocsin_channel_get_throttle:
 * Returns: (transfer none) (nullable): the channel's own throttle, else the manager's shared one,
 * else %NULL when the channel is not throttled
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinThrottle *tocsin_channel_get_throttle (const TocsinChannel *channel);

/** tocsin_channel_has_own_throttle: Returns: whether the throttle is the channel's own, not the shared one */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_channel_has_own_throttle (const TocsinChannel *channel);

G_END_DECLS
