/* channel-spec.c: the description of a channel, built in code or from a <channel> element.
 *
 * A spec owns everything it points to: its strings, its node tree (spec->node, whose children are
 * the settings) and a reference on its own throttle. tocsin_manager_add_channel() takes a deep
 * copy (priv_tocsin_channel_spec_copy), so the caller may free the spec right after.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "channel-spec-private.h"
#include "log-private.h"

TocsinChannelSpec *
tocsin_channel_spec_new (const char *key, const char *type)
{
  TocsinChannelSpec *spec;

  g_return_val_if_fail (key != NULL && *key != '\0', NULL);
  g_return_val_if_fail (type != NULL && *type != '\0', NULL);

  spec = g_new0 (TocsinChannelSpec, 1);
  spec->key = g_strdup (key);
  spec->type = g_strdup (type);
  spec->min_level = TOCSIN_LEVEL_INFO;
  spec->workers = 1;
  spec->timeout = TOCSIN_CHANNEL_TIMEOUT_DEFAULT;
  spec->max_attempts = TOCSIN_CHANNEL_MAX_ATTEMPTS_DEFAULT;
  spec->backoff_min = TOCSIN_CHANNEL_BACKOFF_MIN_DEFAULT;
  spec->backoff_max = TOCSIN_CHANNEL_BACKOFF_MAX_DEFAULT;
  spec->queue_size = TOCSIN_CHANNEL_QUEUE_SIZE_DEFAULT;
  spec->overflow = TOCSIN_OVERFLOW_BLOCK;
  spec->block_timeout = TOCSIN_CHANNEL_TIMEOUT_DEFAULT;
  /* No file and no line: errors about settings added in code cite "<code>". */
  spec->node = priv_tocsin_config_node_new ("channel", NULL, 0, NULL);
  return spec;
}

void
tocsin_channel_spec_free (TocsinChannelSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->key);
  g_free (spec->alias);
  g_free (spec->type);
  g_clear_pointer (&spec->throttle, tocsin_throttle_unref);
  priv_tocsin_config_node_free (spec->node);
  g_free (spec);
}

TocsinChannelSpec *
priv_tocsin_channel_spec_copy (const TocsinChannelSpec *spec)
{
  TocsinChannelSpec *copy;

  g_return_val_if_fail (spec != NULL, NULL);

  copy = g_new0 (TocsinChannelSpec, 1);
  copy->key = g_strdup (spec->key);
  copy->alias = g_strdup (spec->alias);
  copy->type = g_strdup (spec->type);
  copy->min_level = spec->min_level;
  copy->workers = spec->workers;
  copy->workers_set = spec->workers_set;
  copy->timeout = spec->timeout;
  copy->max_attempts = spec->max_attempts;
  copy->backoff_min = spec->backoff_min;
  copy->backoff_max = spec->backoff_max;
  copy->queue_size = spec->queue_size;
  copy->overflow = spec->overflow;
  copy->block_timeout = spec->block_timeout;
  /* The throttle is shared, not copied: its bucket state is the point of having one. */
  copy->throttle = spec->throttle ? tocsin_throttle_ref (spec->throttle) : NULL;
  copy->node = priv_tocsin_config_node_copy (spec->node);
  return copy;
}

void
tocsin_channel_spec_set_alias (TocsinChannelSpec *spec, const char *alias)
{
  g_return_if_fail (spec != NULL);

  g_free (spec->alias);
  spec->alias = (alias != NULL && *alias != '\0') ? g_strdup (alias) : NULL;
}

void
tocsin_channel_spec_set_min_level (TocsinChannelSpec *spec, TocsinLevel level)
{
  g_return_if_fail (spec != NULL);
  g_return_if_fail (tocsin_level_is_valid (level));

  spec->min_level = level;
}

void
tocsin_channel_spec_set_workers (TocsinChannelSpec *spec, guint workers)
{
  g_return_if_fail (spec != NULL);

  if (workers < 1 || workers > TOCSIN_CHANNEL_WORKERS_MAX)
    {
      guint clamped = CLAMP (workers, 1, TOCSIN_CHANNEL_WORKERS_MAX);
      priv_tocsin_log (G_LOG_LEVEL_WARNING, spec->key,
                       "channel '%s': %u workers is outside [1, %d]; using %u",
                       spec->key, workers, TOCSIN_CHANNEL_WORKERS_MAX, clamped);
      workers = clamped;
    }
  spec->workers = workers;
  spec->workers_set = TRUE;
}

