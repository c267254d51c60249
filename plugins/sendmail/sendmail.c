/* sendmail.c: the "sendmail" mail transport: hands each message to the local MTA's sendmail
 * program (postfix, exim4, msmtp-mta... all install one).
 *
 *   <transport type="sendmail">
 *     <path>/usr/sbin/sendmail</path>     (the default)
 *   </transport>
 *
 * The program runs as `<path> -t -i -f<sender>` with the message on its standard input: -t takes
 * the recipients from the To/Cc headers, -i keeps a line holding a lone "." from ending the
 * message early, -f sets the envelope sender to the channel's <sender> (otherwise the MTA uses
 * the local user: bounces go astray and SPF/DMARC alignment fails through a smarthost). Its exit
 * status is the outcome (sysexits.h): 0 delivered (queued), EX_TEMPFAIL worth trying again,
 * anything else a permanent failure, quoted with a line of what it wrote on stderr. A program
 * still running at the channel's timeout is killed, with everything it started: it runs in a
 * process group of its own.
 *
 * Every send runs its program on a GMainContext of its own, so the class is thread-safe and
 * sends from several workers never wait for each other.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin-plugin.h>

#include <gio/gio.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sysexits.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/sbin/sendmail"

/* How much of the program's stderr the error text quotes, in characters; and how much of it is
 * looked at to find that much. */
#define EXCERPT_CHARS 200
#define EXCERPT_SCAN_BYTES 4096

/* How long a killed program may take to be gone and reaped before send returns without it: well
 * within the second the core's watchdog gives a send past its timeout. */
#define REAP_GRACE_MS 250

#define INSTALL_ADVICE "install a sendmail-compatible MTA (postfix, exim4, msmtp-mta) or set <path>"

static const TocsinSettingSpec sendmail_settings[] = {
  { "path", TOCSIN_SETTING_PATH, 0, DEFAULT_PATH,
    "the sendmail program, run as `<path> -t -i -f<sender>` with the message on its standard "
    "input",
    NULL, NULL, { NULL } },
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

typedef struct {
  const TocsinPluginContext *ctx;
  char *path;
  guint timeout_ms;
} Sendmail;

/* ---- the message ------------------------------------------------------------------------------ */

/* @mime with its CRLF line ends turned into LF (transfer full): a local sendmail reads lines in
 * the system's convention and would keep each CR as part of the line. A lone CR stays. */
static GBytes *
dup_with_lf (GBytes *mime)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (mime, &length);
  char *out = g_malloc (length + 1);
  gsize n = 0;

  for (gsize i = 0; i < length; i++)
    if (data[i] != '\r' || i + 1 == length || data[i + 1] != '\n')
      out[n++] = data[i];
  return g_bytes_new_take (out, n);
}

/* ---- SIGPIPE ---------------------------------------------------------------------------------- */

/* A program that exits without reading the whole message makes our next write to its stdin
 * raise SIGPIPE, which kills the process unless the application ignores it, and a library may
 * not change the process-wide disposition behind the application's back. The writes happen on
 * the sending thread (GIO's pollable pipe stream, driven by our own main context), so that
 * thread blocks the signal for the duration, then discards the one its own writes left pending.
 *
 * Returns: whether SIGPIPE was already pending before (then it is not ours to discard). */
static gboolean
block_sigpipe (sigset_t *old_mask)
{
  sigset_t set, pending;

  sigemptyset (&set);
  sigaddset (&set, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &set, old_mask);
  sigemptyset (&pending);
  sigpending (&pending);
  return sigismember (&pending, SIGPIPE) == 1;
}

static void
restore_sigpipe (const sigset_t *old_mask, gboolean was_pending)
{
  if (!was_pending)
    {
      const struct timespec now = { 0, 0 };
      sigset_t set;

      sigemptyset (&set);
      sigaddset (&set, SIGPIPE);
      while (sigtimedwait (&set, NULL, &now) == -1 && errno == EINTR)
        ;
    }
  pthread_sigmask (SIG_SETMASK, old_mask, NULL);
}

