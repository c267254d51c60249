/* time-text.h: timestamps as plugins print them.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* (transfer full) @unix_usec as RFC 3339 in local time with microseconds and offset, e.g.
 * "2026-11-26T17:48:54.000123+01:00". */
G_GNUC_INTERNAL char *priv_tocsin_format_rfc3339 (gint64 unix_usec);

G_END_DECLS
