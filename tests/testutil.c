/* testutil.c: helpers shared by the test executables.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <glib/gstdio.h>

#include <string.h>

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

char *
tt_log_capture_stop_no_secret (const char *secret, ...)
{
  char *log = tt_log_capture_stop ();
  va_list args;

  g_test_message ("log:\n%s", log);
  va_start (args, secret);
  for (const char *s = secret; s != NULL; s = va_arg (args, const char *))
    tt_assert_not_contains (log, s);
  va_end (args);
  return log;
}

void
tt_unset_proxy_env (void)
{
  static const char *const names[] = { "http_proxy", "https_proxy", "all_proxy", "no_proxy",
                                       "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", NULL };

  for (guint i = 0; names[i] != NULL; i++)
    g_unsetenv (names[i]);
}

gboolean
tt_in_subprocess (void)
{
  if (g_test_subprocess ())
    return TRUE;
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  return FALSE;
}

void
tt_dir_fixture_setup (TtDirFixture *f, gconstpointer data)
{
  f->dir = tt_make_tmpdir ();
}

void
tt_dir_fixture_teardown (TtDirFixture *f, gconstpointer data)
{
  tt_rm_rf (f->dir);
  g_clear_pointer (&f->dir, g_free);
}

/* Fails the test with @message. Not g_error(): while tt_log_capture_start() is in force, a log
 * message would end in the capture instead of the test's output. */
static void
fail (const char *message)
{
  g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, message);
}

void
tt_assert_contains (const char *text, const char *needle)
{
  if (text == NULL || strstr (text, needle) == NULL)
    {
      g_autofree char *message = g_strdup_printf ("expected \"%s\" in: %s", needle,
                                                  text ? text : "(null)");
      fail (message);
    }
}

void
tt_assert_not_contains (const char *text, const char *needle)
{
  if (text != NULL && strstr (text, needle) != NULL)
    {
      g_autofree char *message = g_strdup_printf ("did not expect \"%s\" in: %s", needle, text);
      fail (message);
    }
}

void
tt_assert_error_valist (const GError *error, int code, va_list fragments)
{
  const char *fragment;

  g_assert_error (error, TOCSIN_ERROR, code);
  g_test_message ("error: %s", error->message);
  while ((fragment = va_arg (fragments, const char *)) != NULL)
    tt_assert_contains (error->message, fragment);
}

void
tt_assert_error (const GError *error, int code, ...)
{
  va_list args;

  va_start (args, code);
  tt_assert_error_valist (error, code, args);
  va_end (args);
}

char *
tt_write_config (const char *dir, const char *preamble, const char *channel_attrs,
                 const char *settings)
{
  g_autofree char *xml = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                          "<tocsin version=\"1\">\n"
                                          "%s"
                                          "  <channel %s>\n"
                                          "%s"
                                          "  </channel>\n"
                                          "</tocsin>\n",
                                          preamble ? preamble : "", channel_attrs, settings);

  return tt_write_file (dir, "tocsin.xml", xml);
}

TocsinManager *
tt_load_config (const char *dir, const char *preamble, const char *channel_attrs,
                const char *settings, GError **error)
{
  g_autofree char *config = tt_write_config (dir, preamble, channel_attrs, settings);

  return tocsin_manager_new_from_file (config, error);
}

TocsinManager *
tt_load_config_ok (const char *dir, const char *preamble, const char *channel_attrs,
                   const char *settings)
{
  g_autoptr (GError) error = NULL;
  TocsinManager *manager = tt_load_config (dir, preamble, channel_attrs, settings, &error);

  g_assert_no_error (error);
  g_assert_nonnull (manager);
  g_assert_cmpuint (tocsin_manager_get_n_channels (manager), ==, 1);
  return manager;
}

char *
tt_load_config_fails (const char *dir, const char *preamble, const char *channel_attrs,
                      const char *settings, int code, ...)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinManager) manager = tt_load_config (dir, preamble, channel_attrs, settings,
                                                      &error);
  va_list args;

  g_assert_null (manager);
  va_start (args, code);
  tt_assert_error_valist (error, code, args);
  va_end (args);
  return g_strdup (error->message);
}

TocsinAlert *
tt_make_alert (const char *title, const char *body, TocsinLevel level, gboolean timestamp)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new (title);

  tocsin_alert_builder_set_body (builder, body);
  tocsin_alert_builder_set_level (builder, level);
  tocsin_alert_builder_set_timestamp (builder, timestamp);
  tocsin_alert_builder_set_time (builder, TT_ALERT_TIME);
  return tocsin_alert_builder_build (builder);
}

TocsinAlert *
tt_make_labelled_alert (const char *title, const char *body)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new (title);

  tocsin_alert_builder_set_body (builder, body);
  tocsin_alert_builder_set_level (builder, TOCSIN_LEVEL_WARNING);
  tocsin_alert_builder_set_time (builder, TT_ALERT_TIME);
  tocsin_alert_builder_add_label (builder, "host", "db1");
  tocsin_alert_builder_add_label (builder, "service", "pg \"main\"");
  return tocsin_alert_builder_build (builder);
}

GPtrArray *
tt_alert_array_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) tocsin_alert_unref);
}

TocsinResult *
tt_send_one (TocsinManager *manager, TocsinAlert *alert)
{
  g_autoptr (GPtrArray) results = tocsin_manager_send (manager, alert, NULL);

  g_assert_nonnull (results);
  g_assert_cmpuint (results->len, ==, 1);
  return tocsin_result_ref (g_ptr_array_index (results, 0));
}

void
tt_assert_success (TocsinResult *result)
{
  g_assert_cmpstr (tocsin_result_get_error (result), ==, NULL);
  g_assert_true (tocsin_result_get_success (result));
}

void
tt_send_ok (TocsinManager *manager, TocsinAlert *alert)
{
  g_autoptr (TocsinResult) result = tt_send_one (manager, alert);

  tt_assert_success (result);
}

void
tt_assert_failed_with (TocsinResult *result, const char *text, gboolean retryable)
{
  g_assert_false (tocsin_result_get_success (result));
  g_assert_nonnull (tocsin_result_get_error (result));
  g_test_message ("error: %s", tocsin_result_get_error (result));
  if (text != NULL)
    g_assert_nonnull (strstr (tocsin_result_get_error (result), text));
  g_assert_cmpint (tocsin_result_get_retryable (result), ==, retryable);
}

JsonObject *
tt_parse_json_object (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

gint64
tt_date_time_to_usec (GDateTime *time)
{
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}
