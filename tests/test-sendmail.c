/* test-sendmail.c: the sendmail transport through the email channel.
 *
 * The program it runs is tests/data/sendmail/fake-sendmail.sh, copied into each test's own
 * temporary folder: it records its arguments and the bytes it read next to itself, and exits (or
 * hangs, or dies) as files there tell it. What it read is compared byte for byte with the message
 * the email channel hands a transport, caught by a "capture" transport this test registers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <tocsin/tocsin-plugin.h>

#include <gmime/gmime.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#ifdef __linux__
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif
#if defined(__linux__) && defined(SYS_pidfd_open)
#define HAVE_SUBREAPER_AND_PIDFD 1
#endif

/* GMime 3.2 declares no g_autoptr cleanups of its own. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)

/* With no preamble the channel is on line 3 and the <transport> on line 4. */
#define TRANSPORT_LINE "tocsin.xml:4: "
#define ADDRESSES \
  "    <sender>alerts@example.com</sender>\n" \
  "    <recipient>oncall@example.com</recipient>\n"
/* One attempt per delivery: a retryable failure is reported, not retried. */
#define CHANNEL "key=\"mail\" type=\"email\" max-attempts=\"1\""

/* ---- the capture transport: what the channel hands a transport ---------------------------- */

static GMutex captured_lock;
static TocsinMailMessage *captured; /* (nullable) the last message caught */

static gpointer
capture_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  return g_new0 (char, 1);
}

static gboolean
capture_send (gpointer instance, TocsinMailMessage *message, TocsinResult *result, GError **error)
{
  g_mutex_lock (&captured_lock);
  g_clear_pointer (&captured, tocsin_mail_message_unref);
  captured = tocsin_mail_message_ref (message);
  g_mutex_unlock (&captured_lock);
  return TRUE;
}

static const TocsinSettingSpec capture_settings[] = {
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

static const TocsinTransportClass capture_class = {
  .struct_size = sizeof (TocsinTransportClass),
  .flags = TOCSIN_TRANSPORT_CLASS_THREAD_SAFE,
  .type_name = "capture",
  .description = "keeps the last message for the test",
  .settings = capture_settings,
  .create = capture_create,
  .send = capture_send,
  .destroy = g_free,
};

/* The MIME form the channel builds for @alert on channel "mail" (transfer full). */
static GBytes *
dup_channel_mime (const char *dir, TocsinAlert *alert)
{
  g_autoptr (TocsinManager) manager = tt_load_config_ok (dir, NULL, CHANNEL,
                                                         "    <transport type=\"capture\"/>\n"
                                                         ADDRESSES);
  GBytes *mime;

  tt_send_ok (manager, alert);
  g_mutex_lock (&captured_lock);
  g_assert_nonnull (captured);
  mime = g_bytes_ref (tocsin_mail_message_get_mime (captured));
  g_clear_pointer (&captured, tocsin_mail_message_unref);
  g_mutex_unlock (&captured_lock);
  return mime;
}

/* ---- the fixture: a folder with the fake sendmail in it ------------------------------------- */

typedef struct {
  char *dir;
  char *program; /* dir/sendmail */
  char *records; /* dir/mail: what each run of the program recorded */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree char *source = tt_source_path ("tests/data/sendmail/fake-sendmail.sh");
  g_autofree char *script = NULL;
  g_autoptr (GError) error = NULL;

  f->dir = tt_make_tmpdir ();
  g_file_get_contents (source, &script, NULL, &error);
  g_assert_no_error (error);
  f->program = tt_write_file (f->dir, "sendmail", script);
  g_assert_cmpint (g_chmod (f->program, 0755), ==, 0);
  f->records = g_build_filename (f->dir, "mail", NULL);
  g_assert_cmpint (g_mkdir (f->records, 0755), ==, 0);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  tt_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->program);
  g_free (f->records);
}

/* Tells the fake program how to behave: @mode (see the script), exit @status, @errors on stderr. */
static void
steer (Fixture *f, const char *mode, int status, const char *errors)
{
  g_autofree char *status_text = g_strdup_printf ("%d\n", status);

  g_free (tt_write_file (f->dir, "mode", mode));
  g_free (tt_write_file (f->dir, "status", status_text));
  if (errors != NULL)
    g_free (tt_write_file (f->dir, "stderr", errors));
}

/* A manager with one email channel (@attrs added) whose transport runs <path>@path</path>. */
static TocsinManager *
load (Fixture *f, const char *attrs, const char *path)
{
  g_autofree char *channel = g_strdup_printf (CHANNEL " %s", attrs ? attrs : "");
  g_autofree char *settings = g_strdup_printf ("    <transport type=\"sendmail\"><path>%s</path>"
                                               "</transport>\n" ADDRESSES,
                                               path ? path : f->program);

  return tt_load_config_ok (f->dir, NULL, channel, settings);
}

