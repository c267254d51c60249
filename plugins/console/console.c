/* console.c: the "console" channel, one readable line per alert on stderr or stdout.
 *
 *   [WARNING] 2026-11-26 16:48:54 ::: Disk almost full: /var is at 91%
 *       second line of the body
 *
 * The title is the formatted one (with the time prefix only when the alert asks for it); body
 * lines after the first are indented so an alert stays one visual block. Control characters
 * are shown in caret notation (^[ ...), so alert text can never drive the terminal.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <tocsin/tocsin-plugin.h>

#include "fd-write.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CONSOLE_INDENT "    "
#define CONSOLE_COLOR_RESET "\033[0m"

typedef struct {
  int fd;                  /* STDOUT_FILENO or STDERR_FILENO: the number, not a dup, so a
                              later redirection of the stream by the application is followed */
  FILE *stream;            /* the stdio stream on the same fd, flushed before each line */
  const char *stream_name; /* "stdout" or "stderr" (static) */
  gboolean color;
  int timeout_ms;          /* how long to wait for a non-blocking fd to accept the line */
  GMutex lock;             /* one line at a time, so lines of several workers never interleave */
} ConsoleChannel;

static const char *const stream_choices[] = { "stderr", "stdout", NULL };
static const char *const color_choices[] = { "auto", "always", "never", NULL };

static const TocsinSettingSpec console_settings[] = {
  { "stream", TOCSIN_SETTING_CHOICE, 0, "stderr", "the stream to write to", stream_choices,
    NULL, { NULL } },
  { "color", TOCSIN_SETTING_CHOICE, 0, "auto",
    "colour the level: auto = only on a terminal and when NO_COLOR is not set", color_choices,
    NULL, { NULL } },
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

static const char *
level_color (TocsinLevel level)
{
  switch (level)
    {
    case TOCSIN_LEVEL_INFO:
      return "\033[36m"; /* cyan */
    case TOCSIN_LEVEL_SUCCESS:
      return "\033[32m"; /* green */
    case TOCSIN_LEVEL_WARNING:
      return "\033[33m"; /* yellow */
    case TOCSIN_LEVEL_CRITICAL:
      return "\033[1;31m"; /* bold red */
    default:
      return NULL;
    }
}

/* The convention of https://no-color.org: NO_COLOR set to a non-empty value disables colour;
 * a dumb terminal cannot show it either. */
static gboolean
color_wanted_on (int fd)
{
  const char *no_color = g_getenv ("NO_COLOR");

  if (no_color != NULL && *no_color != '\0')
    return FALSE;
  if (g_strcmp0 (g_getenv ("TERM"), "dumb") == 0)
    return FALSE;
  return isatty (fd) == 1;
}

/* Appends @length bytes of UTF-8 @text. Newlines start an indented continuation line; other
 * control characters (C0, DEL, C1) become caret notation or U+FFFD, so that an alert cannot
 * move the cursor, change colours or set the terminal's title. */
static void
append_sanitized (GString *out, const char *text, gsize length)
{
  const char *end = text + length;

  for (const char *p = text; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\n')
        g_string_append (out, "\n" CONSOLE_INDENT);
      else if (c == '\t')
        g_string_append_c (out, '\t');
      else if (c < 0x20 || c == 0x7f)
        {
          g_string_append_c (out, '^');
          g_string_append_c (out, (char) (c ^ 0x40));
        }
      else if (g_unichar_iscntrl (c))
        g_string_append_unichar (out, 0xfffd);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
}

/* Length of @text without trailing line ends, so a body ending in "\n" leaves no empty line. */
static gsize
trimmed_length (const char *text)
{
  gsize length = strlen (text);

  while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == '\r'))
    length--;
  return length;
}

