/* main.c: embedding libtocsin in a GLib application.
 *
 * Usage: tocsin-embed [CONFIG]
 *
 * Loads CONFIG (or, without it, the config tocsin_config_find() picks: $TOCSIN_CONFIG, then
 * ~/.config/tocsin/tocsin.xml, then the system one), then, from a GLib main loop:
 *
 *   1. sends three alerts to every channel their level reaches, asynchronously, with
 *      tocsin_manager_send_async(): the loop keeps running while the channels deliver;
 *   2. sends one audit alert to the channel keyed "log" only (when the config has one);
 *   3. once both have finished, posts a last alert fire-and-forget with tocsin_manager_post()
 *      and waits for it with tocsin_manager_flush().
 *
 * Every result is printed as it arrives, then the statistics. The exit status is 0 when every
 * delivery succeeded, 1 when one failed, was throttled or did not finish, 2 for a usage or
 * configuration error (as the tocsin command).
 *
 * Build it against an installed tocsin with CMake (see CMakeLists.txt) or with
 *
 *   cc main.c -o tocsin-embed $(pkg-config --cflags --libs tocsin-1)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <tocsin/tocsin.h>

#include <glib-unix.h>
#include <signal.h>

/* The key of the channel that receives the audit alert. Any channel can be a target: a key, an
 * alias (name="...") or a type name, as with `tocsin send --channel`. */
#define AUDIT_CHANNEL "log"

/* How long the final flush may wait, in seconds. A channel's own timeout (timeout="...", 10 s by
 * default) bounds each delivery; this bounds the whole wait, so a hung server cannot hang us. */
#define FLUSH_TIMEOUT 30.0

typedef struct {
  GMainLoop *loop;
  TocsinManager *manager;
  GCancellable *cancellable;
  guint pending;     /* asynchronous sends that have not called back yet */
  gboolean all_ok;   /* no result so far failed, was throttled or was cancelled */
} Example;

/* ---- alerts --------------------------------------------------------------------------------- */

/* (transfer full) An alert with labels. Alerts are immutable once built and may be shared by
 * any number of channels and threads, so one builder can stamp out several. */
static TocsinAlert *
build_alert (const char *title, const char *body, TocsinLevel level, const char *host,
             const char *service)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new (title);

  tocsin_alert_builder_set_body (builder, body);
  tocsin_alert_builder_set_level (builder, level);
  /* Labels travel with the alert to every channel (the file channel writes them as a JSON
   * object); keep them few and stable so they can be filtered on. */
  tocsin_alert_builder_add_label (builder, "host", host);
  tocsin_alert_builder_add_label (builder, "service", service);
  tocsin_alert_builder_add_label (builder, "source", "tocsin-embed");
  return tocsin_alert_builder_build (builder);
}

/* ---- results -------------------------------------------------------------------------------- */

/* One line per result: "ok      console   [warning] Disk almost full (id ...)". */
static gboolean
print_result (const TocsinResult *result, const char *how)
{
  const TocsinAlert *alert = tocsin_result_get_alert (result);
  const char *level = tocsin_level_to_string (tocsin_alert_get_level (alert));
  const char *message_id = tocsin_result_get_message_id (result);

  if (tocsin_result_get_success (result))
    {
      g_print ("%-9s %-9s %-10s [%s] %s%s%s%s\n", how, "ok", tocsin_result_get_channel (result),
               level, tocsin_alert_get_title (alert), message_id ? " (id " : "",
               message_id ? message_id : "", message_id ? ")" : "");
      return TRUE;
    }
  /* The error text is already redacted by the library: it is safe to print or log as is. A
   * retryable failure (a 503, a refused connection) might succeed later; the core does not
   * retry by itself, so an application that cares re-sends such alerts. */
  g_print ("%-9s %-9s %-10s [%s] %s: %s%s\n", how,
           tocsin_result_get_throttled (result) ? "THROTTLED" : "FAILED",
           tocsin_result_get_channel (result), level, tocsin_alert_get_title (alert),
           tocsin_result_get_error (result) ? tocsin_result_get_error (result) : "(no reason)",
           tocsin_result_get_retryable (result) ? " (retryable)" : "");
  return FALSE;
}