/* ---- running the program ---------------------------------------------------------------------- */

/* One run of the program, on a main context of its own that the sending thread iterates. */
typedef struct {
  GMainContext *context;
  GSubprocess *process;
  pid_t group;               /* the program's process group (its pid), 0 if it was gone at once */
  GCancellable *cancellable; /* cancelled at the timeout: stops every pending operation */
  GBytes *errors;            /* (nullable) what the program wrote on stderr */
  GError *io_error;          /* (nullable) why feeding it or reading from it stopped short */
  gboolean communicated;
  gboolean waited;
  gboolean timed_out;
  int kill_errno; /* why killing it at the timeout failed, or 0 */
  gint settled; /* (atomic) communicate()'s task is gone, so are all its operations */
} Run;

/* Runs where the task's last reference goes, which should be the sending thread; if it is not,
 * the context (referenced for this call) is woken once @run may already be gone. */
static void
on_communication_settled (gpointer user_data, GObject *where_the_task_was)
{
  Run *run = user_data;
  GMainContext *context = run->context;

  g_atomic_int_set (&run->settled, TRUE);
  g_main_context_wakeup (context);
  g_main_context_unref (context);
}

static void
on_communicated (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Run *run = user_data;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), res, NULL, &run->errors, &run->io_error);
  run->communicated = TRUE;
  /* After a failure, communicate() reports at once and cancels its other operations, which still
   * complete on this context, each holding the task. */
  g_main_context_ref (run->context);
  g_object_weak_ref (G_OBJECT (res), on_communication_settled, run);
}

static void
on_waited (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Run *run = user_data;

  /* Only a cancellation (the timeout, or the reaping grace) can fail it: nothing to report. */
  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  run->waited = TRUE;
}

/* Waits on the run's context until the program has exited and been reaped, or @cancellable is
 * cancelled. */
static void
wait_for_exit (Run *run, GCancellable *cancellable)
{
  run->waited = FALSE;
  g_subprocess_wait_async (run->process, cancellable, on_waited, run);
  while (!run->waited)
    g_main_context_iteration (run->context, TRUE);
}