static GString *
format_line (const ConsoleChannel *self, TocsinAlert *alert)
{
  TocsinLevel level = tocsin_alert_get_level (alert);
  const char *name = tocsin_level_to_upper (level);
  const char *color = self->color ? level_color (level) : NULL;
  const char *body = tocsin_alert_get_body (alert);
  g_autofree char *title = tocsin_alert_dup_formatted_title (alert);
  gsize body_length = trimmed_length (body);
  GString *line = g_string_sized_new (64 + strlen (title) + body_length);

  if (color != NULL)
    g_string_append (line, color);
  if (name != NULL)
    g_string_append_printf (line, "[%s]", name);
  else
    g_string_append_printf (line, "[LEVEL %d]", (int) level);
  if (color != NULL)
    g_string_append (line, CONSOLE_COLOR_RESET);
  g_string_append_c (line, ' ');
  append_sanitized (line, title, trimmed_length (title));
  if (body_length > 0)
    {
      g_string_append (line, ": ");
      append_sanitized (line, body, body_length);
    }
  g_string_append_c (line, '\n');
  return line;
}

static gpointer
console_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  const char *stream = tocsin_config_node_get_string (config, "stream");
  const char *color = tocsin_config_node_get_string (config, "color");
  ConsoleChannel *self;

  /* The core has checked both against their choices; this only guards against a core bug. */
  if (g_strcmp0 (stream, "stdout") != 0 && g_strcmp0 (stream, "stderr") != 0)
    {
      tocsin_config_node_set_error (config, error, TOCSIN_ERROR_INVALID_VALUE,
                                    "console: <stream> must be stderr or stdout, not '%s'",
                                    stream ? stream : "");
      return NULL;
    }

  self = g_new0 (ConsoleChannel, 1);
  g_mutex_init (&self->lock);
  if (g_str_equal (stream, "stdout"))
    {
      self->fd = STDOUT_FILENO;
      self->stream = stdout;
      self->stream_name = "stdout";
    }
  else
    {
      self->fd = STDERR_FILENO;
      self->stream = stderr;
      self->stream_name = "stderr";
    }
  if (g_strcmp0 (color, "always") == 0)
    self->color = TRUE;
  else if (g_strcmp0 (color, "never") == 0)
    self->color = FALSE;
  else
    self->color = color_wanted_on (self->fd);
  self->timeout_ms = priv_tocsin_fd_timeout_ms (tocsin_plugin_context_get_timeout (ctx));
  return self;
}

static gboolean
console_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  ConsoleChannel *self = instance;
  g_autoptr (GString) line = format_line (self, alert);
  int err;

  g_mutex_lock (&self->lock);
  /* Whatever the application printed to the same stream before must come first. A failure
   * here is the application's; ours is reported by the write below. */
  fflush (self->stream);
  /* A reader that went away gives EPIPE: the worker thread running us blocks SIGPIPE. */
  err = priv_tocsin_fd_write_all (self->fd, line->str, line->len, self->timeout_ms, NULL);
  g_mutex_unlock (&self->lock);

  if (err == 0)
    return TRUE;
  /* A full disk or a slow reader may recover; a closed pipe or a bad fd will not. */
  tocsin_result_set_retryable (result, err == ENOSPC || err == EAGAIN || err == ETIMEDOUT);
  g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_IO, "console: cannot write to %s: %s",
               self->stream_name, g_strerror (err));
  return FALSE;
}

static void
console_destroy (gpointer instance)
{
  ConsoleChannel *self = instance;

  g_mutex_clear (&self->lock);
  g_free (self);
}

static const TocsinChannelClass console_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .flags = TOCSIN_CHANNEL_CLASS_THREAD_SAFE,
  .type_name = "console",
  .description = "one line per alert on stderr or stdout, coloured by level on a terminal",
  .settings = console_settings,
  .create = console_create,
  .send = console_send,
  .destroy = console_destroy,
};

static const TocsinChannelClass *const console_classes[] = { &console_class, NULL };

TOCSIN_PLUGIN_DEFINE ("console", "1.0.0", "LGPL-2.1-or-later",
                      "writes alerts to the terminal", console_classes, NULL)
