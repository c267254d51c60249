/* file.c: the "file" channel, one JSON object per alert and per line (JSON Lines).
 *
 *   {"time":"2026-11-26T16:48:54.000123+01:00","level":20,"level_name":"warning",
 *    "title":"Disk almost full","body":"/var is at 91%","channel":"log","labels":{"host":"db1"}}
 *
 * (one line in the file). The file is opened once, in append mode, and created with mode 0600
 * because alerts may carry sensitive text; a symbolic link at the path is refused rather than
 * followed, and an existing file that other users can read gets a warning. Each line is a
 * single write(2) made under a mutex, so the lines of several workers never interleave; with
 * O_APPEND other processes appending to the same local file do not split them either.
 *
 * Log rotation: before each line the channel compares the path's inode with the open file's.
 * When the file was renamed or removed (logrotate's default "create" mode) it opens a new file
 * at the path; with "copytruncate" the same file shrinks and O_APPEND keeps writing at its end.
 * If the new file cannot be created, lines keep going to the old (renamed) file, with one
 * warning, rather than being lost.
 *
 * A FIFO or pipe is written without blocking, so a reader that stops reading makes the send
 * fail after the channel's timeout (retryable) instead of hanging a worker under the lock.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <tocsin/tocsin-plugin.h>

#include <json-glib/json-glib.h>

#include "fd-write.h"
#include "json-text.h"
#include "time-text.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  const TocsinPluginContext *ctx;
  char *path;             /* absolute or relative to the working directory, as resolved */
  gboolean fsync;
  int timeout_ms;         /* how long to wait for a pipe or FIFO to accept a line */
  GMutex lock;            /* guards the fields below and serialises the writes */
  int fd;
  dev_t dev;
  ino_t ino;
  gboolean regular;       /* a regular file: rotation check; otherwise a pipe, FIFO or device */
  gboolean torn;          /* the last write stopped mid-line: begin the next on a new line */
  gboolean reopen_failed; /* already warned that the rotated file could not be re-created */
  gboolean mode_warned;   /* already warned that other users can read the file */
} FileChannel;

static const TocsinSettingSpec file_settings[] = {
  { "path", TOCSIN_SETTING_PATH, TOCSIN_SETTING_REQUIRED, NULL,
    "the file to append to; relative to the config file's folder", NULL, NULL, { NULL } },
  { "fsync", TOCSIN_SETTING_BOOLEAN, 0, "false",
    "flush each line to the disk before reporting it delivered", NULL, NULL, { NULL } },
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

/* Opens @path for appending, creating it 0600. O_NOFOLLOW: a symbolic link at the path is
 * refused (ELOOP), so that whoever can replace the file by a link cannot send the alerts, which
 * may be private, to another file. O_NONBLOCK lets a FIFO without a reader fail at once
 * (ENXIO) instead of hanging the config loader, and stays on for anything but a regular file:
 * the fd is ours alone, and only a non-blocking write to a pipe or FIFO whose reader stopped
 * reading returns (EAGAIN) so that priv_tocsin_fd_write_all() can keep the channel's timeout.
 * Returns the fd, or -1 with errno set. */
static int
open_append (const char *path, struct stat *st)
{
  int fd, flags, saved;

  do
    fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK
               | O_NOFOLLOW, 0600);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return -1;
  if (fstat (fd, st) < 0 || (S_ISREG (st->st_mode)
                             && ((flags = fcntl (fd, F_GETFL)) < 0
                                 || fcntl (fd, F_SETFL, flags & ~O_NONBLOCK) < 0)))
    {
      saved = errno;
      close (fd);
      errno = saved;
      return -1;
    }
  return fd;
}

/* Alerts may carry private text: a log file others can read (or write) is worth a warning,
 * once per channel, though not a refusal (logrotate's "create 0640 root adm" is common). */
static void
warn_if_shared (FileChannel *self, const struct stat *st)
{
  if (self->mode_warned || !S_ISREG (st->st_mode) || (st->st_mode & 0066) == 0)
    return;
  self->mode_warned = TRUE;
  tocsin_plugin_context_log (self->ctx, G_LOG_LEVEL_WARNING,
                             "file: '%s' can be read or written by other users (mode %04o), "
                             "and alerts may carry private text; restrict it with "
                             "chmod go-rwx '%s' unless that is intended",
                             self->path, (unsigned) (st->st_mode & 07777), self->path);
}

