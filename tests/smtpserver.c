/* smtpserver.c: a real SMTP server on loopback for the tests (see smtpserver.h).
 *
 * The server is tests/smtpserver.py, run by Debian's /usr/bin/python3 as a child process. It
 * says "PORT <n>" on stdout once it listens (or "ERROR <text>"), and records what it receives as
 * files in the server's temporary folder, each written under a temporary name then renamed: the
 * C side only ever reads whole files, and reads them again after the process is gone.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "smtpserver.h"
#include "testcert.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <errno.h>
#include <signal.h>

#ifndef TOCSIN_SOURCE_DIR
#error "TOCSIN_SOURCE_DIR must be defined (the source tree, where tests/smtpserver.py is)"
#endif

/* Debian's interpreter: the python3 first on PATH may be another one, without python3-aiosmtpd. */
#define TT_SMTP_PYTHON "/usr/bin/python3"
/* Generous: the server normally listens within a fraction of a second, but a loaded machine
 * running the tests in parallel may be slow to start Python. */
#define TT_SMTP_START_TIMEOUT_MS 30000
/* How often the tt_smtp_server_wait_*() functions look again should a file event be missed. */
#define TT_SMTP_RECHECK_MS 100

struct _TtSmtpMessage
{
  char *mail_from;
  GStrv rcpt_to;
  GBytes *data;         /* its buffer is NUL-terminated past its size (g_file_get_contents) */
  gboolean used_tls;
  char *auth_user;      /* (nullable) */
  guint connection;
};

struct _TtSmtpServer
{
  TtSmtpSecurity security;
  char *dir;            /* the process's files: messages, stats.json, certificate and key */
  char *ca_file;        /* (nullable) */
  char *url;
  guint port;
  GSubprocess *process; /* (nullable) NULL once stopped */
  GPtrArray *messages;  /* (element-type TtSmtpMessage) the ones loaded so far, by index */
};

static void
message_free (TtSmtpMessage *message)
{
  g_free (message->mail_from);
  g_strfreev (message->rcpt_to);
  g_bytes_unref (message->data);
  g_free (message->auth_user);
  g_free (message);
}

/* ---- starting ---- */

/* Returns NULL once made, else why not (transfer full). */
static char *
make_certificate (TtSmtpServer *server)
{
  g_autoptr (GError) error = NULL;

  server->ca_file = tt_make_test_certificate (server->dir, &error);
  return server->ca_file ? NULL : g_strdup (error->message);
}