static gboolean
cancel_when_due (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* After the kill, so that no zombie outlives the send: the program is gone in a moment, unless
 * the kernel cannot finish it off (uninterruptible sleep); GSubprocess reaps it whenever then. */
static void
reap_killed (Run *run)
{
  g_autoptr (GCancellable) grace = g_cancellable_new ();
  GSource *timer = g_timeout_source_new (REAP_GRACE_MS);

  g_source_set_callback (timer, cancel_when_due, grace, NULL);
  g_source_attach (timer, run->context);
  wait_for_exit (run, grace);
  g_source_destroy (timer);
  g_source_unref (timer);
}

/* Kills the program's whole process group, so that what it started goes too (a wrapper script's
 * `cat; sleep`), which would otherwise live on and hold its pipes open. Returns 0 or the errno
 * of the failure: EPERM for a setuid MTA, say. */
static int
kill_group (const Run *run)
{
  /* Unknown: the program was reaped the moment it started, so what still holds its pipes is a
   * child of it, and which group that is in cannot be told. */
  if (run->group <= 0)
    return ESRCH;
  /* ESRCH: every process of the group has already exited. */
  if (kill (-run->group, SIGKILL) == 0 || errno == ESRCH)
    return 0;
  return errno;
}

static gboolean
on_timeout (gpointer user_data)
{
  Run *run = user_data;

  run->timed_out = TRUE;
  run->kill_errno = kill_group (run);
  /* Not waiting for the pipes to close: a child the program started may hold them open. */
  g_cancellable_cancel (run->cancellable);
  return G_SOURCE_REMOVE;
}

/* Feeds @input to the program and collects its stderr until it has exited or @timeout_ms have
 * passed (then it is killed). */
static void
run_program (Run *run, GBytes *input, guint timeout_ms)
{
  GSource *timer = g_timeout_source_new (timeout_ms);
  sigset_t old_mask;
  gboolean sigpipe_pending;

  run->context = g_main_context_new ();
  g_main_context_push_thread_default (run->context);
  g_source_set_callback (timer, on_timeout, run, NULL);
  g_source_attach (timer, run->context);
  sigpipe_pending = block_sigpipe (&old_mask);
  g_subprocess_communicate_async (run->process, input, run->cancellable, on_communicated, run);
  while (!run->communicated)
    g_main_context_iteration (run->context, TRUE);
  /* A program that stops reading early (it refused the message, or crashed) breaks the pipe and
   * the communication ends before it exits; its exit status still tells why. */
  if (run->io_error != NULL && !run->timed_out)
    wait_for_exit (run, run->cancellable);
  if (run->timed_out && run->kill_errno == 0)
    reap_killed (run);
  /* An operation left pending would keep the context, the process and its pipes forever. */
  while (!g_atomic_int_get (&run->settled))
    g_main_context_iteration (run->context, TRUE);
  restore_sigpipe (&old_mask, sigpipe_pending);
  g_source_destroy (timer);
  g_source_unref (timer);
  g_main_context_pop_thread_default (run->context);
  g_clear_pointer (&run->context, g_main_context_unref);
}

/* ---- outcomes --------------------------------------------------------------------------------- */

/* The sysexits.h name of @status, which sendmail implementations use, or NULL. */
static const char *
sysexit_name (int status)
{
  static const char *const names[] = {
    "EX_USAGE", "EX_DATAERR", "EX_NOINPUT", "EX_NOUSER", "EX_NOHOST", "EX_UNAVAILABLE",
    "EX_SOFTWARE", "EX_OSERR", "EX_OSFILE", "EX_CANTCREAT", "EX_IOERR", "EX_TEMPFAIL",
    "EX_PROTOCOL", "EX_NOPERM", "EX_CONFIG",
  };

  if (status < EX__BASE || status > EX__MAX)
    return NULL;
  return names[status - EX__BASE];
}

/* A one-line excerpt of @errors (transfer full), or NULL when it holds nothing but white space.
 * Redacted before it is cut short, so that a secret the cut would split is still found. */
static char *
dup_excerpt (GBytes *errors)
{
  gsize length = 0;
  const char *data = errors ? g_bytes_get_data (errors, &length) : NULL;
  g_autofree char *valid = NULL, *redacted = NULL;
  GString *line = g_string_new (NULL);
  guint n_chars = 0;
  const char *p;

  valid = g_utf8_make_valid (data ? data : "", (gssize) MIN (length, EXCERPT_SCAN_BYTES));
  redacted = tocsin_redact (valid);
  for (p = redacted; *p != '\0' && n_chars < EXCERPT_CHARS; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!g_unichar_isspace (c) && !g_unichar_iscntrl (c))
        g_string_append_unichar (line, c);
      else if (line->len == 0 || line->str[line->len - 1] == ' ')
        continue; /* runs of white space and line breaks become one space */
      else
        g_string_append_c (line, ' ');
      n_chars++;
    }
  if (line->len > 0 && line->str[line->len - 1] == ' ')
    g_string_truncate (line, line->len - 1);
  if (*p != '\0' || length > EXCERPT_SCAN_BYTES)
    g_string_append (line, "…");
  if (line->len > 0)
    return g_string_free (line, FALSE);
  g_string_free (line, TRUE);
  return NULL;
}

/* What the error text adds about the program's side (transfer full): a line of its stderr, or
 * that it stopped reading, in which case communicate() dropped what stderr held. */
static char *
dup_note (Run *run)
{
  g_autofree char *excerpt = NULL;

  if (run->io_error != NULL)
    return g_strdup_printf ("; it did not read the whole message (%s)", run->io_error->message);
  excerpt = dup_excerpt (run->errors);
  return excerpt ? g_strdup_printf ("; stderr: %s", excerpt) : g_strdup ("; nothing on stderr");
}

