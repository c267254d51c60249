/* tocsin-channel-spec.h: the description of a channel to add to a manager, built in code
 * (the config file builds the same thing from a <channel> element).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-level.h>
#include <tocsin/tocsin-throttle.h>

G_BEGIN_DECLS

typedef struct _TocsinChannelSpec TocsinChannelSpec;

/* Limits of a channel's delivery timeout, in seconds; values outside are clamped with a warning. */
#define TOCSIN_CHANNEL_TIMEOUT_DEFAULT 10.0
#define TOCSIN_CHANNEL_TIMEOUT_MIN 1.0
#define TOCSIN_CHANNEL_TIMEOUT_MAX 120.0
#define TOCSIN_CHANNEL_WORKERS_MAX 64

/* Retries: attempts per delivery (1 = no retry) and the bounds of the backoff between them, in
 * seconds; values outside are clamped with a warning. */
#define TOCSIN_CHANNEL_MAX_ATTEMPTS_DEFAULT 3
#define TOCSIN_CHANNEL_MAX_ATTEMPTS_MAX 100
#define TOCSIN_CHANNEL_BACKOFF_MIN_DEFAULT 1.0
#define TOCSIN_CHANNEL_BACKOFF_MAX_DEFAULT 60.0
#define TOCSIN_CHANNEL_BACKOFF_LIMIT 86400.0

/* Queues: deliveries a channel holds at most (queued, running or waiting for a retry). */
#define TOCSIN_CHANNEL_QUEUE_SIZE_DEFAULT 10000
#define TOCSIN_CHANNEL_QUEUE_SIZE_MAX 10000000

/**
 * TocsinOverflow:
 * @TOCSIN_OVERFLOW_BLOCK: the caller waits for room, up to the channel's block timeout; then the
 *   new alert is dropped
 * @TOCSIN_OVERFLOW_DROP_NEWEST: the new alert is dropped at once
 * @TOCSIN_OVERFLOW_DROP_OLDEST: the oldest alert still waiting in the queue is dropped to make room
 *
 * What a full channel queue does with one more alert. A dropped alert is counted (`dropped` in
 * the statistics), its result (if someone waits for one) says so, and a warning is logged once
 * per burst of drops with their number: never silently.
 */
typedef enum {
  TOCSIN_OVERFLOW_BLOCK = 0,
  TOCSIN_OVERFLOW_DROP_NEWEST = 1,
  TOCSIN_OVERFLOW_DROP_OLDEST = 2,
} TocsinOverflow;

/**
 * tocsin_channel_spec_new:
 * @key: the channel's unique key (the targeting id and the name in results and statistics)
 * @type: the channel type, e.g. "console"; a class of that name must be registered or loaded
 * Returns: (transfer full): a spec with min level info, one worker, a 10 s timeout, no throttle,
 *   3 attempts with a backoff from 1 to 60 s, and a queue of 10000 that blocks when full
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinChannelSpec *tocsin_channel_spec_new (const char *key, const char *type);

TOCSIN_AVAILABLE_IN_1_0
void tocsin_channel_spec_free (TocsinChannelSpec *spec);

/** tocsin_channel_spec_set_alias: a second targeting id, e.g. "heartbeat" for key "hb" */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_channel_spec_set_alias (TocsinChannelSpec *spec, const char *alias);

TOCSIN_AVAILABLE_IN_1_0
void tocsin_channel_spec_set_min_level (TocsinChannelSpec *spec, TocsinLevel level);

/** tocsin_channel_spec_set_workers: worker threads (1..64); more than 1 needs a thread-safe class */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_channel_spec_set_workers (TocsinChannelSpec *spec, guint workers);

/** tocsin_channel_spec_set_timeout: seconds a delivery may take, clamped to [1, 120] */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_channel_spec_set_timeout (TocsinChannelSpec *spec, double seconds);

/** tocsin_channel_spec_set_throttle: (transfer none) a private throttle (a reference is taken) */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_channel_spec_set_throttle (TocsinChannelSpec *spec, TocsinThrottle *throttle);

/**
 * tocsin_channel_spec_set_retry:
 * @max_attempts: attempts per delivery, 1..100 (1: never retry)
 * @backoff_min: the least wait before a retry, in seconds (0.001..86400)
 * @backoff_max: the most, in seconds (@backoff_min..86400)
 *
 * A delivery that fails with a retryable error is tried again after a random wait ("full
 * jitter") between @backoff_min and the smaller of @backoff_max and @backoff_min doubled for
 * each attempt made, or after the Retry-After the channel reported if that is longer (at most
 * one day). Permanent failures are not retried. Values outside their range are clamped with a
 * warning.
 */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_channel_spec_set_retry (TocsinChannelSpec *spec, guint max_attempts,
                                    double backoff_min, double backoff_max);

/**
 * tocsin_channel_spec_set_queue:
 * @size: the most deliveries the channel holds at once, 1..10000000
 * @overflow: what happens to one more (#TocsinOverflow)
 * @block_timeout: for %TOCSIN_OVERFLOW_BLOCK, the most seconds a caller waits for room (0..3600)
 */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_channel_spec_set_queue (TocsinChannelSpec *spec, guint size, TocsinOverflow overflow,
                                    double block_timeout);

/** tocsin_channel_spec_add_setting: adds setting @name with literal text @value (copied) */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_channel_spec_add_setting (TocsinChannelSpec *spec, const char *name, const char *value);

/**
 * tocsin_channel_spec_add_secret_setting:
 * As tocsin_channel_spec_add_setting(), for a secret: it is registered with
 * tocsin_redact_register_secret() and never printed.
 */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_channel_spec_add_secret_setting (TocsinChannelSpec *spec, const char *name,
                                             const char *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinChannelSpec, tocsin_channel_spec_free)

G_END_DECLS
