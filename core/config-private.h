/* config-private.h
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tocsin/tocsin.h>
#include "channel-spec-private.h"

G_BEGIN_DECLS

typedef struct {
  char *name;  /* (nullable) <plugin name="..."> */
  char *path;  /* (nullable) <plugin path="...">, made absolute against the config's folder */
  char *file;  /* (nullable) where it was declared */
  guint line;
} TocsinConfigPlugin;

struct _TocsinConfig {
  gatomicrefcount ref;
  char *path;              /* (nullable) absolute path of the file */
  char *base_dir;          /* folder for relative paths */
  GPtrArray *plugin_paths; /* (element-type utf8): <plugin-path> entries, absolute */
  GPtrArray *plugins;      /* (element-type TocsinConfigPlugin) */
  gboolean has_throttle;   /* <throttle> at top level */
  double throttle_rate, throttle_per, throttle_burst; /* already clamped; burst 0 = rate */
  TocsinChannelSpec *defaults; /* (owned) retries and queues from <defaults>, already clamped */
  char *spool_path;        /* (owned) (nullable) <spool path>, absolute */
  GPtrArray *channels;     /* (element-type TocsinChannelSpec) in file order */
};

G_END_DECLS