static void
adopt_fd (FileChannel *self, int fd, const struct stat *st)
{
  self->fd = fd;
  self->dev = st->st_dev;
  self->ino = st->st_ino;
  self->regular = S_ISREG (st->st_mode);
  self->torn = FALSE;
  warn_if_shared (self, st);
}

/* Called with the lock held, for regular files only. lstat(), not stat(): a symbolic link
 * put at the path is a change of file, which open_append() then refuses. */
static void
reopen_if_rotated (FileChannel *self)
{
  struct stat st;
  int fd;

  if (lstat (self->path, &st) == 0 && st.st_dev == self->dev && st.st_ino == self->ino)
    return;

  fd = open_append (self->path, &st);
  if (fd < 0)
    {
      int saved = errno;

      if (!self->reopen_failed)
        tocsin_plugin_context_log (self->ctx, G_LOG_LEVEL_WARNING,
                                   "file: '%s' was moved or removed and cannot be created again "
                                   "(%s); still appending to the moved file",
                                   self->path, saved == ELOOP
                                   ? "a symbolic link is there now, which is not followed"
                                   : g_strerror (saved));
      self->reopen_failed = TRUE;
      return;
    }
  close (self->fd);
  adopt_fd (self, fd, &st);
  self->reopen_failed = FALSE;
  tocsin_plugin_context_log (self->ctx, G_LOG_LEVEL_INFO,
                             "file: '%s' was rotated; appending to a new file", self->path);
}

static void
add_label (const char *key, const char *value, gpointer user_data)
{
  JsonBuilder *builder = user_data;

  json_builder_set_member_name (builder, key);
  json_builder_add_string_value (builder, value);
}

static void
add_string_member (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static JsonNode *
build_object (FileChannel *self, TocsinAlert *alert)
{
  TocsinLevel level = tocsin_alert_get_level (alert);
  char stamp_text[PRIV_TOCSIN_RFC3339_SIZE];
  const char *stamp = priv_tocsin_format_rfc3339 (tocsin_alert_get_time (alert), stamp_text);
  g_autofree char *title = tocsin_alert_dup_formatted_title (alert);
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string_member (builder, "time", stamp);
  json_builder_set_member_name (builder, "level");
  json_builder_add_int_value (builder, level);
  add_string_member (builder, "level_name", tocsin_level_to_string (level));
  add_string_member (builder, "title", title);
  add_string_member (builder, "body", tocsin_alert_get_body (alert));
  add_string_member (builder, "channel", tocsin_plugin_context_get_channel_key (self->ctx));
  json_builder_set_member_name (builder, "labels");
  json_builder_begin_object (builder);
  tocsin_alert_foreach_label (alert, add_label, builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* "\n" + the JSON object + "\n". The leading newline is written only after a torn write, so
 * the fragment it left stays on a line of its own and the next line is intact. */
static GString *
format_line (FileChannel *self, TocsinAlert *alert)
{
  g_autoptr (JsonNode) root = build_object (self, alert);
  GString *line = g_string_sized_new (256);

  g_string_append_c (line, '\n');
  priv_tocsin_json_append (line, root);
  g_string_append_c (line, '\n');
  return line;
}

/* Returns 0 or an errno value. A device or pipe that cannot be synced (EINVAL, EROFS) is not
 * an error: there is nothing to flush to a disk. */
static int
sync_fd (int fd)
{
  while (fsync (fd) < 0)
    {
      if (errno == EINTR)
        continue;
      return (errno == EINVAL || errno == EROFS) ? 0 : errno;
    }
  return 0;
}

/* Writes @line (see format_line()) under the lock. Returns 0 or an errno value; *@unsent is
 * set to the number of bytes of the line that did not get through, and *@sync_err when the
 * line was written but fsync failed. */
static int
append_line (FileChannel *self, const GString *line, gsize *unsent, int *sync_err)
{
  gsize offset, written = 0;
  int err;

  g_mutex_lock (&self->lock);
  if (self->regular)
    reopen_if_rotated (self);
  offset = self->torn ? 0 : 1;
  /* A FIFO whose reader went away gives EPIPE: the worker thread running us blocks SIGPIPE. */
  err = priv_tocsin_fd_write_all (self->fd, line->str + offset, line->len - offset,
                                  self->timeout_ms, &written);
  if (err == 0)
    self->torn = FALSE;
  else if (written > 0)
    self->torn = TRUE;
  if (err == 0 && self->fsync)
    *sync_err = sync_fd (self->fd);
  g_mutex_unlock (&self->lock);
  *unsent = line->len - offset - written;
  return err;
}

static gboolean
file_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  FileChannel *self = instance;
  g_autoptr (GString) line = format_line (self, alert); /* outside the lock: the costly part */
  gsize unsent = 0;
  int sync_err = 0;
  int err = append_line (self, line, &unsent, &sync_err);

  if (err != 0)
    {
      /* Retrying is useful only if the cause may go away (a full disk, a FIFO's reader that
       * stopped reading past the timeout), and safe while the object's closing brace did not
       * get through: a fragment cut inside the object is no valid JSON, so no reader takes it
       * for a record, and the next attempt starts on a line of its own. */
      tocsin_result_set_retryable (result, unsent > 1
                                   && (err == ENOSPC || err == EDQUOT || err == EAGAIN
                                       || err == ETIMEDOUT));
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_IO, "file: cannot append to '%s': %s",
                   self->path, g_strerror (err));
      return FALSE;
    }
  if (sync_err != 0)
    {
      /* The line is in the file (a retry would duplicate it) but may not be on the disk. */
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_IO,
                   "file: wrote to '%s' but fsync failed: %s", self->path, g_strerror (sync_err));
      return FALSE;
    }
  return TRUE;
}

