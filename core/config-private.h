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

/* Where tocsin_config_find() looked, for its error. */
static inline void
priv_tocsin_config_set_not_found (gboolean secure, const char *user, const char *system_path,
                                  GError **error)
{
  if (secure)
    g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_CONFIG_NOT_FOUND,
                 "no config file found; tried: an explicit path (none given), %s. "
                 "$TOCSIN_CONFIG and $XDG_CONFIG_HOME were ignored: this process runs setuid or "
                 "setgid, so its environment belongs to a less privileged user, who must not "
                 "choose the config (a config names plugins, which are code). Give the config "
                 "explicitly (e.g. --config FILE) or create %s", system_path, system_path);
  else
    g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_CONFIG_NOT_FOUND,
                 "no config file found; tried: an explicit path (none given), $TOCSIN_CONFIG "
                 "(not set), %s (from $XDG_CONFIG_HOME), %s. Give one (e.g. --config FILE), set "
                 "TOCSIN_CONFIG, or start from etc/tocsin.xml of the tocsin sources",
                 user, system_path);
}

/* tocsin_config_find() with its inputs made parameters, so that the tests can take the setuid
 * branch without being setuid: @secure is getauxval (AT_SECURE) != 0, @system_path the
 * system-wide config. When @secure, the environment belongs to a less privileged user, who must
 * not choose the config since a config names plugins, that is code (registry.c ignores
 * TOCSIN_PLUGIN_PATH then, for the same reason): $TOCSIN_CONFIG and the user's config folder
 * ($XDG_CONFIG_HOME, else $HOME/.config) are skipped.
 * Inline because libtocsin exports no private symbol (tocsin.map), and tests/test-config.c
 * links the shared library. */
static inline char *
priv_tocsin_config_find (const char *explicit_path, gboolean secure, const char *system_path,
                         GError **error)
{
  const char *env = secure ? NULL : g_getenv ("TOCSIN_CONFIG");
  g_autofree char *user = NULL;

  if (explicit_path != NULL)
    return g_strdup (explicit_path);
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (!secure)
    user = g_build_filename (g_get_user_config_dir (), "tocsin", "tocsin.xml", NULL);
  if (user != NULL && g_file_test (user, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&user);
  if (g_file_test (system_path, G_FILE_TEST_EXISTS))
    return g_strdup (system_path);
  priv_tocsin_config_set_not_found (secure, user, system_path, error);
  return NULL;
}

G_END_DECLS
