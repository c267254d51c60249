/* config-node-private.h: building and checking TocsinConfigNode trees.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tocsin/tocsin-plugin.h>

G_BEGIN_DECLS

struct _TocsinConfigNode {
  char *name;                    /* element name (owned) */
  char *text;                    /* trimmed text or credential value (owned, nullable) */
  gboolean secret;               /* text came from a credential */
  GPtrArray *attr_names;         /* (element-type utf8) (owned) */
  GPtrArray *attr_values;        /* (element-type utf8) (owned), parallel to attr_names */
  GPtrArray *children;           /* (element-type TocsinConfigNode) (owned) */
  char *file;                    /* (nullable) (owned) */
  guint line;
  char *base_dir;                /* folder for relative paths (nullable) (owned) */
  const TocsinSettingSpec *spec; /* settings this node's children were validated against
                                    (nullable); gives defaults to the getters */
};

TocsinConfigNode *priv_tocsin_config_node_new (const char *name, const char *file, guint line,
                                               const char *base_dir);
void priv_tocsin_config_node_free (TocsinConfigNode *node);
TocsinConfigNode *priv_tocsin_config_node_copy (const TocsinConfigNode *node);
/* Takes @text (copied); @secret marks it as a credential value (also registered for redaction). */
void priv_tocsin_config_node_set_text (TocsinConfigNode *node, const char *text, gboolean secret);
void priv_tocsin_config_node_add_attribute (TocsinConfigNode *node, const char *name,
                                            const char *value);
/* (transfer full) @child */
void priv_tocsin_config_node_add_child (TocsinConfigNode *node, TocsinConfigNode *child);

/* Checks the children of @node against @settings ({NULL}-terminated, may be NULL = none):
 * unknown setting, missing required one, repeated non-repeatable one, text not of the declared
 * type or not one of the choices, attribute not allowed. On success attaches @settings to @node
 * (for defaults). Errors are TOCSIN_ERROR_UNKNOWN_SETTING / _MISSING_SETTING / _INVALID_VALUE /
 * _CONFIG_INVALID, prefixed "FILE:LINE: " and naming @what (e.g. "channel 'ops' (type slack)"). */
gboolean priv_tocsin_config_node_validate (TocsinConfigNode *node, const TocsinSettingSpec *settings,
                                           const char *what, GError **error);

/* "FILE:LINE" of @node, or "<data>:LINE", or "<code>" when not read from a file. (transfer full) */
char *priv_tocsin_config_node_dup_location (const TocsinConfigNode *node);

/* Propagates @src (transfer full) into @dest with "@what: " inserted after the "FILE:LINE: " it
 * starts with when it cites @file (a plugin's error about one of its settings), else in front. */
void priv_tocsin_propagate_after_location (GError **dest, GError *src, const char *file,
                                           const char *what);

G_END_DECLS
