/* tocsin-level.h: alert levels.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-macros.h>

G_BEGIN_DECLS

/**
 * TocsinLevel:
 * Alert levels, ordered by value: a channel with a minimum level L receives every alert whose
 * level is >= L. The values are part of the ABI and of every JSON document tocsin writes.
 */
typedef enum {
  TOCSIN_LEVEL_INFO = 10,
  TOCSIN_LEVEL_SUCCESS = 11,
  TOCSIN_LEVEL_WARNING = 20,
  TOCSIN_LEVEL_CRITICAL = 30,
} TocsinLevel;

/**
 * tocsin_level_from_string:
 * @name: "info", "success", "warning" or "critical" (ASCII case is ignored)
 * @level: (out): the level
 * @error: set to %TOCSIN_ERROR_INVALID_LEVEL, listing the valid names, when @name is none of them
 * Returns: %TRUE on success
 */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_level_from_string (const char *name, TocsinLevel *level, GError **error);

/**
 * tocsin_level_to_string:
 * Returns: (transfer none): the lower-case name of @level ("info"...), or %NULL for a value
 * that is not a level.
 */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_level_to_string (TocsinLevel level);

/**
 * tocsin_level_to_upper:
 * Returns: (transfer none): the upper-case name of @level ("INFO"...), as channels print it,
 * or %NULL for a value that is not a level.
 */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_level_to_upper (TocsinLevel level);

/**
 * tocsin_level_is_valid:
 * Returns: %TRUE when @level is one of the four levels.
 */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_level_is_valid (int level);

G_END_DECLS