/* The second send, and the end of the loop, wait for every earlier send to call back. */
static void
send_done (Example *example)
{
  g_return_if_fail (example->pending > 0);
  if (--example->pending == 0)
    g_main_loop_quit (example->loop);
}

/* Runs in the main loop once every channel has finished with the alerts of one send. The
 * manager is not a GObject, so @source is NULL: the manager comes in through @user_data. */
static void
on_sent (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Example *example = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) results = NULL;

  (void) source;
  results = tocsin_manager_send_finish (example->manager, res, &error);
  if (results == NULL)
    {
      /* G_IO_ERROR_CANCELLED after Ctrl-C: the deliveries go on and still reach the
       * statistics; only this wait was abandoned. */
      g_printerr ("tocsin-embed: %s\n", error->message);
      example->all_ok = FALSE;
    }
  else
    {
      if (results->len == 0)
        g_print ("(no channel's min-level admits these alerts)\n");
      for (guint i = 0; i < results->len; i++)
        if (!print_result (g_ptr_array_index (results, i), "async"))
          example->all_ok = FALSE;
    }
  send_done (example);
}

/* ---- the sends ------------------------------------------------------------------------------ */

/* Broadcasts three alerts at once: each channel receives them in this order, and the callback
 * gets every result (alert by alert, each in channel order) in one array. */
static void
start_broadcast (Example *example)
{
  g_autoptr (TocsinAlert) backup = build_alert ("Backup finished", "nightly backup: 42 GiB in 7 min",
                                                TOCSIN_LEVEL_SUCCESS, "db1", "backup");
  g_autoptr (TocsinAlert) disk = build_alert ("Disk almost full", "/var is at 91%",
                                              TOCSIN_LEVEL_WARNING, "db1", "storage");
  g_autoptr (TocsinAlert) lag = build_alert ("Replica lagging", "db2 is 45 s behind db1",
                                             TOCSIN_LEVEL_CRITICAL, "db2", "postgres");
  TocsinAlert *alerts[] = { backup, disk, lag };

  /* The manager takes its own references: the alerts may be released right after the call. */
  example->pending++;
  tocsin_manager_send_async (example->manager, alerts, G_N_ELEMENTS (alerts), NULL,
                             example->cancellable, on_sent, example);
}

/* Sends one alert to a single channel, whatever that channel's min-level. */
static void
start_audit (Example *example)
{
  g_autoptr (TocsinAlert) audit = NULL;

  /* Sending to an unknown target delivers nothing (and logs a warning): check first so the
   * example also runs with a config that has no such channel. */
  if (tocsin_manager_find_channel (example->manager, AUDIT_CHANNEL) == NULL)
    {
      g_print ("(no channel '%s': audit alert skipped)\n", AUDIT_CHANNEL);
      return;
    }
  audit = build_alert ("Deploy started", "release 2.4.1 rolling out", TOCSIN_LEVEL_INFO,
                       "ci1", "deploy");
  example->pending++;
  tocsin_manager_send_async (example->manager, &audit, 1, AUDIT_CHANNEL, example->cancellable,
                             on_sent, example);
}

/* An idle callback: the sends start once the loop runs, as they would from any event. */
static gboolean
start_sends (gpointer user_data)
{
  Example *example = user_data;

  /* Holds the loop open until both sends are started, whatever order they finish in. */
  example->pending++;
  start_broadcast (example);
  start_audit (example);
  send_done (example);
  return G_SOURCE_REMOVE;
}

/* Ctrl-C cancels the pending waits; their callbacks then run with G_IO_ERROR_CANCELLED. */
static gboolean
on_interrupt (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_CONTINUE;
}

/* Fire and forget, for alerts whose outcome the caller does not wait for (say, from a hot path):
 * outcomes reach only the statistics and the log. flush() then waits for everything accepted so
 * far, as an application does before it exits. */
