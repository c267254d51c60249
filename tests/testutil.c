/* testutil.c: helpers shared by the test executables.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <glib/gstdio.h>

static GMutex capture_lock;
static GString *capture; /* (nullable) while capturing */

static const char *
level_name (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR) return "ERROR";
  if (level & G_LOG_LEVEL_CRITICAL) return "CRITICAL";
  if (level & G_LOG_LEVEL_WARNING) return "WARNING";
  if (level & G_LOG_LEVEL_MESSAGE) return "MESSAGE";
  if (level & G_LOG_LEVEL_INFO) return "INFO";
  return "DEBUG";
}

static GLogWriterOutput
capture_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *message = NULL, *channel = NULL;

  g_mutex_lock (&capture_lock);
  if (capture == NULL)
    {
      g_mutex_unlock (&capture_lock);
      return g_log_writer_default (level, fields, n_fields, user_data);
    }
  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "TOCSIN_CHANNEL") == 0)
        channel = fields[i].value;
    }
  g_string_append_printf (capture, "%s [%s] %s\n", level_name (level), channel ? channel : "-",
                          message ? message : "");
  g_mutex_unlock (&capture_lock);
  return G_LOG_WRITER_HANDLED;
}

void
tt_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  /* The library warns on purpose (clamped values, unknown targets); only criticals fail a test. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_writer_func (capture_writer, NULL, NULL);
}

void
tt_log_capture_start (void)
{
  g_mutex_lock (&capture_lock);
  if (capture == NULL)
    capture = g_string_new (NULL);
  g_mutex_unlock (&capture_lock);
  /* The library skips debug lines nobody shows; a capture shows them. */
  g_log_set_debug_enabled (TRUE);
}

char *
tt_log_capture_stop (void)
{
  char *text;

  g_log_set_debug_enabled (FALSE);
  g_mutex_lock (&capture_lock);
  text = capture ? g_string_free (capture, FALSE) : g_strdup ("");
  capture = NULL;
  g_mutex_unlock (&capture_lock);
  return text;
}

char *
tt_make_tmpdir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("tocsin-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
tt_rm_rf (const char *path)
{
  GDir *dir;
  const char *name;

  if (path == NULL)
    return;
  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_unlink (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      tt_rm_rf (child);
    }
  if (dir)
    g_dir_close (dir);
  g_rmdir (path);
}

char *
tt_write_file (const char *dir, const char *name, const char *contents)
{
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

char *
tt_source_path (const char *relpath)
{
  return g_build_filename (TOCSIN_SOURCE_DIR, relpath, NULL);
}

char *
tt_build_path (const char *relpath)
{
  return g_build_filename (TOCSIN_BUILD_DIR, relpath, NULL);
}
