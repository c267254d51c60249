/* file-read-private.h: reading a small regular file that a user named, whole and safely.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/stat.h>
#include <glib.h>

G_BEGIN_DECLS

/* Reads @path, which must be a regular file of at most @max bytes.
 *
 * The path comes from a user (--config, <credential path="...">) and may name anything. So:
 *  - it is stat()ed first and anything but a regular file is refused without being opened:
 *    opening some devices has side effects, and reading a FIFO or /dev/zero never ends;
 *  - it is opened O_NONBLOCK | O_NOCTTY | O_CLOEXEC, and the descriptor must be the file that
 *    was stat()ed (same device and inode), so a swap in between is refused, not read;
 *  - at most @max + 1 bytes are read, whatever the size claimed (a file under /proc says 0).
 *
 * @st: (out) (optional): the opened file's status, to check its permissions for instance
 * @length: (out): the number of bytes read, not counting the NUL added after them
 * Returns: (transfer full) (nullable): the contents, NUL-terminated; callers holding a secret
 *   wipe them (explicit_bzero) before g_free(). On failure @error is in the G_FILE_ERROR domain:
 *   the code of errno when stat, open or read fails (G_FILE_ERROR_NOENT: no such file), else
 *   G_FILE_ERROR_INVAL. Its message names @path and the problem ("cannot read P: No such file
 *   or directory", "P is not a regular file", "P is larger than 16 MiB") but no fix: the caller
 *   knows what the file is for, and says how to fix it. */
char *priv_tocsin_file_read (const char *path, gsize max, struct stat *st, gsize *length,
                             GError **error);

G_END_DECLS