/* Sends @alert (or a plain one) through a channel of load (f, @attrs, NULL) (transfer full). */
static TocsinResult *
send_alert (Fixture *f, const char *attrs, TocsinAlert *alert)
{
  g_autoptr (TocsinManager) manager = load (f, attrs, NULL);
  g_autoptr (TocsinAlert) plain = tt_make_alert ("Disk almost full", "/var at 91%",
                                                 TOCSIN_LEVEL_WARNING, FALSE);

  return tt_send_one (manager, alert ? alert : plain);
}

/* The names of the records with extension @ext (".in", ".argv"), sorted (transfer full). */
static GPtrArray *
list_records (Fixture *f, const char *ext)
{
  g_autoptr (GDir) dir = g_dir_open (f->records, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ext))
      g_ptr_array_add (names, g_build_filename (f->records, name, NULL));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  return names;
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

/* What the only run of the program recorded in its @ext file (transfer full). */
static GBytes *
read_record (Fixture *f, const char *ext)
{
  g_autoptr (GPtrArray) names = list_records (f, ext);

  g_assert_cmpuint (names->len, ==, 1);
  return read_bytes (names->pdata[0]);
}

static GMimeMessage *
parse (GBytes *bytes)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data, length);
  g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *parsed = g_mime_parser_construct_message (parser, NULL);

  g_assert_nonnull (parsed);
  return parsed;
}

static char *
dup_addresses (GMimeMessage *parsed, GMimeAddressType type)
{
  return internet_address_list_to_string (g_mime_message_get_addresses (parsed, type), NULL, FALSE);
}

static char *
dup_body_text (GMimeMessage *parsed)
{
  GMimeObject *part = g_mime_message_get_mime_part (parsed);

  g_assert_true (GMIME_IS_TEXT_PART (part));
  return g_mime_text_part_get_text (GMIME_TEXT_PART (part));
}

/* @bytes with CRLF turned into LF, as a string (transfer full). */
static char *
dup_lf (GBytes *bytes)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);
  GString *text = g_string_new_len (data, (gssize) length);

  g_string_replace (text, "\r\n", "\n", 0);
  return g_string_free (text, FALSE);
}

/* ---- delivery ---------------------------------------------------------------------------------- */

/* `sendmail -t -i -f<sender>`, fed exactly the channel's message with LF line ends. */
static void
test_deliver_message (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Disk almost full", "/var at 91%\nsecond line",
                                                 TOCSIN_LEVEL_WARNING, FALSE);
  g_autoptr (GBytes) mime = dup_channel_mime (f->dir, alert);
  g_autofree char *expected = dup_lf (mime);
  g_autoptr (TocsinResult) result = send_alert (f, NULL, alert);
  g_autoptr (GBytes) argv = NULL, received = NULL;
  g_autoptr (GMimeMessage) parsed = NULL;
  g_autofree char *from = NULL, *to = NULL, *body = NULL;
  g_autofree char *message_id = g_strdup_printf ("%s.mail@example.com", tocsin_alert_get_id (alert));

  tt_assert_success (result);
  /* No id from sendmail: the channel reports the Message-ID. */
  g_assert_cmpstr (tocsin_result_get_message_id (result), ==, message_id);
  argv = read_record (f, ".argv");
  /* The envelope sender is one argument: a local part may begin with '-'. */
  g_assert_cmpmem (g_bytes_get_data (argv, NULL), g_bytes_get_size (argv),
                   "[-t][-i][-falerts@example.com]", 30);
  received = read_record (f, ".in");
  g_assert_cmpmem (g_bytes_get_data (received, NULL), g_bytes_get_size (received), expected,
                   strlen (expected));
  g_assert_null (memchr (g_bytes_get_data (received, NULL), '\r', g_bytes_get_size (received)));

  parsed = parse (received);
  from = dup_addresses (parsed, GMIME_ADDRESS_TYPE_FROM);
  to = dup_addresses (parsed, GMIME_ADDRESS_TYPE_TO);
  body = dup_body_text (parsed);
  g_assert_cmpstr (g_mime_message_get_subject (parsed), ==, "[ALERT] [WARNING] Disk almost full");
  g_assert_cmpstr (from, ==, "alerts@example.com");
  g_assert_cmpstr (to, ==, "oncall@example.com");
  g_assert_cmpstr (g_mime_message_get_message_id (parsed), ==, message_id);
  tt_assert_contains (body, "/var at 91%\nsecond line");
}

