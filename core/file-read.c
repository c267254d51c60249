/* file-read.c: reading a small regular file that a user named (see file-read-private.h), shared
 * by the config file (config.c) and credential files (credentials.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "file-read-private.h"

/* The first buffer when the file claims to be smaller: files under /proc claim 0 bytes. */
#define FIRST_CAPACITY 4096

static void
set_errno_error (const char *path, int saved_errno, GError **error)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno), "cannot read %s: %s",
               path, g_strerror (saved_errno));
}

/* The limits are round numbers; say them as they were chosen ("16 MiB", "64 KiB"). */
static void
set_too_large_error (const char *path, gsize max, GError **error)
{
  if (max % (1024 * 1024) == 0)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is larger than %" G_GSIZE_FORMAT
                 " MiB", path, max / (1024 * 1024));
  else if (max % 1024 == 0)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is larger than %" G_GSIZE_FORMAT
                 " KiB", path, max / 1024);
  else
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is larger than %" G_GSIZE_FORMAT
                 " bytes", path, max);
}

static gboolean
check_regular (const char *path, const struct stat *st, gsize max, GError **error)
{
  if (!S_ISREG (st->st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is not a regular file", path);
      return FALSE;
    }
  if ((guint64) st->st_size > max)
    {
      set_too_large_error (path, max, error);
      return FALSE;
    }
  return TRUE;
}

/* Opens @path once stat() said it is a regular file, and checks that the descriptor is that
 * file (@st receives its status). Returns: the descriptor, or -1 with @error set. */
static int
open_checked (const char *path, gsize max, struct stat *st, GError **error)
{
  struct stat before;
  int fd, saved_errno;

  if (stat (path, &before) != 0)
    {
      set_errno_error (path, errno, error);
      return -1;
    }
  if (!check_regular (path, &before, max, error))
    return -1;
  /* O_NONBLOCK and O_NOCTTY in case the path was swapped for a FIFO or a terminal meanwhile. */
  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0 || fstat (fd, st) != 0)
    {
      saved_errno = errno;
      if (fd >= 0)
        close (fd);
      set_errno_error (path, saved_errno, error);
      return -1;
    }
  if (st->st_dev != before.st_dev || st->st_ino != before.st_ino)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                 "%s was replaced by another file while it was being opened", path);
  else if (check_regular (path, st, max, error)) /* it may have grown since */
    return fd;
  close (fd);
  return -1;
}

/* Moves the @used bytes of @buffer into a new one of @capacity + 1 bytes, wiping the old one:
 * it may hold a secret. */
static char *
grow (char *buffer, gsize used, gsize capacity)
{
  char *bigger = g_malloc (capacity + 1);

  memcpy (bigger, buffer, used);
  explicit_bzero (buffer, used);
  g_free (buffer);
  return bigger;
}

/* Reads @fd until its end, or until it gave @max + 1 bytes (the caller then knows it is too
 * large). @hint is the size fstat() reported. Returns: NULL with errno set on a read error. */
static char *
read_bounded (int fd, gsize hint, gsize max, gsize *length)
{
  gsize capacity = MIN (MAX (hint + 1, FIRST_CAPACITY), max + 1);
  char *buffer = g_malloc (capacity + 1);
  gsize total = 0;

  for (;;)
    {
      gssize n;

      if (total == capacity && capacity > max)
        break;
      if (total == capacity)
        {
          buffer = grow (buffer, total, MIN (capacity * 2, max + 1));
          capacity = MIN (capacity * 2, max + 1);
        }
      n = read (fd, buffer + total, capacity - total);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;
          explicit_bzero (buffer, total);
          g_free (buffer);
          errno = saved_errno;
          return NULL;
        }
      if (n == 0)
        break;
      total += (gsize) n;
    }
  buffer[total] = '\0';
  *length = total;
  return buffer;
}

char *
priv_tocsin_file_read (const char *path, gsize max, struct stat *st, gsize *length,
                       GError **error)
{
  struct stat opened;
  char *contents;
  int fd, saved_errno;

  g_return_val_if_fail (path != NULL && length != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = open_checked (path, max, &opened, error);
  if (fd < 0)
    return NULL;
  contents = read_bounded (fd, (gsize) opened.st_size, max, length);
  saved_errno = errno;
  close (fd);
  if (contents == NULL)
    {
      set_errno_error (path, saved_errno, error);
      return NULL;
    }
  if (*length > max)
    {
      explicit_bzero (contents, *length);
      g_clear_pointer (&contents, g_free);
      set_too_large_error (path, max, error);
      return NULL;
    }
  if (st != NULL)
    *st = opened;
  return contents;
}
