/* channel-spec-private.h
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tocsin/tocsin.h>
#include "config-node-private.h"

G_BEGIN_DECLS

struct _TocsinChannelSpec {
  char *key;                /* (owned) */
  char *alias;              /* (owned) (nullable) */
  char *type;               /* (owned) */
  TocsinLevel min_level;
  guint workers;            /* 1..TOCSIN_CHANNEL_WORKERS_MAX */
  gboolean workers_set;     /* given explicitly (a warning is due if the class is not thread-safe) */
  double timeout;           /* seconds, already clamped */
  TocsinThrottle *throttle; /* (owned) (nullable): the channel's own */
  guint max_attempts;       /* 1..TOCSIN_CHANNEL_MAX_ATTEMPTS_MAX */
  double backoff_min;       /* seconds, clamped */
  double backoff_max;       /* seconds, >= backoff_min */
  guint queue_size;
  TocsinOverflow overflow;
  double block_timeout;     /* seconds */
  TocsinConfigNode *node;   /* (owned): the <channel> element; its children are the settings */
};

/* (transfer full) deep copy */
TocsinChannelSpec *priv_tocsin_channel_spec_copy (const TocsinChannelSpec *spec);

G_END_DECLS