/* The error of a <path> that cannot be opened; a symbolic link gets a message of its own, as
 * the fix is not to create anything. */
static void
set_open_error (const TocsinConfigNode *node, const char *path, int err, GError **error)
{
  struct stat st;

  if (err == ELOOP && lstat (path, &st) == 0 && S_ISLNK (st.st_mode))
    tocsin_config_node_set_error (node, error, TOCSIN_ERROR_IO,
                                  "file: '%s' is a symbolic link, which the file channel does "
                                  "not follow (a link could send the alerts to another file); "
                                  "give the path of the file itself in <path>", path);
  else
    tocsin_config_node_set_error (node, error, TOCSIN_ERROR_IO,
                                  "file: cannot open '%s' for appending: %s; check that "
                                  "its folder exists and is writable", path, g_strerror (err));
}

static gpointer
file_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  const TocsinConfigNode *path_node = tocsin_config_node_get_child (config, "path");
  g_autofree char *path = tocsin_config_node_dup_path (config, "path");
  gboolean do_fsync = FALSE;
  FileChannel *self;
  struct stat st;
  int fd;

  if (path == NULL || *path == '\0')
    {
      tocsin_config_node_set_error (path_node ? path_node : config, error,
                                    TOCSIN_ERROR_MISSING_SETTING,
                                    "file: a <path> to append to is required");
      return NULL;
    }
  if (!tocsin_config_node_get_boolean (config, "fsync", &do_fsync, error))
    return NULL;

  fd = open_append (path, &st);
  if (fd < 0)
    {
      set_open_error (path_node ? path_node : config, path, errno, error);
      return NULL;
    }

  self = g_new0 (FileChannel, 1);
  self->ctx = ctx;
  self->path = g_steal_pointer (&path);
  self->fsync = do_fsync;
  self->timeout_ms = priv_tocsin_fd_timeout_ms (tocsin_plugin_context_get_timeout (ctx));
  g_mutex_init (&self->lock);
  adopt_fd (self, fd, &st);
  tocsin_plugin_context_log (ctx, G_LOG_LEVEL_DEBUG, "file: appending to '%s'%s", self->path,
                             do_fsync ? " with fsync" : "");
  return self;
}

static void
file_destroy (gpointer instance)
{
  FileChannel *self = instance;

  /* close() reports only delayed write errors of NFS and the like; each line already had its
   * own outcome, so there is nobody left to tell. */
  close (self->fd);
  g_mutex_clear (&self->lock);
  g_free (self->path);
  g_free (self);
}

static const TocsinChannelClass file_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .flags = TOCSIN_CHANNEL_CLASS_THREAD_SAFE,
  .type_name = "file",
  .description = "appends one JSON object per alert and per line (JSON Lines) to a file",
  .settings = file_settings,
  .create = file_create,
  .send = file_send,
  .destroy = file_destroy,
};

static const TocsinChannelClass *const file_classes[] = { &file_class, NULL };

TOCSIN_PLUGIN_DEFINE ("file", "1.0.0", "LGPL-2.1-or-later",
                      "writes alerts to a JSON Lines file", file_classes, NULL)