void
tocsin_channel_spec_set_timeout (TocsinChannelSpec *spec, double seconds)
{
  g_return_if_fail (spec != NULL);

  /* NaN compares false with everything: treat it as "not given". */
  if (seconds != seconds)
    seconds = TOCSIN_CHANNEL_TIMEOUT_DEFAULT;
  if (seconds < TOCSIN_CHANNEL_TIMEOUT_MIN || seconds > TOCSIN_CHANNEL_TIMEOUT_MAX)
    {
      double clamped = CLAMP (seconds, TOCSIN_CHANNEL_TIMEOUT_MIN, TOCSIN_CHANNEL_TIMEOUT_MAX);
      priv_tocsin_log (G_LOG_LEVEL_WARNING, spec->key,
                       "channel '%s': timeout %g s is outside [%g, %g] s; using %g s",
                       spec->key, seconds, TOCSIN_CHANNEL_TIMEOUT_MIN, TOCSIN_CHANNEL_TIMEOUT_MAX,
                       clamped);
      seconds = clamped;
    }
  spec->timeout = seconds;
}

/* @value clamped to [@min, @max] with a warning naming @what; NaN is @fallback. */
static double
clamp_warn (const TocsinChannelSpec *spec, const char *what, double value, double min, double max,
            double fallback)
{
  double clamped;

  if (value != value)
    return fallback;
  if (value >= min && value <= max)
    return value;
  clamped = CLAMP (value, min, max);
  priv_tocsin_log (G_LOG_LEVEL_WARNING, spec->key,
                   "channel '%s': %s %.15g is outside [%.15g, %.15g]; using %.15g",
                   spec->key, what, value, min, max, clamped);
  return clamped;
}

void
tocsin_channel_spec_set_retry (TocsinChannelSpec *spec, guint max_attempts, double backoff_min,
                               double backoff_max)
{
  g_return_if_fail (spec != NULL);

  spec->max_attempts = (guint) clamp_warn (spec, "max-attempts", max_attempts, 1,
                                           TOCSIN_CHANNEL_MAX_ATTEMPTS_MAX,
                                           TOCSIN_CHANNEL_MAX_ATTEMPTS_DEFAULT);
  spec->backoff_min = clamp_warn (spec, "backoff-min (s)", backoff_min, 0.001,
                                  TOCSIN_CHANNEL_BACKOFF_LIMIT, TOCSIN_CHANNEL_BACKOFF_MIN_DEFAULT);
  spec->backoff_max = clamp_warn (spec, "backoff-max (s)", backoff_max, spec->backoff_min,
                                  TOCSIN_CHANNEL_BACKOFF_LIMIT,
                                  MAX (spec->backoff_min, TOCSIN_CHANNEL_BACKOFF_MAX_DEFAULT));
}

void
tocsin_channel_spec_set_queue (TocsinChannelSpec *spec, guint size, TocsinOverflow overflow,
                               double block_timeout)
{
  g_return_if_fail (spec != NULL);
  g_return_if_fail (overflow <= TOCSIN_OVERFLOW_DROP_OLDEST);

  spec->queue_size = (guint) clamp_warn (spec, "queue-size", size, 1,
                                         TOCSIN_CHANNEL_QUEUE_SIZE_MAX,
                                         TOCSIN_CHANNEL_QUEUE_SIZE_DEFAULT);
  spec->overflow = overflow;
  spec->block_timeout = clamp_warn (spec, "block-timeout (s)", block_timeout, 0, 3600,
                                    TOCSIN_CHANNEL_TIMEOUT_DEFAULT);
}

void
tocsin_channel_spec_set_throttle (TocsinChannelSpec *spec, TocsinThrottle *throttle)
{
  g_return_if_fail (spec != NULL);

  if (throttle != NULL)
    tocsin_throttle_ref (throttle);
  g_clear_pointer (&spec->throttle, tocsin_throttle_unref);
  spec->throttle = throttle;
}

static void
add_setting (TocsinChannelSpec *spec, const char *name, const char *value, gboolean secret)
{
  TocsinConfigNode *child = priv_tocsin_config_node_new (name, NULL, 0, NULL);

  priv_tocsin_config_node_set_text (child, value, secret);
  priv_tocsin_config_node_add_child (spec->node, child);
}

void
tocsin_channel_spec_add_setting (TocsinChannelSpec *spec, const char *name, const char *value)
{
  g_return_if_fail (spec != NULL);
  g_return_if_fail (name != NULL && *name != '\0');

  add_setting (spec, name, value, FALSE);
}

void
tocsin_channel_spec_add_secret_setting (TocsinChannelSpec *spec, const char *name,
                                        const char *value)
{
  g_return_if_fail (spec != NULL);
  g_return_if_fail (name != NULL && *name != '\0');

  /* priv_tocsin_config_node_set_text() registers the value with tocsin_redact_register_secret(). */
  add_setting (spec, name, value, TRUE);
}
