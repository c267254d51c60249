/* time-text.h: timestamps as plugins print them.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Room for the longest timestamp priv_tocsin_format_rfc3339() writes, with its NUL. */
#define PRIV_TOCSIN_RFC3339_SIZE 40

/* Writes @unix_usec as RFC 3339 in local time with microseconds and offset, e.g.
 * "2026-11-26T17:48:54.000123+01:00", into @out. Returns @out, or NULL (and @out empty) for a
 * time the C library cannot represent. A caller's buffer rather than a new string: this runs
 * for every alert a file or webhook channel writes. */
G_GNUC_INTERNAL char *priv_tocsin_format_rfc3339 (gint64 unix_usec, char out[PRIV_TOCSIN_RFC3339_SIZE]);

G_END_DECLS