/* (transfer full) */
static char *
script_path (void)
{
  const char *source_dir = g_getenv ("TOCSIN_SOURCE_DIR");
  char *path;

  if (source_dir == NULL || *source_dir == '\0')
    source_dir = TOCSIN_SOURCE_DIR;
  path = g_build_filename (source_dir, "tests", "smtpserver.py", NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    g_error ("tt-smtpserver: %s not found (set TOCSIN_SOURCE_DIR to the source tree)", path);
  return path;
}

/* The command line of the server: the options become arguments of smtpserver.py.
 * (transfer full) (element-type filename), NULL-terminated */
static GPtrArray *
build_argv (TtSmtpServer *server, const TtSmtpOptions *options)
{
  static const char *const security_names[] = { "plain", "starttls", "implicit-tls" };
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup (TT_SMTP_PYTHON));
  /* Isolated mode: PYTHONPATH, PYTHONHOME and the user's site-packages of another Python (the
   * test environment may carry them) must not shadow Debian's modules. */
  g_ptr_array_add (argv, g_strdup ("-I"));
  g_ptr_array_add (argv, script_path ());
  g_ptr_array_add (argv, g_strdup ("--dir"));
  g_ptr_array_add (argv, g_strdup (server->dir));
  g_ptr_array_add (argv, g_strdup ("--security"));
  g_ptr_array_add (argv, g_strdup (security_names[options->security]));
  if (server->ca_file != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--cert"));
      g_ptr_array_add (argv, g_strdup (server->ca_file));
      g_ptr_array_add (argv, g_strdup ("--key"));
      g_ptr_array_add (argv, g_build_filename (server->dir, "key.pem", NULL));
    }
  if (options->require_starttls)
    g_ptr_array_add (argv, g_strdup ("--require-starttls"));
  if (options->username != NULL)
    {
      /* Test credentials only, so the command line is no leak. */
      g_ptr_array_add (argv, g_strdup ("--username"));
      g_ptr_array_add (argv, g_strdup (options->username));
      g_ptr_array_add (argv, g_strdup ("--password"));
      g_ptr_array_add (argv, g_strdup (options->password ? options->password : ""));
    }
  if (options->auth_over_plain)
    g_ptr_array_add (argv, g_strdup ("--auth-over-plain"));
  if (options->reject_rcpt != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--reject-rcpt"));
      g_ptr_array_add (argv, g_strdup (options->reject_rcpt));
    }
  if (options->reject_rcpt_code != 0)
    {
      g_ptr_array_add (argv, g_strdup ("--reject-rcpt-code"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", options->reject_rcpt_code));
    }
  if (options->idle_close_ms > 0)
    {
      /* Seconds with a point whatever the locale: g_ascii_dtostr, not printf's %g. */
      char seconds[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_dtostr (seconds, sizeof seconds, options->idle_close_ms / 1000.0);
      g_ptr_array_add (argv, g_strdup ("--idle-close"));
      g_ptr_array_add (argv, g_strdup (seconds));
    }
  if (options->idle_close_421)
    g_ptr_array_add (argv, g_strdup ("--idle-close-421"));
  if (options->tempfail_data > 0)
    {
      g_ptr_array_add (argv, g_strdup ("--tempfail-data"));
      g_ptr_array_add (argv, options->tempfail_data == TT_SMTP_ALWAYS
                               ? g_strdup ("-1")
                               : g_strdup_printf ("%u", options->tempfail_data));
    }
  g_ptr_array_add (argv, NULL);
  return argv;
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
  return G_SOURCE_REMOVE;
}

static void
store_result_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  (void) source;
  *out = g_object_ref (result);
}

/* The first line of @stream, without its end (transfer full); NULL at end of file (@error
 * unset) or on error, G_IO_ERROR_CANCELLED after @timeout_ms. A private main context keeps the
 * wait from dispatching anything of the test's. */
static char *
read_line_with_timeout (GInputStream *stream, guint timeout_ms, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GDataInputStream) data = g_data_input_stream_new (stream);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GSource) timeout = g_timeout_source_new (timeout_ms);
  g_autoptr (GAsyncResult) result = NULL;
  char *line;

  /* The pipe stays open after this stream is gone: the server must never get SIGPIPE. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (data), FALSE);
  g_main_context_push_thread_default (context);
  g_source_set_callback (timeout, cancel_cb, cancellable, NULL);
  g_source_attach (timeout, context);
  g_data_input_stream_read_line_async (data, G_PRIORITY_DEFAULT, cancellable, store_result_cb,
                                       &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  line = g_data_input_stream_read_line_finish_utf8 (data, result, NULL, error);
  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);
  return line;
}

/* (transfer full) */
static char *
describe_exit (GSubprocess *process)
{
  g_subprocess_wait (process, NULL, NULL);
  if (g_subprocess_get_if_exited (process))
    return g_strdup_printf ("exit status %d", g_subprocess_get_exit_status (process));
  if (g_subprocess_get_if_signaled (process))
    return g_strdup_printf ("signal %d", g_subprocess_get_term_sig (process));
  return g_strdup ("unknown status");
}

/* Runs the server and waits for its "PORT <n>" line. Returns NULL once it listens, else why
 * not (transfer full). */
static char *
start_process (TtSmtpServer *server, const TtSmtpOptions *options)
{
  g_autoptr (GPtrArray) argv = build_argv (server, options);
  const char *script = argv->pdata[2];
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *exit_text = NULL;
  guint64 port = 0;

  /* stdin is a pipe nobody writes to: the server exits when it closes, i.e. when this process
   * ends, however it ends. stderr is the test's, so that a traceback shows in the test log. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  server->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata,
                                                  &error);
  if (server->process == NULL)
    return g_strdup_printf ("cannot run %s (install the Debian package python3-aiosmtpd): %s",
                            TT_SMTP_PYTHON, error->message);
  line = read_line_with_timeout (g_subprocess_get_stdout_pipe (server->process),
                                 TT_SMTP_START_TIMEOUT_MS, &error);
  if (line != NULL && g_str_has_prefix (line, "PORT ")
      && g_ascii_string_to_unsigned (line + 5, 10, 1, G_MAXUINT16, &port, NULL))
    {
      server->port = (guint) port;
      return NULL;
    }
  if (line != NULL && g_str_has_prefix (line, "ERROR "))
    return g_strdup (line + 6);
  if (error != NULL)
    return g_strdup_printf ("no \"PORT\" line from %s: %s", script, error->message);
  if (line != NULL)
    return g_strdup_printf ("unexpected first line from %s: %s", script, line);
  exit_text = describe_exit (server->process);
  return g_strdup_printf ("%s ended before listening (%s); see its messages above", script,
                          exit_text);
}

TtSmtpServer *
tt_smtp_server_new (const TtSmtpOptions *options)
{
  static const TtSmtpOptions defaults = { 0 };
  TtSmtpServer *server;
  g_autoptr (GError) error = NULL;
  g_autofree char *failure = NULL;

  if (options == NULL)
    options = &defaults;
  g_return_val_if_fail (options->security <= TT_SMTP_IMPLICIT_TLS, NULL);
  server = g_new0 (TtSmtpServer, 1);
  server->security = options->security;
  server->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) message_free);
  server->dir = g_dir_make_tmp ("tocsin-smtp-XXXXXX", &error);
  if (server->dir == NULL)
    g_error ("tt-smtpserver: cannot make a temporary folder: %s", error->message);
  if (options->security != TT_SMTP_PLAIN)
    failure = make_certificate (server);
  if (failure == NULL)
    failure = start_process (server, options);
  if (failure != NULL)
    {
      /* Nothing left behind by a test that aborts here. */
      tt_smtp_server_free (server);
      g_error ("tt-smtpserver: %s", failure);
    }
  server->url = g_strdup_printf ("%s://127.0.0.1:%u",
                                 options->security == TT_SMTP_IMPLICIT_TLS ? "smtps" : "smtp",
                                 server->port);
  return server;
}