static gboolean
post_and_flush (Example *example)
{
  g_autoptr (TocsinAlert) done = build_alert ("Maintenance window over",
                                              "all checks of the example ran", TOCSIN_LEVEL_INFO,
                                              "db1", "maintenance");
  guint queued = tocsin_manager_post (example->manager, done, NULL);

  g_print ("post      queued for %u channel%s\n", queued, queued == 1 ? "" : "s");
  if (!tocsin_manager_flush (example->manager, FLUSH_TIMEOUT))
    {
      g_printerr ("tocsin-embed: deliveries still running after %.0f s\n", FLUSH_TIMEOUT);
      return FALSE;
    }
  return TRUE;
}

/* ---- statistics ----------------------------------------------------------------------------- */

/* Prints the counters; returns whether every delivery so far (async and posted) succeeded. */
static gboolean
print_stats (TocsinManager *manager)
{
  g_autoptr (TocsinStats) stats = tocsin_manager_get_stats (manager);

  g_print ("%-10s %6s %6s %9s\n", "channel", "sent", "failed", "throttled");
  for (guint i = 0; i < tocsin_stats_get_n_channels (stats); i++)
    g_print ("%-10s %6" G_GUINT64_FORMAT " %6" G_GUINT64_FORMAT " %9" G_GUINT64_FORMAT "\n",
             tocsin_stats_get_channel_key (stats, i), tocsin_stats_get_channel_sent (stats, i),
             tocsin_stats_get_channel_failed (stats, i),
             tocsin_stats_get_channel_throttled (stats, i));
  g_print ("%-10s %6" G_GUINT64_FORMAT " %6" G_GUINT64_FORMAT " %9" G_GUINT64_FORMAT "\n", "total",
           tocsin_stats_get_sent (stats), tocsin_stats_get_failed (stats),
           tocsin_stats_get_throttled (stats));
  return tocsin_stats_get_failed (stats) == 0 && tocsin_stats_get_throttled (stats) == 0
         && tocsin_stats_get_queued (stats) == 0;
}

/* ---- setup ---------------------------------------------------------------------------------- */

/* (transfer full) The manager for @explicit_path (nullable), or NULL after printing why. The
 * library's messages name the file, line, channel or plugin at fault: print them as they are. */
static TocsinManager *
load_manager (const char *explicit_path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = tocsin_config_find (explicit_path, &error);
  g_autoptr (TocsinConfig) config = NULL;
  TocsinManager *manager;

  if (path == NULL)
    {
      g_printerr ("tocsin-embed: %s\n", error->message); /* lists every place it looked */
      return NULL;
    }
  config = tocsin_config_new_from_file (path, &error);
  if (config == NULL)
    {
      g_printerr ("tocsin-embed: %s\n", error->message);
      return NULL;
    }
  /* Loads the plugins the config needs and creates its channels; nothing is sent yet. */
  manager = tocsin_manager_new_from_config (config, &error);
  if (manager == NULL)
    {
      g_printerr ("tocsin-embed: %s\n", error->message);
      return NULL;
    }
  g_print ("config    %s: %u channel%s\n", path, tocsin_manager_get_n_channels (manager),
           tocsin_manager_get_n_channels (manager) == 1 ? "" : "s");
  return manager;
}

int
main (int argc, char **argv)
{
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (GCancellable) cancellable = NULL;
  Example example = { 0 };
  gboolean flushed, stats_ok;
  guint sigint_id;

  if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
    {
      g_printerr ("usage: tocsin-embed [CONFIG]\n");
      return 2;
    }
  manager = load_manager (argc == 2 ? argv[1] : NULL);
  if (manager == NULL)
    return 2;

  loop = g_main_loop_new (NULL, FALSE);
  cancellable = g_cancellable_new ();
  example = (Example){ .loop = loop, .manager = manager, .cancellable = cancellable,
                       .all_ok = TRUE };
  sigint_id = g_unix_signal_add (SIGINT, on_interrupt, cancellable);
  g_idle_add (start_sends, &example);
  /* The async callbacks run here, in the thread that runs the loop, never in the manager's
   * worker threads: no locking is needed around `example`. */
  g_main_loop_run (loop);
  g_source_remove (sigint_id);

  flushed = post_and_flush (&example);
  stats_ok = print_stats (manager);
  /* Dropping the last reference (g_autoptr) drains the queues and joins the worker threads. */
  return example.all_ok && flushed && stats_ok ? 0 : 1;
}
