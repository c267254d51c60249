/* log.c: the core's structured logging, always redacted.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>
#include "log-private.h"

void
priv_tocsin_logv (GLogLevelFlags level, const char *channel_key, const char *format, va_list args)
{
  g_autofree char *raw = NULL;
  g_autofree char *message = NULL;
  GLogField fields[] = {
    { "GLIB_DOMAIN", G_LOG_DOMAIN, -1 },
    { "PRIORITY", NULL, -1 },
    { "MESSAGE", NULL, -1 },
    { "TOCSIN_CHANNEL", channel_key, -1 },
  };

  /* Debug lines are formatted and redacted only when someone shows them (G_MESSAGES_DEBUG or
   * g_log_set_debug_enabled()): some are logged per delivery. */
  if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && g_log_writer_default_would_drop (level, G_LOG_DOMAIN))
    return;
  raw = g_strdup_vprintf (format, args);
  message = tocsin_redact (raw);
  fields[2].value = message;

  /* The PRIORITY field is what journald and g_log_writer_default() read the level from. */
  if (level & G_LOG_LEVEL_ERROR)
    fields[1].value = "3";
  else if (level & G_LOG_LEVEL_CRITICAL)
    fields[1].value = "4";
  else if (level & G_LOG_LEVEL_WARNING)
    fields[1].value = "4";
  else if (level & G_LOG_LEVEL_MESSAGE)
    fields[1].value = "5";
  else if (level & G_LOG_LEVEL_INFO)
    fields[1].value = "6";
  else
    fields[1].value = "7";
  g_log_structured_array (level, fields, channel_key ? G_N_ELEMENTS (fields) : G_N_ELEMENTS (fields) - 1);
}

void
priv_tocsin_log (GLogLevelFlags level, const char *channel_key, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  priv_tocsin_logv (level, channel_key, format, args);
  va_end (args);
}