/* A line holding a lone dot goes through as it is (-i: it does not end the message). */
static void
test_deliver_lone_dot (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Dots", "before\n.\nafter\n..\nend",
                                                 TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (GBytes) mime = dup_channel_mime (f->dir, alert);
  g_autofree char *expected = dup_lf (mime);
  g_autoptr (TocsinResult) result = send_alert (f, NULL, alert);
  g_autoptr (GBytes) received = NULL;
  g_autoptr (GMimeMessage) parsed = NULL;
  g_autofree char *body = NULL;

  tt_assert_success (result);
  received = read_record (f, ".in");
  g_assert_cmpmem (g_bytes_get_data (received, NULL), g_bytes_get_size (received), expected,
                   strlen (expected));
  parsed = parse (received);
  body = dup_body_text (parsed);
  tt_assert_contains (body, "before\n.\nafter\n..\nend");
}

/* A relative <path> is relative to the configuration file's folder. */
static void
test_deliver_relative_path (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load (f, NULL, "sendmail");
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (GPtrArray) records = NULL;

  tt_send_ok (manager, alert);
  records = list_records (f, ".in");
  g_assert_cmpuint (records->len, ==, 1);
}

/* Several workers run the program at once, each send with its own process and main context. */
static void
test_deliver_concurrent (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load (f, "workers=\"4\"", NULL);
  g_autoptr (GPtrArray) alerts = tt_alert_array_new ();
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GPtrArray) received = NULL;
  g_autoptr (GHashTable) subjects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 16; i++)
    {
      g_autofree char *title = g_strdup_printf ("alert %u", i);
      g_ptr_array_add (alerts, tt_make_alert (title, "body", TOCSIN_LEVEL_INFO, FALSE));
    }
  results = tocsin_manager_send_many (manager, (TocsinAlert *const *) alerts->pdata, alerts->len,
                                      NULL);
  g_assert_cmpuint (results->len, ==, 16);
  for (guint i = 0; i < results->len; i++)
    tt_assert_success (results->pdata[i]);
  received = list_records (f, ".in");
  g_assert_cmpuint (received->len, ==, 16);
  for (guint i = 0; i < received->len; i++)
    {
      g_autoptr (GBytes) bytes = read_bytes (received->pdata[i]);
      g_autoptr (GMimeMessage) parsed = parse (bytes);

      g_hash_table_add (subjects, g_strdup (g_mime_message_get_subject (parsed)));
    }
  /* Every alert arrived once, whole. */
  g_assert_cmpuint (g_hash_table_size (subjects), ==, 16);
  g_assert_true (g_hash_table_contains (subjects, "[ALERT] [INFO] alert 15"));
}

/* ---- failures ---------------------------------------------------------------------------------- */

/* EX_TEMPFAIL: worth another attempt. */
static void
test_fail_tempfail (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = NULL;

  steer (f, "read", 75, "sendmail: queue directory full\n");
  result = send_alert (f, NULL, NULL);
  tt_assert_failed_with (result, "email via sendmail: ", TRUE);
  tt_assert_contains (tocsin_result_get_error (result), f->program);
  tt_assert_contains (tocsin_result_get_error (result),
                      "exited with status 75 (EX_TEMPFAIL, temporary failure)");
  tt_assert_contains (tocsin_result_get_error (result), "stderr: sendmail: queue directory full");
  g_assert_null (tocsin_result_get_message_id (result));
}

/* Any other status is final; the error quotes stderr as one line, redacted. */
static void
test_fail_permanent (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = NULL;

  steer (f, "read", 1, "sendmail: fatal: bad address\n\n  relay said: password=tt-sm-secret-9f2\n");
  result = send_alert (f, NULL, NULL);
  tt_assert_failed_with (result, "exited with status 1 (permanent failure)", FALSE);
  tt_assert_contains (tocsin_result_get_error (result),
                      "stderr: sendmail: fatal: bad address relay said: password=");
  tt_assert_not_contains (tocsin_result_get_error (result), "tt-sm-secret-9f2");
  tt_assert_not_contains (tocsin_result_get_error (result), "\n");
}

/* A long stderr is cut to an excerpt. */
static void
test_fail_long_stderr (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) errors = g_string_new ("first ");
  g_autoptr (TocsinResult) result = NULL;

  for (guint i = 0; i < 2000; i++)
    g_string_append (errors, "blah ");
  g_string_append (errors, "LAST-WORD\n");
  steer (f, "read", 78, errors->str);
  result = send_alert (f, NULL, NULL);
  tt_assert_failed_with (result, "status 78 (EX_CONFIG, permanent failure); stderr: first blah",
                         FALSE);
  tt_assert_contains (tocsin_result_get_error (result), "…");
  tt_assert_not_contains (tocsin_result_get_error (result), "LAST-WORD");
  g_assert_cmpuint (strlen (tocsin_result_get_error (result)), <, 600);
}

