/* testutil.h: helpers shared by the test executables.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>

#include <json-glib/json-glib.h>
#include <tocsin/tocsin.h>

G_BEGIN_DECLS

/* g_test_init() plus: warnings are not fatal (the library logs warnings on purpose, e.g. when it
 * clamps a value), and a log writer that can capture everything logged (see tt_log_capture_*). */
void tt_init (int *argc, char ***argv);

/* A fresh temporary directory (transfer full); tt_rm_rf() removes it and its contents. */
char *tt_make_tmpdir (void);
void tt_rm_rf (const char *path);

/* Writes @contents to @dir/@name and returns the path (transfer full). */
char *tt_write_file (const char *dir, const char *name, const char *contents);

/* Starts capturing every log message of every level (debug included) of this process; each becomes
 * a line "LEVEL [CHANNEL] message" in the buffer returned (transfer full) by tt_log_capture_stop().
 * While capturing, messages are not printed. Thread-safe. */
void tt_log_capture_start (void);
char *tt_log_capture_stop (void);
/* tt_log_capture_stop(), and fails if the log contains any of the NULL-terminated @secret...
 * (tt_assert_not_contains()). The log also goes to the test log. Returns it (transfer full). */
char *tt_log_capture_stop_no_secret (const char *secret, ...) G_GNUC_NULL_TERMINATED;

/* Path to a file in the source tree (transfer full): TOCSIN_SOURCE_DIR/@relpath */
char *tt_source_path (const char *relpath);
/* Path to a file in the build tree (transfer full): TOCSIN_BUILD_DIR/@relpath */
char *tt_build_path (const char *relpath);

/* Unsets the proxy variables (http_proxy, HTTPS_PROXY, no_proxy ...) so that requests to the
 * loopback test servers go straight there. Call it in main() before tt_init() and before any
 * thread starts (setenv is not thread-safe). */
void tt_unset_proxy_env (void);

/* g_test_trap_subprocess() for the rest of the calling test: in the parent, runs the test again
 * in a child, asserts that the child passed and returns FALSE (the parent returns, or checks the
 * child's output with g_test_trap_assert_stdout() and friends); in the child, returns TRUE and
 * the test goes on there. Usage: `if (!tt_in_subprocess ()) return;`. For what must not touch the
 * test process: resource limits, file descriptors 1 and 2, the environment, a fresh registry. */
gboolean tt_in_subprocess (void);

/* ---- a fixture with a temporary folder ---- */

/* For g_test_add (path, TtDirFixture, data, tt_dir_fixture_setup, func, tt_dir_fixture_teardown):
 * @dir is a fresh temporary folder, removed with its contents after the test. */
typedef struct
{
  char *dir;
} TtDirFixture;

void tt_dir_fixture_setup (TtDirFixture *f, gconstpointer data);
void tt_dir_fixture_teardown (TtDirFixture *f, gconstpointer data);

/* ---- assertions on text and errors ---- */

/* Fails, quoting @text, unless @text contains @needle. */
void tt_assert_contains (const char *text, const char *needle);
/* Fails, quoting @text, if @text contains @needle (a secret that must never be shown, a line
 * that must not be logged). A NULL @text contains nothing. */
void tt_assert_not_contains (const char *text, const char *needle);

/* Asserts that @error is TOCSIN_ERROR @code and that its message contains each of the
 * NULL-terminated fragments after @code: typically the "file:line: " at fault and what is wrong
 * there. The message goes to the test log. */
void tt_assert_error (const GError *error, int code, ...) G_GNUC_NULL_TERMINATED;
/* tt_assert_error() for a variadic helper of a test: @fragments as read by va_arg(). */
void tt_assert_error_valist (const GError *error, int code, va_list fragments);

/* ---- configs with one channel ---- */

/* Writes @dir/tocsin.xml and returns its path (transfer full):
 *   line 1      <?xml ...?>
 *   line 2      <tocsin version="1">
 *   then        @preamble (nullable; whole lines, e.g. a <credentials> block)
 *   then        <channel @channel_attrs>
 *   then        @settings (whole lines, may be "")
 *   and the closing tags. Without a preamble the channel is on line 3 and its settings start on
 *   line 4; each line of @preamble moves both down by one. */
char *tt_write_config (const char *dir, const char *preamble, const char *channel_attrs,
                       const char *settings);

/* Writes the config (tt_write_config) and builds a manager from it, as an application does with
 * tocsin_manager_new_from_file(); NULL with @error set if that fails. */
TocsinManager *tt_load_config (const char *dir, const char *preamble, const char *channel_attrs,
                               const char *settings, GError **error);
/* The same, which must succeed with exactly one channel (transfer full). */
TocsinManager *tt_load_config_ok (const char *dir, const char *preamble,
                                  const char *channel_attrs, const char *settings);
/* The same, which must fail: no manager, TOCSIN_ERROR @code, and a message containing each
 * NULL-terminated fragment after @code (see tt_assert_error()). Returns the message (transfer
 * full) for further checks, e.g. that it does not quote a secret. */
char *tt_load_config_fails (const char *dir, const char *preamble, const char *channel_attrs,
                            const char *settings, int code, ...) G_GNUC_NULL_TERMINATED;

/* ---- alerts and results ---- */

/* The time every alert of tt_make_alert() carries: 2026-11-18 in any time zone, with
 * microseconds, to check that they survive. */
#define TT_ALERT_TIME G_GINT64_CONSTANT (1795000000123456)

/* An alert with these fields and TT_ALERT_TIME, so that formatted titles are known (transfer
 * full). @body may be NULL. */
TocsinAlert *tt_make_alert (const char *title, const char *body, TocsinLevel level,
                            gboolean timestamp);
/* The alert of the tests of what a channel writes: @title and @body at warning level, at
 * TT_ALERT_TIME with the builder's default timestamp setting, labelled host=db1 and
 * service=pg "main" (quotes to escape). (transfer full) */
TocsinAlert *tt_make_labelled_alert (const char *title, const char *body);
/* An empty array that frees the alerts added to it, for tocsin_manager_send_many(). */
GPtrArray *tt_alert_array_new (void);

/* Sends @alert to every channel of @manager, which must have exactly one; returns that
 * channel's result (transfer full). */
TocsinResult *tt_send_one (TocsinManager *manager, TocsinAlert *alert);
/* Asserts that @result is a success without an error message. */
void tt_assert_success (TocsinResult *result);
/* tt_send_one(), which must succeed (tt_assert_success()). */
void tt_send_ok (TocsinManager *manager, TocsinAlert *alert);
/* Asserts that @result failed, with an error message containing @text (any message when @text
 * is NULL), and that its retryable flag is @retryable. The message goes to the test log. */
void tt_assert_failed_with (TocsinResult *result, const char *text, gboolean retryable);

/* ---- JSON and times ---- */

/* Parses @text, which must be one JSON object, and returns it (transfer full). */
JsonObject *tt_parse_json_object (const char *text);
/* @time as microseconds since the Unix epoch, to compare with an alert's time. */
gint64 tt_date_time_to_usec (GDateTime *time);

G_END_DECLS