static gboolean
fail (TocsinResult *result, gboolean retryable, GError **error, int code, const char *format, ...)
  G_GNUC_PRINTF (5, 6);

static gboolean
fail (TocsinResult *result, gboolean retryable, GError **error, int code, const char *format, ...)
{
  va_list args;

  if (result != NULL)
    tocsin_result_set_retryable (result, retryable);
  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (TOCSIN_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}

static gboolean
map_outcome (Sendmail *self, Run *run, TocsinResult *result, GError **error)
{
  g_autofree char *note = NULL;
  int status;

  /* Retryable even when it lives on: a duplicate alert is better than a lost one. */
  if (run->timed_out && run->kill_errno != 0)
    return fail (result, TRUE, error, TOCSIN_ERROR_TIMEOUT,
                 "%s did not finish within %g s and could not be killed (%s); it may still "
                 "deliver the message", self->path, self->timeout_ms / 1000.0,
                 g_strerror (run->kill_errno));
  if (run->timed_out)
    return fail (result, TRUE, error, TOCSIN_ERROR_TIMEOUT,
                 "%s did not finish within %g s and was killed", self->path,
                 self->timeout_ms / 1000.0);
  note = dup_note (run);
  /* Killed from outside (the OOM killer, an administrator): nothing says the message is lost
   * for good, so it is worth another attempt. */
  if (g_subprocess_get_if_signaled (run->process))
    return fail (result, TRUE, error, TOCSIN_ERROR_DELIVERY, "%s was killed by signal %d (%s)%s",
                 self->path, g_subprocess_get_term_sig (run->process),
                 g_strsignal (g_subprocess_get_term_sig (run->process)), note);
  status = g_subprocess_get_exit_status (run->process);
  if (status == 0 && run->io_error == NULL)
    return TRUE;
  if (status == 0) /* a truncated message, or none at all */
    return fail (result, FALSE, error, TOCSIN_ERROR_DELIVERY, "%s exited with status 0%s",
                 self->path, note);
  return fail (result, status == EX_TEMPFAIL, error, TOCSIN_ERROR_DELIVERY,
               "%s exited with status %d (%s%s%s failure)%s", self->path, status,
               sysexit_name (status) ? sysexit_name (status) : "", sysexit_name (status) ? ", " : "",
               status == EX_TEMPFAIL ? "temporary" : "permanent", note);
}

/* ---- the class -------------------------------------------------------------------------------- */

/* Running out of processes, memory or file descriptors passes; a program that is not there or
 * cannot run stays so. */
static gboolean
is_transient_spawn_error (const GError *error)
{
  if (error->domain != G_SPAWN_ERROR)
    return FALSE;
  return error->code == G_SPAWN_ERROR_FORK || error->code == G_SPAWN_ERROR_NOMEM
         || error->code == G_SPAWN_ERROR_MFILE || error->code == G_SPAWN_ERROR_NFILE;
}

/* In the child, before exec: a process group of its own, for kill_group(). setpgid() is
 * async-signal-safe, as code between fork and exec in a threaded process must be. */
static void
enter_own_group (gpointer user_data)
{
  setpgid (0, 0);
}

/* The process group of @process, which enter_own_group() made its pid; 0 if it has already exited
 * and been reaped. */
static pid_t
get_group (GSubprocess *process)
{
  const char *pid = g_subprocess_get_identifier (process);

  return pid ? (pid_t) g_ascii_strtoll (pid, NULL, 10) : 0;
}

static GSubprocess *
spawn (Sendmail *self, TocsinMailMessage *message, TocsinResult *result, GError **error)
{
  /* Joined to its option: a separate argument that begins with '-' (a local part may) would be
   * taken for an option. */
  g_autofree char *envelope_from = g_strconcat ("-f", tocsin_mail_message_get_sender (message),
                                                NULL);
  const char *const argv[] = { self->path, "-t", "-i", envelope_from, NULL };
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) local = NULL;
  GSubprocess *process;
  gboolean transient;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, enter_own_group, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, argv, &local);
  if (process != NULL)
    return process;
  transient = is_transient_spawn_error (local);
  fail (result, transient, error, TOCSIN_ERROR_DELIVERY, "cannot run %s: %s%s%s", self->path,
        local->message, transient ? "" : "; ", transient ? "" : INSTALL_ADVICE);
  return NULL;
}

