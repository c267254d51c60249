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

/**
 * tocsin_channel_spec_new:
 * @key: the channel's unique key (the targeting id and the name in results and statistics)
 * @type: the channel type, e.g. "console"; a class of that name must be registered or loaded
 * Returns: (transfer full): a spec with min level info, one worker, a 10 s timeout, no throttle
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
