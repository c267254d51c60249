/* json-text.h: JSON text from a json-glib tree, for the plugins that send or write JSON.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Appends the compact JSON text of @root to @out. Unlike json_generator alone, the output is
 * always valid JSON (see json-text.c). */
G_GNUC_INTERNAL void priv_tocsin_json_append (GString *out, JsonNode *root);

/* (transfer full) the compact JSON text of @root. */
G_GNUC_INTERNAL char *priv_tocsin_json_to_text (JsonNode *root);

G_END_DECLS
