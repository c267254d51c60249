/* level.c: level names.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>

static const struct {
  TocsinLevel level;
  const char *lower;
  const char *upper;
} levels[] = {
  { TOCSIN_LEVEL_INFO, "info", "INFO" },
  { TOCSIN_LEVEL_SUCCESS, "success", "SUCCESS" },
  { TOCSIN_LEVEL_WARNING, "warning", "WARNING" },
  { TOCSIN_LEVEL_CRITICAL, "critical", "CRITICAL" },
};

gboolean
tocsin_level_from_string (const char *name, TocsinLevel *level, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (gsize i = 0; name != NULL && i < G_N_ELEMENTS (levels); i++)
    if (g_ascii_strcasecmp (name, levels[i].lower) == 0)
      {
        if (level)
          *level = levels[i].level;
        return TRUE;
      }
  g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_LEVEL,
               "Invalid alert level '%s'. Valid levels: info, success, warning, critical",
               name ? name : "(null)");
  return FALSE;
}

const char *
tocsin_level_to_string (TocsinLevel level)
{
  for (gsize i = 0; i < G_N_ELEMENTS (levels); i++)
    if (levels[i].level == level)
      return levels[i].lower;
  return NULL;
}

const char *
tocsin_level_to_upper (TocsinLevel level)
{
  for (gsize i = 0; i < G_N_ELEMENTS (levels); i++)
    if (levels[i].level == level)
      return levels[i].upper;
  return NULL;
}

gboolean
tocsin_level_is_valid (int level)
{
  return tocsin_level_to_string ((TocsinLevel) level) != NULL;
}
