/* fd-write.h: writing to a file descriptor, shared by the plugins that write to one (console,
 * file). Compiled into each plugin, never exported from it: the declarations are hidden, and
 * the plugin's version script keeps only tocsin_plugin_get_descriptor global anyway.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

G_GNUC_INTERNAL
int priv_tocsin_fd_write_all (int fd, const char *data, gsize length, int timeout_ms,
                              gsize *written);

G_GNUC_INTERNAL
int priv_tocsin_fd_timeout_ms (double timeout_seconds);

G_END_DECLS
