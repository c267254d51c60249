/* plugin-context.c: what a plugin instance may ask of the core.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>
#include "plugin-context-private.h"
#include "log-private.h"

TocsinPluginContext *
priv_tocsin_plugin_context_new (const char *channel_key, double timeout, guint workers)
{
  TocsinPluginContext *ctx = g_new0 (TocsinPluginContext, 1);

  ctx->channel_key = g_strdup (channel_key);
  ctx->timeout = timeout;
  ctx->workers = workers;
  return ctx;
}

void
priv_tocsin_plugin_context_free (TocsinPluginContext *ctx)
{
  if (ctx == NULL)
    return;
  g_free (ctx->channel_key);
  g_free (ctx);
}

const char *
tocsin_plugin_context_get_channel_key (const TocsinPluginContext *ctx)
{
  g_return_val_if_fail (ctx != NULL, NULL);
  return ctx->channel_key;
}

double
tocsin_plugin_context_get_timeout (const TocsinPluginContext *ctx)
{
  g_return_val_if_fail (ctx != NULL, TOCSIN_CHANNEL_TIMEOUT_DEFAULT);
  return ctx->timeout;
}

guint
tocsin_plugin_context_get_workers (const TocsinPluginContext *ctx)
{
  g_return_val_if_fail (ctx != NULL, 1);
  return ctx->workers;
}

void
tocsin_plugin_context_log (const TocsinPluginContext *ctx, GLogLevelFlags level,
                           const char *format, ...)
{
  va_list args;

  g_return_if_fail (ctx != NULL && format != NULL);
  va_start (args, format);
  priv_tocsin_logv (level, ctx->channel_key, format, args);
  va_end (args);
}

guint
tocsin_plugin_context_get_core_abi_minor (const TocsinPluginContext *ctx)
{
  return TOCSIN_PLUGIN_ABI_MINOR;
}