/* A program that exits without reading a message larger than a pipe holds: the failure is
 * reported, and the test process, where SIGPIPE kills (see main()), survives the broken pipe. */
static void
test_fail_stopped_reading (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) body = g_string_new (NULL);
  g_autoptr (TocsinAlert) alert = NULL;
  g_autoptr (TocsinResult) result = NULL;
  g_autoptr (GPtrArray) records = NULL;

  for (guint i = 0; i < 8192; i++)
    g_string_append (body, "a line of a long alert body, 64 bytes with its line break......\n");
  alert = tt_make_alert ("Big", body->str, TOCSIN_LEVEL_INFO, FALSE);
  steer (f, "no-read", 1, "refused\n");
  result = send_alert (f, NULL, alert);
  tt_assert_failed_with (result, "exited with status 1 (permanent failure); it did not read the "
                                 "whole message", FALSE);
  records = list_records (f, ".argv");
  g_assert_cmpuint (records->len, ==, 1);

  /* The same with status 0: a message cut short is no delivery. */
  steer (f, "no-read", 0, NULL);
  g_clear_pointer (&result, tocsin_result_unref);
  result = send_alert (f, NULL, alert);
  tt_assert_failed_with (result, "exited with status 0; it did not read the whole message", FALSE);
}

/* Killed by a signal: reported with the signal, and retryable. */
static void
test_fail_signal (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinResult) result = NULL;

  steer (f, "signal", 0, NULL);
  result = send_alert (f, NULL, NULL);
  tt_assert_failed_with (result, "was killed by signal 15", TRUE);
}

/* The pid in @name in the fixture's folder, or the pid of the program's only run (its records
 * are named after it) when @name is NULL. */
static pid_t
read_pid (Fixture *f, const char *name)
{
  g_autoptr (GPtrArray) records = NULL;
  g_autofree char *path = NULL, *text = NULL, *base = NULL;

  if (name == NULL)
    {
      records = list_records (f, ".argv");
      g_assert_cmpuint (records->len, ==, 1);
      base = g_path_get_basename (records->pdata[0]);
      return (pid_t) atoi (base);
    }
  path = g_build_filename (f->dir, name, NULL);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return (pid_t) atoi (text);
}

#ifdef HAVE_SUBREAPER_AND_PIDFD
/* Whether @pid, which this process may have adopted, is gone within a few seconds (killed
 * otherwise, so that a failing test leaves nothing behind); reaped when it is ours. */
static gboolean
wait_gone (pid_t pid)
{
  int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  struct pollfd ready = { .fd = pidfd, .events = POLLIN };
  gboolean gone;

  if (pidfd < 0)
    return errno == ESRCH; /* already reaped */
  gone = poll (&ready, 1, 5000) == 1; /* readable once it has exited */
  close (pidfd);
  if (!gone)
    kill (pid, SIGKILL);
  /* ECHILD when its parent, killed along with it, reaped it first. */
  waitpid (pid, NULL, 0);
  return gone;
}
#endif

/* A program that never finishes is killed at the channel's timeout (1 s here), with the child it
 * started, which keeps its stderr open and would outlive it; and no zombie is left. */
static void
test_fail_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;
  gint64 start;
  double elapsed;
  pid_t sleeper;

