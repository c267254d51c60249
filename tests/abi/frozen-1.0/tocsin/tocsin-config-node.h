/* tocsin-config-node.h: the read-only view of a channel's (or transport's) settings that a
 * plugin receives. No libxml2 type crosses this interface.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-error.h>

G_BEGIN_DECLS

/**
 * TocsinConfigNode:
 * One element of the configuration: a <channel> (whose children are its settings), a setting
 * (with text, attributes and possibly children) or a nested element such as <transport>. A node
 * lives as long as the channel created from it.
 */
typedef struct _TocsinConfigNode TocsinConfigNode;

/** tocsin_config_node_get_name: Returns: (transfer none): the element name ("channel", "path"...) */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_config_node_get_name (const TocsinConfigNode *node);

/**
 * tocsin_config_node_get_text:
 * Returns: (transfer none) (nullable): the element's text with surrounding white space removed,
 * or the value of the credential it names; %NULL for an element with neither
 */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_config_node_get_text (const TocsinConfigNode *node);

/** tocsin_config_node_is_secret: Returns: whether the text came from a credential (never print it) */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_config_node_is_secret (const TocsinConfigNode *node);

/** tocsin_config_node_get_attribute: Returns: (transfer none) (nullable): an attribute's value */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_config_node_get_attribute (const TocsinConfigNode *node, const char *name);

/** tocsin_config_node_get_file: Returns: (transfer none) (nullable): the file it was read from */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_config_node_get_file (const TocsinConfigNode *node);

/** tocsin_config_node_get_line: Returns: the line it starts on, 0 when not read from a file */
TOCSIN_AVAILABLE_IN_1_0
guint tocsin_config_node_get_line (const TocsinConfigNode *node);

/** tocsin_config_node_get_n_children: Returns: the number of child elements */
TOCSIN_AVAILABLE_IN_1_0
guint tocsin_config_node_get_n_children (const TocsinConfigNode *node);

/** tocsin_config_node_get_child_at: Returns: (transfer none): child number @index, in file order */
TOCSIN_AVAILABLE_IN_1_0
const TocsinConfigNode *tocsin_config_node_get_child_at (const TocsinConfigNode *node, guint index);

/** tocsin_config_node_get_child: Returns: (transfer none) (nullable): the first child named @name */
TOCSIN_AVAILABLE_IN_1_0
const TocsinConfigNode *tocsin_config_node_get_child (const TocsinConfigNode *node, const char *name);

/**
 * tocsin_config_node_get_string:
 * Returns: (transfer none) (nullable): the text of the first child setting @name, else the
 * default the plugin declared for it, else %NULL
 */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_config_node_get_string (const TocsinConfigNode *node, const char *name);

/**
 * tocsin_config_node_get_int:
 * @value: (inout): left unchanged when the setting is absent and has no default
 * Returns: %FALSE, with %TOCSIN_ERROR_INVALID_VALUE citing file:line, when the text is not an integer
 */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_config_node_get_int (const TocsinConfigNode *node, const char *name, gint64 *value,
                                     GError **error);

/**
 * tocsin_config_node_get_boolean:
 * Accepts true/false, yes/no, on/off and 1/0.
 * @value: (inout): left unchanged when the setting is absent and has no default
 */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_config_node_get_boolean (const TocsinConfigNode *node, const char *name,
                                         gboolean *value, GError **error);

/** tocsin_config_node_get_double: as tocsin_config_node_get_int(), for a decimal number */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_config_node_get_double (const TocsinConfigNode *node, const char *name,
                                        double *value, GError **error);

/**
 * tocsin_config_node_dup_path:
 * Returns: (transfer full) (nullable): setting @name as a file name; a relative one is taken
 * relative to the folder of the config file it was read from. Free with g_free().
 */
TOCSIN_AVAILABLE_IN_1_0
char *tocsin_config_node_dup_path (const TocsinConfigNode *node, const char *name);

/**
 * tocsin_config_node_set_error:
 * Sets @error in %TOCSIN_ERROR with @code and a message prefixed "FILE:LINE: " for @node, so a
 * plugin's configuration errors point at the line to fix.
 */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_config_node_set_error (const TocsinConfigNode *node, GError **error, int code,
                                   const char *format, ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