/* ---- stopping ---- */

void
tt_smtp_server_stop (TtSmtpServer *server)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (server != NULL);
  if (server->process == NULL)
    return;
  g_subprocess_send_signal (server->process, SIGTERM);
  if (!g_subprocess_wait (server->process, NULL, &error))
    g_warning ("tt-smtpserver: waiting for the server to end: %s", error->message);
  g_clear_object (&server->process);
}

/* Removes @dir and the files in it (the server makes no subfolders). */
static void
remove_dir (const char *dir)
{
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_unlink (path) != 0)
        g_warning ("tt-smtpserver: cannot remove %s: %s", path, g_strerror (errno));
    }
  if (g_rmdir (dir) != 0)
    g_warning ("tt-smtpserver: cannot remove %s: %s", dir, g_strerror (errno));
}

void
tt_smtp_server_free (TtSmtpServer *server)
{
  if (server == NULL)
    return;
  tt_smtp_server_stop (server);
  remove_dir (server->dir);
  g_ptr_array_unref (server->messages);
  g_free (server->dir);
  g_free (server->ca_file);
  g_free (server->url);
  g_free (server);
}

/* ---- properties ---- */

guint
tt_smtp_server_get_port (TtSmtpServer *server)
{
  return server->port;
}

const char *
tt_smtp_server_get_url (TtSmtpServer *server)
{
  return server->url;
}

const char *
tt_smtp_server_get_ca_file (TtSmtpServer *server)
{
  return server->ca_file;
}

/* ---- what the server received ---- */

/* (transfer full) */
static char *
message_path (TtSmtpServer *server, guint index, const char *extension)
{
  g_autofree char *name = g_strdup_printf ("%04u.%s", index, extension);

  return g_build_filename (server->dir, name, NULL);
}

guint
tt_smtp_server_get_n_messages (TtSmtpServer *server)
{
  guint n = server->messages->len;

  /* A message's .json is renamed into place last, so its presence means it is complete. */
  for (;; n++)
    {
      g_autofree char *path = message_path (server, n, "json");

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return n;
    }
}

/* @path's top-level JSON object (transfer full); aborts the test if unreadable. */
static JsonObject *
load_json_object (const char *path)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;

  if (!json_parser_load_from_file (parser, path, &error))
    g_error ("tt-smtpserver: cannot read %s: %s", path, error->message);
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    g_error ("tt-smtpserver: %s is not a JSON object", path);
  return json_object_ref (json_node_get_object (root));
}

static TtSmtpMessage *
load_message (TtSmtpServer *server, guint index)
{
  g_autofree char *json_path = message_path (server, index, "json");
  g_autofree char *eml_path = message_path (server, index, "eml");
  g_autoptr (JsonObject) meta = load_json_object (json_path);
  g_autoptr (GError) error = NULL;
  TtSmtpMessage *message = g_new0 (TtSmtpMessage, 1);
  JsonArray *rcpt = json_object_get_array_member (meta, "rcpt_to");
  char *contents = NULL;
  gsize length = 0;

  message->mail_from = g_strdup (json_object_get_string_member (meta, "mail_from"));
  message->rcpt_to = g_new0 (char *, json_array_get_length (rcpt) + 1);
  for (guint i = 0; i < json_array_get_length (rcpt); i++)
    message->rcpt_to[i] = g_strdup (json_array_get_string_element (rcpt, i));
  message->used_tls = json_object_get_boolean_member (meta, "used_tls");
  if (!json_object_get_null_member (meta, "auth_user"))
    message->auth_user = g_strdup (json_object_get_string_member (meta, "auth_user"));
  message->connection = (guint) json_object_get_int_member (meta, "connection");
  if (!g_file_get_contents (eml_path, &contents, &length, &error))
    g_error ("tt-smtpserver: cannot read %s: %s", eml_path, error->message);
  message->data = g_bytes_new_take (contents, length);
  return message;
}