static gboolean
sendmail_send (gpointer instance, TocsinMailMessage *message, TocsinResult *result,
               GError **error)
{
  Sendmail *self = instance;
  g_autoptr (GBytes) input = NULL;
  Run run = { NULL };
  gboolean ok;

  run.process = spawn (self, message, result, error);
  if (run.process == NULL)
    return FALSE;
  run.group = get_group (run.process);
  input = dup_with_lf (tocsin_mail_message_get_mime (message));
  run.cancellable = g_cancellable_new ();
  run_program (&run, input, self->timeout_ms);
  ok = map_outcome (self, &run, result, error);
  g_clear_pointer (&run.errors, g_bytes_unref);
  g_clear_error (&run.io_error);
  g_object_unref (run.cancellable);
  g_object_unref (run.process);
  /* No message id: sendmail reports none, and the channel falls back to the Message-ID. */
  return ok;
}

static void
sendmail_destroy (gpointer instance)
{
  Sendmail *self = instance;

  g_free (self->path);
  g_free (self);
}

/* Fails the configuration at @node (the <path> element, or the transport's when the default is
 * in use) unless @path is an executable file. */
static gboolean
check_program (const TocsinConfigNode *node, const char *path, gboolean is_default,
               GError **error)
{
  const char *problem, *advice = INSTALL_ADVICE;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    problem = "does not exist";
  else if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    problem = "is not a file";
  else if (access (path, X_OK) != 0)
    {
      problem = "is not executable";
      advice = "make it executable, or set <path> to the MTA's sendmail program";
    }
  else
    return TRUE;
  tocsin_config_node_set_error (node, error, TOCSIN_ERROR_INVALID_VALUE, "%s%s %s: %s",
                                path, is_default ? " (the default <path>)" : "", problem, advice);
  return FALSE;
}

static gpointer
sendmail_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  const TocsinConfigNode *path_node = tocsin_config_node_get_child (config, "path");
  g_autofree char *path = tocsin_config_node_dup_path (config, "path");
  Sendmail *self;

  if (!check_program (path_node ? path_node : config, path ? path : DEFAULT_PATH,
                      path_node == NULL, error))
    return NULL;
  self = g_new0 (Sendmail, 1);
  self->ctx = ctx;
  self->path = path ? g_steal_pointer (&path) : g_strdup (DEFAULT_PATH);
  /* The channel's timeout is already within [1, 120] s. */
  self->timeout_ms = (guint) (tocsin_plugin_context_get_timeout (ctx) * 1000);
  tocsin_plugin_context_log (ctx, G_LOG_LEVEL_DEBUG, "sendmail: %s -t -i -f<sender>", self->path);
  return self;
}

static const TocsinTransportClass sendmail_class = {
  .struct_size = sizeof (TocsinTransportClass),
  .flags = TOCSIN_TRANSPORT_CLASS_THREAD_SAFE,
  .type_name = "sendmail",
  .description = "pipes each message to the local MTA's sendmail program (sendmail -t -i -f)",
  .settings = sendmail_settings,
  .create = sendmail_create,
  .send = sendmail_send,
  .destroy = sendmail_destroy,
};

static const TocsinTransportClass *const sendmail_classes[] = { &sendmail_class, NULL };

TOCSIN_PLUGIN_DEFINE ("sendmail", "1.0.0", "LGPL-2.1-or-later",
                      "sendmail mail transport (a local MTA's sendmail program)", NULL,
                      sendmail_classes)