#ifdef HAVE_SUBREAPER_AND_PIDFD
  /* The program's orphaned child becomes ours rather than init's (which need not reap it, in a
   * container), so that its end can be seen and reaped here. */
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1), ==, 0);
#endif
  steer (f, "hang", 0, NULL);
  manager = load (f, "timeout=\"1\"", NULL);
  start = g_get_monotonic_time ();
  result = tt_send_one (manager, alert);
  elapsed = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  g_test_message ("returned after %.3f s", elapsed);
  tt_assert_failed_with (result, "did not finish within 1 s and was killed", TRUE);
  g_assert_cmpfloat (elapsed, >=, 0.9);
  g_assert_cmpfloat (elapsed, <, 1.9); /* before the core's watchdog (timeout + 1 s) */

  /* The program itself has been reaped by the transport. */
  g_assert_cmpint (kill (read_pid (f, NULL), 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
  sleeper = read_pid (f, "sleeper.pid");
  g_assert_cmpint (sleeper, >, 0);
#ifdef HAVE_SUBREAPER_AND_PIDFD
  g_assert_true (wait_gone (sleeper));
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 0), ==, 0);
  g_assert_cmpint (kill (sleeper, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
#else
  g_test_message ("not checked here: that the program's child %d is gone", (int) sleeper);
#endif
}

/* The program vanished after the configuration was loaded. */
static void
test_fail_program_gone (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load (f, NULL, NULL);
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = NULL;

  g_assert_cmpint (g_unlink (f->program), ==, 0);
  result = tt_send_one (manager, alert);
  tt_assert_failed_with (result, "cannot run ", FALSE);
  tt_assert_contains (tocsin_result_get_error (result), f->program);
  tt_assert_contains (tocsin_result_get_error (result),
                      "install a sendmail-compatible MTA (postfix, exim4, msmtp-mta) or set <path>");
}

/* ---- configuration ----------------------------------------------------------------------------- */

static void
test_config_missing (Fixture *f, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (f->dir, "no-such-sendmail", NULL);
  g_autofree char *settings = g_strdup_printf ("    <transport type=\"sendmail\"><path>%s</path>"
                                               "</transport>\n" ADDRESSES, missing);
  g_autofree char *expected = g_strdup_printf ("%s does not exist", missing);
  g_autofree char *message = tt_load_config_fails (
    f->dir, NULL, CHANNEL, settings, TOCSIN_ERROR_INVALID_VALUE, TRANSPORT_LINE, expected,
    "install a sendmail-compatible MTA (postfix, exim4, msmtp-mta) or set <path>", NULL);
}

static void
test_config_not_executable (Fixture *f, gconstpointer data)
{
  g_autofree char *settings = g_strdup_printf ("    <transport type=\"sendmail\"><path>%s</path>"
                                               "</transport>\n" ADDRESSES, f->program);
  g_autofree char *expected = g_strdup_printf ("%s is not executable", f->program);
  g_autofree char *message = NULL;

  g_assert_cmpint (g_chmod (f->program, 0644), ==, 0);
  message = tt_load_config_fails (f->dir, NULL, CHANNEL, settings, TOCSIN_ERROR_INVALID_VALUE,
                                  TRANSPORT_LINE, expected, NULL);
}

/* Without <path>, /usr/sbin/sendmail; the error cites the <transport> element. */
static void
test_config_default_path (Fixture *f, gconstpointer data)
{
  g_autofree char *message = NULL;

  if (g_file_test ("/usr/sbin/sendmail", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("/usr/sbin/sendmail exists here");
      return;
    }
  message = tt_load_config_fails (f->dir, NULL, CHANNEL,
                                  "    <transport type=\"sendmail\"/>\n" ADDRESSES,
                                  TOCSIN_ERROR_INVALID_VALUE, TRANSPORT_LINE,
                                  "/usr/sbin/sendmail (the default <path>) does not exist",
                                  "install a sendmail-compatible MTA", NULL);
}

/* ---- main -------------------------------------------------------------------------------------- */

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;

  tt_init (&argc, &argv);
  g_mime_init ();
  /* GMime's init has gpgme ignore SIGPIPE for the whole process. Back to the default, so that
   * /sendmail/fail/stopped-reading shows that the transport survives a broken pipe by itself
   * (the email plugin's own g_mime_init() is a no-op now). */
  signal (SIGPIPE, SIG_DFL);
  if (!tocsin_register_transport_class (&capture_class, &error))
    g_error ("%s", error->message);

  ADD ("/sendmail/deliver/message", test_deliver_message);
  ADD ("/sendmail/deliver/lone-dot", test_deliver_lone_dot);
  ADD ("/sendmail/deliver/relative-path", test_deliver_relative_path);
  ADD ("/sendmail/deliver/concurrent", test_deliver_concurrent);
  ADD ("/sendmail/fail/tempfail", test_fail_tempfail);
  ADD ("/sendmail/fail/permanent", test_fail_permanent);
  ADD ("/sendmail/fail/long-stderr", test_fail_long_stderr);
  ADD ("/sendmail/fail/stopped-reading", test_fail_stopped_reading);
  ADD ("/sendmail/fail/signal", test_fail_signal);
  ADD ("/sendmail/fail/timeout", test_fail_timeout);
  ADD ("/sendmail/fail/program-gone", test_fail_program_gone);
  ADD ("/sendmail/config/missing", test_config_missing);
  ADD ("/sendmail/config/not-executable", test_config_not_executable);
  ADD ("/sendmail/config/default-path", test_config_default_path);

  return g_test_run ();
}