const TtSmtpMessage *
tt_smtp_server_get_message (TtSmtpServer *server, guint index)
{
  guint n = tt_smtp_server_get_n_messages (server);

  if (index >= n)
    g_error ("tt-smtpserver: no message %u: the server accepted %u", index, n);
  while (server->messages->len <= index)
    g_ptr_array_add (server->messages, load_message (server, server->messages->len));
  return g_ptr_array_index (server->messages, index);
}

static guint
get_stat (TtSmtpServer *server, const char *name)
{
  g_autofree char *path = g_build_filename (server->dir, "stats.json", NULL);
  g_autoptr (JsonObject) stats = load_json_object (path);

  return (guint) json_object_get_int_member (stats, name);
}

guint
tt_smtp_server_get_n_connections (TtSmtpServer *server)
{
  return get_stat (server, "connections");
}

guint
tt_smtp_server_get_n_data_commands (TtSmtpServer *server)
{
  return get_stat (server, "data_commands");
}

guint
tt_smtp_server_get_n_idle_closes (TtSmtpServer *server)
{
  return get_stat (server, "idle_closes");
}

static gboolean
wake_cb (gpointer user_data)
{
  (void) user_data;
  return G_SOURCE_REMOVE;
}

/* Waits until @count (one of the tt_smtp_server_get_n_*() above) reaches @n: TRUE, or FALSE
 * after @timeout_ms. Every file the server records (a message, stats.json) is renamed into
 * its folder, so a monitor on the folder wakes the wait whatever is counted. */
static gboolean
wait_count (TtSmtpServer *server, guint (*count) (TtSmtpServer *), guint n, guint timeout_ms)
{
  g_autoptr (GMainContext) context = NULL;
  g_autoptr (GFile) dir = NULL;
  g_autoptr (GFileMonitor) monitor = NULL;
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean reached;

  if (count (server) >= n)
    return TRUE;
  /* A private context: the monitor's events wake this loop and nothing of the test's runs. */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  dir = g_file_new_for_path (server->dir);
  /* Without a monitor (no inotify) the periodic look below still finds what it waits for. */
  monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
  while (!(reached = count (server) >= n))
    {
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      g_autoptr (GSource) timer = NULL;

      if (left_ms <= 0)
        break;
      /* Every event of the monitor (the only other source here) ends the iteration; the timer
       * bounds the wait, and makes up for an event the monitor might drop. */
      timer = g_timeout_source_new ((guint) MIN (left_ms, TT_SMTP_RECHECK_MS));
      g_source_set_callback (timer, wake_cb, NULL, NULL);
      g_source_attach (timer, context);
      g_main_context_iteration (context, TRUE);
      g_source_destroy (timer);
    }
  if (monitor != NULL)
    g_file_monitor_cancel (monitor);
  g_main_context_pop_thread_default (context);
  return reached;
}

gboolean
tt_smtp_server_wait_messages (TtSmtpServer *server, guint n, guint timeout_ms)
{
  return wait_count (server, tt_smtp_server_get_n_messages, n, timeout_ms);
}

gboolean
tt_smtp_server_wait_idle_closes (TtSmtpServer *server, guint n, guint timeout_ms)
{
  return wait_count (server, tt_smtp_server_get_n_idle_closes, n, timeout_ms);
}

/* ---- a message ---- */

const char *
tt_smtp_message_get_mail_from (const TtSmtpMessage *message)
{
  return message->mail_from;
}

const char *const *
tt_smtp_message_get_rcpt_to (const TtSmtpMessage *message)
{
  return (const char *const *) message->rcpt_to;
}

const char *
tt_smtp_message_get_data (const TtSmtpMessage *message, gsize *length)
{
  const char *data = g_bytes_get_data (message->data, length);

  /* GBytes may give NULL for an empty message; callers compare strings. */
  return data != NULL ? data : "";
}

GBytes *
tt_smtp_message_get_data_bytes (const TtSmtpMessage *message)
{
  return message->data;
}

gboolean
tt_smtp_message_get_used_tls (const TtSmtpMessage *message)
{
  return message->used_tls;
}

const char *
tt_smtp_message_get_auth_user (const TtSmtpMessage *message)
{
  return message->auth_user;
}

guint
tt_smtp_message_get_connection (const TtSmtpMessage *message)
{
  return message->connection;
}
