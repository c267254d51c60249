/* log-private.h: the core's structured logging.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Logs @format through g_log_structured() in domain "tocsin", with the field TOCSIN_CHANNEL set to
 * @channel_key when not NULL. The formatted message goes through tocsin_redact() first, so callers
 * may pass error texts that came from plugins or remote servers. */
void priv_tocsin_log (GLogLevelFlags level, const char *channel_key, const char *format, ...)
  G_GNUC_PRINTF (3, 4);
void priv_tocsin_logv (GLogLevelFlags level, const char *channel_key, const char *format,
                       va_list args) G_GNUC_PRINTF (3, 0);

G_END_DECLS
