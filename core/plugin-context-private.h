/* plugin-context-private.h
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tocsin/tocsin-plugin.h>

G_BEGIN_DECLS

struct _TocsinPluginContext {
  char *channel_key; /* (owned) */
  double timeout;
  guint workers;
};

TocsinPluginContext *priv_tocsin_plugin_context_new (const char *channel_key, double timeout,
                                                     guint workers);
void priv_tocsin_plugin_context_free (TocsinPluginContext *ctx);

G_END_DECLS
