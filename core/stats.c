/* stats.c: snapshots of delivery statistics.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "stats-private.h"

typedef struct {
  char *key;
  guint64 sent, failed, throttled, queued, retried, dropped;
} ChannelStats;

struct _TocsinStats {
  guint64 sent, failed, throttled, queued, retried, dropped;
  guint n_channels;
  ChannelStats *channels;
};

TocsinStats *
priv_tocsin_stats_new (GPtrArray *channels)
{
  TocsinStats *stats = g_new0 (TocsinStats, 1);

  stats->n_channels = channels->len;
  stats->channels = g_new0 (ChannelStats, channels->len);
  for (guint i = 0; i < channels->len; i++)
    {
      TocsinChannel *channel = channels->pdata[i];
      ChannelStats *c = &stats->channels[i];

      c->key = g_strdup (channel->key);
      c->sent = __atomic_load_n (&channel->sent, __ATOMIC_RELAXED);
      c->failed = __atomic_load_n (&channel->failed, __ATOMIC_RELAXED);
      c->throttled = __atomic_load_n (&channel->throttled, __ATOMIC_RELAXED);
      c->queued = (guint64) MAX (g_atomic_int_get (&channel->in_flight), 0);
      c->retried = __atomic_load_n (&channel->retried, __ATOMIC_RELAXED);
      c->dropped = __atomic_load_n (&channel->dropped, __ATOMIC_RELAXED);
      stats->sent += c->sent;
      stats->retried += c->retried;
      stats->dropped += c->dropped;
      stats->failed += c->failed;
      stats->throttled += c->throttled;
      stats->queued += c->queued;
    }
  return stats;
}

void
tocsin_stats_free (TocsinStats *stats)
{
  if (stats == NULL)
    return;
  for (guint i = 0; i < stats->n_channels; i++)
    g_free (stats->channels[i].key);
  g_free (stats->channels);
  g_free (stats);
}

guint64
tocsin_stats_get_sent (const TocsinStats *stats)
{
  g_return_val_if_fail (stats != NULL, 0);
  return stats->sent;
}

guint64
tocsin_stats_get_failed (const TocsinStats *stats)
{
  g_return_val_if_fail (stats != NULL, 0);
  return stats->failed;
}

guint64
tocsin_stats_get_throttled (const TocsinStats *stats)
{
  g_return_val_if_fail (stats != NULL, 0);
  return stats->throttled;
}

guint64
tocsin_stats_get_queued (const TocsinStats *stats)
{
  g_return_val_if_fail (stats != NULL, 0);
  return stats->queued;
}

guint64
tocsin_stats_get_retried (const TocsinStats *stats)
{
  g_return_val_if_fail (stats != NULL, 0);
  return stats->retried;
}

guint64
tocsin_stats_get_dropped (const TocsinStats *stats)
{
  g_return_val_if_fail (stats != NULL, 0);
  return stats->dropped;
}

guint
tocsin_stats_get_n_channels (const TocsinStats *stats)
{
  g_return_val_if_fail (stats != NULL, 0);
  return stats->n_channels;
}

int
tocsin_stats_find_channel (const TocsinStats *stats, const char *key)
{
  g_return_val_if_fail (stats != NULL && key != NULL, -1);
  for (guint i = 0; i < stats->n_channels; i++)
    if (g_strcmp0 (stats->channels[i].key, key) == 0)
      return (int) i;
  return -1;
}

#define CHANNEL_GETTER(field)                                                    \
  guint64 tocsin_stats_get_channel_##field (const TocsinStats *stats, guint index) \
  {                                                                              \
    g_return_val_if_fail (stats != NULL && index < stats->n_channels, 0);        \
    return stats->channels[index].field;                                         \
  }

const char *
tocsin_stats_get_channel_key (const TocsinStats *stats, guint index)
{
  g_return_val_if_fail (stats != NULL && index < stats->n_channels, NULL);
  return stats->channels[index].key;
}

CHANNEL_GETTER (sent)
CHANNEL_GETTER (failed)
CHANNEL_GETTER (throttled)
CHANNEL_GETTER (queued)
CHANNEL_GETTER (retried)
CHANNEL_GETTER (dropped)
