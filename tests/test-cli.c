/* test-cli.c: the tocsin command-line tool, end to end: each test runs the built binary against
 * config files written to a temporary folder, with channels of type file (JSON lines we read
 * back), noop (counts; fails or gives message ids on request) and console.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "testutil.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sys/wait.h>

/* log: every level, a file; nop: warning and up, message ids; bad: critical only, always fails. */
#define BASE_CONFIG \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
  "<tocsin version=\"1\">\n" \
  "  <channel key=\"log\" name=\"journal\" type=\"file\" min-level=\"info\">\n" \
  "    <path>out.jsonl</path>\n" \
  "  </channel>\n" \
  "  <channel key=\"nop\" name=\"pager\" type=\"noop\" min-level=\"warning\">\n" \
  "    <message-id>true</message-id>\n" \
  "  </channel>\n" \
  "  <channel key=\"bad\" type=\"noop\" min-level=\"critical\" max-attempts=\"3\"\n" \
  "           backoff-min=\"0.001\" backoff-max=\"0.002\">\n" \
  "    <fail>true</fail>\n" \
  "  </channel>\n" \
  "</tocsin>\n"

typedef struct {
  char *tmpdir;
  char *xdg;    /* an empty $XDG_CONFIG_HOME, so no user config is found by accident */
  char *config; /* BASE_CONFIG */
  char *out;    /* the file channel's output */
  char **env;   /* extra environment for the child, "NAME=value" (nullable) */
} Fixture;

typedef struct {
  int status;
  char *out;
  char *err;
} Run;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->tmpdir = tt_make_tmpdir ();
  f->xdg = g_build_filename (f->tmpdir, "xdg", NULL);
  g_assert_cmpint (g_mkdir (f->xdg, 0700), ==, 0);
  f->config = tt_write_file (f->tmpdir, "tocsin.xml", BASE_CONFIG);
  f->out = g_build_filename (f->tmpdir, "out.jsonl", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  tt_rm_rf (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->xdg);
  g_free (f->config);
  g_free (f->out);
  g_strfreev (f->env);
}

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs `tocsin ARGS...` (NULL-terminated) in the fixture's folder, feeding @input (nullable) on
 * standard input; the child sees the fixture's empty XDG folder and no $TOCSIN_CONFIG. */
static void
run_tocsin (Fixture *f, const char *input, Run *run, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) child = NULL;
  g_autoptr (GError) error = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, tt_build_path ("tocsin"));
  va_start (args, run);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_cwd (launcher, f->tmpdir);
  g_subprocess_launcher_unsetenv (launcher, "TOCSIN_CONFIG");
  g_subprocess_launcher_unsetenv (launcher, "G_MESSAGES_DEBUG");
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", f->xdg, TRUE);
  g_subprocess_launcher_setenv (launcher, "NO_COLOR", "1", TRUE);
  for (guint i = 0; f->env != NULL && f->env[i] != NULL; i++)
    {
      g_auto (GStrv) pair = g_strsplit (f->env[i], "=", 2);
      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }
  child = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (child, input ? input : "", NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (child));
  run->status = g_subprocess_get_exit_status (child);
  g_test_message ("exit %d\nstdout:\n%s\nstderr:\n%s", run->status, run->out, run->err);
}

/* The file channel's output: one parsed object per line (transfer full). */
static GPtrArray *
read_jsonl (const char *path)
{
  GPtrArray *objects = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return objects; /* never created: nothing was written */
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) node = NULL;

      if (*lines[i] == '\0')
        continue;
      node = json_from_string (lines[i], &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
      g_ptr_array_add (objects, json_object_ref (json_node_get_object (node)));
    }
  return objects;
}

static guint
count_lines (const char *path)
{
  g_autoptr (GPtrArray) lines = read_jsonl (path);

  return lines->len;
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return node;
}

/* The members of @object, sorted and comma-joined, to compare with the documented set. */
static char *
member_names (JsonObject *object)
{
  g_autoptr (GList) names = g_list_sort (json_object_get_members (object), (GCompareFunc) g_strcmp0);
  g_autoptr (GString) joined = g_string_new (NULL);

  for (GList *l = names; l != NULL; l = l->next)
    g_string_append_printf (joined, "%s%s", joined->len ? "," : "", (char *) l->data);
  return g_strdup (joined->str);
}

static void
assert_result (JsonArray *results, guint index, const char *channel, gboolean success,
               const char *message_id, const char *error, gboolean retryable, gint64 attempts)
{
  JsonObject *result = json_array_get_object_element (results, index);
  g_autofree char *names = member_names (result);

  g_assert_cmpstr (names, ==, "attempts,channel,error,message_id,retryable,success");
  g_assert_cmpstr (json_object_get_string_member (result, "channel"), ==, channel);
  g_assert_cmpint (json_object_get_boolean_member (result, "success"), ==, success);
  if (message_id != NULL)
    g_assert_cmpstr (json_object_get_string_member (result, "message_id"), ==, message_id);
  else
    g_assert_true (json_object_get_null_member (result, "message_id"));
  if (error != NULL)
    g_assert_cmpstr (json_object_get_string_member (result, "error"), ==, error);
  else
    g_assert_true (json_object_get_null_member (result, "error"));
  g_assert_cmpint (json_object_get_boolean_member (result, "retryable"), ==, retryable);
  g_assert_cmpint (json_object_get_int_member (result, "attempts"), ==, attempts);
}

static void
assert_counts (JsonObject *counts, gint64 sent, gint64 failed, gint64 throttled)
{
  g_assert_cmpint (json_object_get_int_member (counts, "sent"), ==, sent);
  g_assert_cmpint (json_object_get_int_member (counts, "failed"), ==, failed);
  g_assert_cmpint (json_object_get_int_member (counts, "throttled"), ==, throttled);
}

static JsonObject *
channel_stats (JsonObject *stats, const char *key)
{
  JsonObject *channels = json_object_get_object_member (stats, "channels");
  JsonObject *counts = json_object_get_object_member (channels, key);
  g_autofree char *names = member_names (counts);

  g_assert_cmpstr (names, ==, "dropped,failed,retried,sent,throttled");
  return counts;
}

/* The "results" of a --json document, which must hold @n of them (transfer none: @root owns
 * them). */
static JsonArray *
json_results (JsonNode *root, guint n)
{
  JsonArray *results = json_object_get_array_member (json_node_get_object (root), "results");

  g_assert_cmpuint (json_array_get_length (results), ==, n);
  return results;
}

/* The run was refused (exit status 2: a usage or config error) saying @fragment on stderr. */
static void
assert_refused_run (const Run *run, const char *fragment)
{
  g_assert_cmpint (run->status, ==, 2);
  g_assert_nonnull (strstr (run->err, fragment));
}

/* Each of the NULL-terminated @needles is somewhere in @text. */
static void
assert_all_in (const char *text, const char *const *needles)
{
  for (guint i = 0; needles[i] != NULL; i++)
    g_assert_nonnull (strstr (text, needles[i]));
}

/* ---- help, version, usage errors ---- */

static void
test_help_top_level (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };

  run_tocsin (f, NULL, &run, "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Usage:"));
  for (const char *const *cmd = (const char *const[]) { "send", "check", "plugins", NULL }; *cmd; cmd++)
    {
      g_autofree char *line = g_strdup_printf ("\n  %s ", *cmd);
      g_assert_nonnull (strstr (run.out, line));
    }
  g_assert_nonnull (strstr (run.out, "--version"));
  g_assert_nonnull (strstr (run.out, "Exit status"));
}

static void
test_help_send_command (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };

  run_tocsin (f, NULL, &run, "send", "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "tocsin send"));
  assert_all_in (run.out, (const char *const[]) { "--config", "--channel", "--level", "--title",
                                                  "--body", "--timestamp", "--label", "--batch",
                                                  "--json", "--verbose", "--quiet", NULL });
  g_assert_nonnull (strstr (run.out, "Exit status"));
}

static void
test_help_help_command (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };

  run_tocsin (f, NULL, &run, "help", "check", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "tocsin check"));
  g_assert_nonnull (strstr (run.out, "THROTTLE"));
}

static void
test_version (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autofree char *expected = g_strdup_printf ("tocsin %s ", tocsin_get_version ());

  run_tocsin (f, NULL, &run, "--version", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, expected));
}

static void
test_usage_unknown_command (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };

  run_tocsin (f, NULL, &run, "shout", NULL);
  assert_refused_run (&run, "shout");
  g_assert_true (g_str_has_prefix (run.err, "tocsin: "));
  g_assert_cmpstr (run.out, ==, "");
}

static void
test_usage_unknown_option (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };

  run_tocsin (f, NULL, &run, "send", "--config", f->config, "--title", "x", "--loud", NULL);
  assert_refused_run (&run, "--loud");
  g_assert_cmpuint (count_lines (f->out), ==, 0);
}

static void
test_usage_missing_title (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };

  run_tocsin (f, NULL, &run, "send", "--config", f->config, "--body", "b", NULL);
  assert_refused_run (&run, "--title");
}

static void
test_usage_bad_label (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };

  run_tocsin (f, NULL, &run, "send", "--config", f->config, "--title", "x", "--label", "novalue",
              NULL);
  assert_refused_run (&run, "novalue");
  g_assert_nonnull (strstr (run.err, "KEY=VALUE"));
}

static void
test_usage_bad_level (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autoptr (GPtrArray) lines = NULL;

  run_tocsin (f, NULL, &run, "send", "--config", f->config, "--title", "x", "--level", "loud",
              NULL);
  assert_refused_run (&run, "loud");
  g_assert_true (g_str_has_prefix (run.err, "tocsin: "));
  g_assert_nonnull (strstr (run.err, "info, success, warning, critical"));
  lines = read_jsonl (f->out);
  g_assert_cmpuint (lines->len, ==, 0);
}

/* ---- send ---- */

static void
test_send_delivered (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autoptr (GPtrArray) lines = NULL;
  JsonObject *line;

  run_tocsin (f, NULL, &run, "send", "--config", f->config, "--title", "backup done", "--body",
              "42 GB", "--level", "success", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Results:"));
  g_assert_nonnull (strstr (run.out, "Statistics:"));
  g_assert_true (g_regex_match_simple ("^  log +OK +- +-$", run.out, G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^  total +1 +0 +0 +0 +0$", run.out, G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^  nop +0 +0 +0 +0 +0$", run.out, G_REGEX_MULTILINE, 0));
  lines = read_jsonl (f->out);
  g_assert_cmpuint (lines->len, ==, 1);
  line = g_ptr_array_index (lines, 0);
  g_assert_cmpstr (json_object_get_string_member (line, "title"), ==, "backup done");
  g_assert_cmpstr (json_object_get_string_member (line, "body"), ==, "42 GB");
  g_assert_cmpstr (json_object_get_string_member (line, "level_name"), ==, "success");
  g_assert_cmpstr (json_object_get_string_member (line, "channel"), ==, "log");
}

static void
test_send_json_document (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *top = NULL, *stats_names = NULL;
  JsonObject *doc, *stats;
  JsonArray *results;

  run_tocsin (f, NULL, &run, "send", "--config", f->config, "--title", "disk 91%", "--level",
              "warning", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  /* Nothing but the document on stdout. */
  root = parse_json (run.out);
  doc = json_node_get_object (root);
  top = member_names (doc);
  g_assert_cmpstr (top, ==, "results,stats");
  results = json_results (root, 2);
  assert_result (results, 0, "log", TRUE, NULL, NULL, FALSE, 1);
  assert_result (results, 1, "nop", TRUE, "noop-1", NULL, FALSE, 1);
  stats = json_object_get_object_member (doc, "stats");
  stats_names = member_names (stats);
  g_assert_cmpstr (stats_names, ==, "channels,dropped,failed,retried,sent,throttled");
  assert_counts (stats, 2, 0, 0);
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (stats, "channels")), ==, 3);
  assert_counts (channel_stats (stats, "log"), 1, 0, 0);
  assert_counts (channel_stats (stats, "nop"), 1, 0, 0);
  assert_counts (channel_stats (stats, "bad"), 0, 0, 0);
}

static void
test_send_failure_exit (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autoptr (JsonNode) root = NULL;
  JsonObject *doc;
  JsonArray *results;

  run_tocsin (f, NULL, &run, "send", "--config", f->config, "--title", "db down", "--level",
              "critical", "--json", NULL);
  g_assert_cmpint (run.status, ==, 1);
  root = parse_json (run.out);
  doc = json_node_get_object (root);
  results = json_results (root, 3);
  assert_result (results, 0, "log", TRUE, NULL, NULL, FALSE, 1);
  assert_result (results, 1, "nop", TRUE, "noop-1", NULL, FALSE, 1);
  /* Retried twice (max-attempts="3", millisecond backoffs), then reported. */
  assert_result (results, 2, "bad", FALSE, NULL, "noop: configured to fail", TRUE, 3);
  assert_counts (json_object_get_object_member (doc, "stats"), 2, 1, 0);
  assert_counts (channel_stats (json_object_get_object_member (doc, "stats"), "bad"), 0, 1, 0);
  /* The library warns that the channel failed. */
  g_assert_nonnull (strstr (run.err, "tocsin: warning: "));
}

static void
test_send_failure_text (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };

  run_tocsin (f, NULL, &run, "send", "--config", f->config, "--title", "db down", "--level",
              "critical", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_regex_match_simple ("^  bad +FAILED +- +noop: configured to fail \\(retryable\\)$",
                                       run.out, G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^  nop +OK +noop-1 +-$", run.out, G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^  total +2 +1 +0 +2 +0$", run.out, G_REGEX_MULTILINE, 0));
}

static void
test_send_throttled_exit (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *config = tt_write_file (f->tmpdir, "slow.xml",
    "<tocsin version=\"1\">\n"
    "  <channel key=\"slow\" type=\"file\">\n"
    "    <throttle rate=\"1\" per=\"3600\"/>\n"
    "    <path>out.jsonl</path>\n"
    "  </channel>\n"
    "</tocsin>\n");
  JsonObject *doc;
  JsonArray *results;

  run_tocsin (f, "{\"title\": \"one\"}\n{\"title\": \"two\"}\n", &run, "send", "--config", config,
              "--batch", "-", "--json", NULL);
  g_assert_cmpint (run.status, ==, 1);
  root = parse_json (run.out);
  doc = json_node_get_object (root);
  results = json_results (root, 2);
  assert_result (results, 0, "slow", TRUE, NULL, NULL, FALSE, 1);
  assert_result (results, 1, "slow", FALSE, NULL, "Rate limit exceeded", FALSE, 0);
  assert_counts (json_object_get_object_member (doc, "stats"), 1, 0, 1);
  g_assert_cmpuint (count_lines (f->out), ==, 1);

  /* The text report says THROTTLED, not FAILED (each run has a fresh bucket). */
  run_clear (&run);
  run_tocsin (f, "{\"title\": \"three\"}\n{\"title\": \"four\"}\n", &run, "send", "--config",
              config, "--batch", "-", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_regex_match_simple ("^  1 +slow +OK ", run.out, G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^  2 +slow +THROTTLED +- +Rate limit exceeded$", run.out,
                                       G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^  total +1 +0 +1 +0 +0$", run.out, G_REGEX_MULTILINE, 0));
}

static void
test_send_labels_and_timestamp (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autoptr (GPtrArray) lines = NULL;
  JsonObject *line, *labels;
  g_autofree char *names = NULL;

  run_tocsin (f, NULL, &run, "send", "--config", f->config, "--title", "cpu hot", "--timestamp",
              "--label", "host=db1", "--label", "env=prod", "--label", "note=a=b", NULL);
  g_assert_cmpint (run.status, ==, 0);
  lines = read_jsonl (f->out);
  g_assert_cmpuint (lines->len, ==, 1);
  line = g_ptr_array_index (lines, 0);
  g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ::: cpu hot$",
                                       json_object_get_string_member (line, "title"), 0, 0));
  labels = json_object_get_object_member (line, "labels");
  names = member_names (labels);
  g_assert_cmpstr (names, ==, "env,host,note");
  g_assert_cmpstr (json_object_get_string_member (labels, "host"), ==, "db1");
  g_assert_cmpstr (json_object_get_string_member (labels, "env"), ==, "prod");
  g_assert_cmpstr (json_object_get_string_member (labels, "note"), ==, "a=b");
}

static void
test_send_body_from_stdin (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autoptr (GPtrArray) lines = NULL;

  run_tocsin (f, "line one\nline two\n\n", &run, "send", "--config", f->config, "--title", "log",
              "--body", "-", NULL);
  g_assert_cmpint (run.status, ==, 0);
  lines = read_jsonl (f->out);
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (lines, 0), "body"), ==,
                   "line one\nline two");
}

static void
test_send_no_channel_matches (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *config = tt_write_file (f->tmpdir, "critical-only.xml",
    "<tocsin version=\"1\">\n"
    "  <channel key=\"log\" type=\"file\" min-level=\"critical\"><path>out.jsonl</path></channel>\n"
    "</tocsin>\n");
  JsonObject *doc;

  run_tocsin (f, NULL, &run, "send", "--config", config, "--title", "fyi", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "tocsin: note: "));
  g_assert_nonnull (strstr (run.err, "info"));
  root = parse_json (run.out);
  doc = json_node_get_object (root);
  json_results (root, 0);
  assert_counts (json_object_get_object_member (doc, "stats"), 0, 0, 0);
  g_assert_cmpuint (count_lines (f->out), ==, 0);

  /* --quiet drops the note. */
  run_clear (&run);
  run_tocsin (f, NULL, &run, "send", "-q", "--config", config, "--title", "fyi", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
}

/* ---- --channel ---- */

/* Sends an info alert to @target and checks that exactly @channel got it. */
static void
assert_targets (Fixture *f, const char *target, const char *channel)
{
  g_auto (Run) run = { 0 };
  g_autoptr (JsonNode) root = NULL;
  JsonArray *results;

  run_tocsin (f, NULL, &run, "send", "--config", f->config, "--channel", target, "--title", "t",
              "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_json (run.out);
  results = json_results (root, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (results, 0),
                                                  "channel"), ==, channel);
}

static void
test_target_by_key (Fixture *f, gconstpointer data)
{
  /* nop's min-level is warning: a targeted info alert reaches it anyway. */
  assert_targets (f, "nop", "nop");
  g_assert_cmpuint (count_lines (f->out), ==, 0);
}

static void
test_target_by_alias (Fixture *f, gconstpointer data)
{
  assert_targets (f, "pager", "nop");
  assert_targets (f, "journal", "log");
  g_assert_cmpuint (count_lines (f->out), ==, 1);
}

static void
test_target_by_type (Fixture *f, gconstpointer data)
{
  assert_targets (f, "file", "log");
  assert_targets (f, "noop", "nop"); /* the first channel of that type */
}

static void
test_target_unknown (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };

  run_tocsin (f, NULL, &run, "send", "--config", f->config, "--channel", "slack", "--title", "t",
              "--level", "critical", NULL);
  assert_refused_run (&run, "'slack'");
  g_assert_true (g_str_has_prefix (run.err, "tocsin: "));
  for (const char *const *key = (const char *const[]) { "log", "nop", "bad", NULL }; *key; key++)
    {
      g_autofree char *pattern = g_strdup_printf ("[:,] %s \\(", *key);
      g_assert_true (g_regex_match_simple (pattern, run.err, 0, 0));
    }
  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpuint (count_lines (f->out), ==, 0);
}

/* ---- --batch ---- */

static void
assert_titles (const char *path, const char *const *titles)
{
  g_autoptr (GPtrArray) lines = read_jsonl (path);

  g_assert_cmpuint (lines->len, ==, g_strv_length ((char **) titles));
  for (guint i = 0; i < lines->len; i++)
    g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (lines, i), "title"), ==,
                     titles[i]);
}

static void
test_batch_order (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) lines = NULL;
  g_autofree char *batch = NULL;
  const char *const titles[] = { "a1", "a2", "a3", "a4", "a5", NULL };
  JsonObject *third, *labels;

  batch = tt_write_file (f->tmpdir, "batch.jsonl",
    "{\"title\": \"a1\"}\n"
    "\n"
    "{\"title\": \"a2\", \"body\": \"b2\", \"level\": \"warning\"}\n"
    "{\"title\": \"a3\", \"labels\": {\"host\": \"db2\", \"svc\": \"pg\"}, \"timestamp\": false}\r\n"
    "{\"title\": \"a4\", \"level\": \"success\", \"body\": null}\n"
    "{\"title\": \"a5\", \"level\": \"info\"}");
  run_tocsin (f, NULL, &run, "send", "--config", f->config, "--batch", batch, "--label", "host=db1",
              "--timestamp", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_json (run.out);
  /* a1..a5 on log, and a2 also on nop. */
  json_results (root, 6);
  lines = read_jsonl (f->out);
  g_assert_cmpuint (lines->len, ==, 5);
  for (guint i = 0; i < lines->len; i++)
    {
      const char *title = json_object_get_string_member (g_ptr_array_index (lines, i), "title");
      g_autofree char *suffix = g_strdup_printf (" ::: %s", titles[i]);

      /* --timestamp is the default; a3 turns it off */
      if (i == 2)
        g_assert_cmpstr (title, ==, titles[i]);
      else
        g_assert_true (g_str_has_suffix (title, suffix));
    }
  third = g_ptr_array_index (lines, 2);
  labels = json_object_get_object_member (third, "labels");
  g_assert_cmpstr (json_object_get_string_member (labels, "host"), ==, "db2"); /* line wins */
  g_assert_cmpstr (json_object_get_string_member (labels, "svc"), ==, "pg");
  labels = json_object_get_object_member (g_ptr_array_index (lines, 0), "labels");
  g_assert_cmpstr (json_object_get_string_member (labels, "host"), ==, "db1"); /* the default */
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (lines, 1), "level_name"), ==,
                   "warning");
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (lines, 1), "body"), ==, "b2");
}

static void
test_batch_from_stdin (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  const char *const titles[] = { "s1", "s2", "s3", NULL };

  run_tocsin (f, "{\"title\": \"s1\"}\n{\"title\": \"s2\"}\n{\"title\": \"s3\"}\n", &run, "send",
              "--config", f->config, "--batch", "-", NULL);
  g_assert_cmpint (run.status, ==, 0);
  /* The text report names each alert's input line. */
  g_assert_true (g_regex_match_simple ("^  LINE +CHANNEL +STATUS", run.out, G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^  3 +log +OK", run.out, G_REGEX_MULTILINE, 0));
  assert_titles (f->out, titles);
}

/* Runs a batch whose line 3 is @bad_line and checks that it fails naming the line and sends nothing. */
static void
assert_batch_refused (Fixture *f, const char *bad_line, const char *expected)
{
  g_auto (Run) run = { 0 };
  g_autofree char *input = g_strdup_printf ("{\"title\": \"ok1\"}\n{\"title\": \"ok2\"}\n%s\n"
                                            "{\"title\": \"ok4\"}\n", bad_line);

  run_tocsin (f, input, &run, "send", "--config", f->config, "--batch", "-", NULL);
  assert_refused_run (&run, expected);
  g_assert_true (g_str_has_prefix (run.err, "tocsin: <stdin>:3"));
  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpuint (count_lines (f->out), ==, 0);
}

static void
test_batch_malformed_line (Fixture *f, gconstpointer data)
{
  assert_batch_refused (f, "{\"title\": \"broken\"", "");
  assert_batch_refused (f, "[\"title\"]", "JSON object");
  assert_batch_refused (f, "{\"title\": \"a\"} {\"title\": \"b\"}", "one object per line");
}

static void
test_batch_invalid_alert (Fixture *f, gconstpointer data)
{
  assert_batch_refused (f, "{\"titel\": \"typo\"}", "titel");
  assert_batch_refused (f, "{\"body\": \"no title\"}", "title");
  assert_batch_refused (f, "{\"title\": \"t\", \"level\": \"loud\"}", "info, success, warning, critical");
  assert_batch_refused (f, "{\"title\": \"t\", \"labels\": {\"n\": 1}}", "\"n\"");
  assert_batch_refused (f, "{\"title\": \"t\", \"timestamp\": \"yes\"}", "timestamp");
}

static void
test_batch_named_file_error (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autofree char *batch = tt_write_file (f->tmpdir, "alerts.jsonl", "{\"title\": \"ok\"}\nnope\n");

  run_tocsin (f, NULL, &run, "send", "--config", f->config, "--batch", batch, NULL);
  assert_refused_run (&run, "alerts.jsonl:2");
  g_assert_cmpuint (count_lines (f->out), ==, 0);
}

/* ---- check ---- */

static void
test_check_table (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autofree char *config = tt_write_file (f->tmpdir, "check.xml",
    "<tocsin version=\"1\">\n"
    "  <throttle rate=\"10\" per=\"60\"/>\n"
    "  <channel key=\"hb\" name=\"heartbeat\" type=\"noop\" min-level=\"warning\" workers=\"3\"\n"
    "           timeout=\"4\">\n"
    "    <throttle rate=\"5\" per=\"60\" burst=\"2\"/>\n"
    "  </channel>\n"
    "  <channel key=\"log\" type=\"file\"><path>out.jsonl</path></channel>\n"
    "</tocsin>\n");

  run_tocsin (f, NULL, &run, "check", "--config", config, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "valid, 2 channels"));
  g_assert_true (g_regex_match_simple ("^  KEY +ALIAS +TYPE +MIN-LEVEL +THROTTLE +WORKERS +TIMEOUT$",
                                       run.out, G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^  hb +heartbeat +noop +warning +5/60s burst 2 \\(own\\) +3 +4s$",
                                       run.out, G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^  log +- +file +info +10/60s burst 10 \\(shared\\) +1 +10s$",
                                       run.out, G_REGEX_MULTILINE, 0));

  /* Without a global throttle, a channel without its own is not throttled. */
  run_clear (&run);
  run_tocsin (f, NULL, &run, "check", "--config", f->config, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_regex_match_simple ("^  log +journal +file +info +- +1 +10s$", run.out,
                                       G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^  bad +- +noop +critical +- +1 +10s$", run.out,
                                       G_REGEX_MULTILINE, 0));
}

static void
test_check_invalid_config (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autofree char *config = tt_write_file (f->tmpdir, "broken.xml",
    "<?xml version=\"1.0\"?>\n"
    "<tocsin version=\"1\">\n"
    "  <channel key=\"x\" type=\"file\" min-level=\"loud\"><path>x</path></channel>\n"
    "</tocsin>\n");

  run_tocsin (f, NULL, &run, "check", "--config", config, NULL);
  assert_refused_run (&run, "broken.xml:3");
  g_assert_true (g_str_has_prefix (run.err, "tocsin: "));
  g_assert_cmpstr (run.out, ==, "");
}

/* ---- plugins ---- */

static void
test_plugins_listing (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autofree char *plugindir = tt_build_path ("plugins");
  g_autofree char *dir_line = g_strdup_printf ("\n  %s\n", plugindir);

  run_tocsin (f, NULL, &run, "plugins", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "Search path:\n"));
  g_assert_nonnull (strstr (run.out, dir_line));
  g_assert_nonnull (strstr (run.out, "\nPlugins:\n"));
  g_assert_true (g_regex_match_simple ("^  console \\S+ \\(LGPL-2.1-or-later\\)", run.out,
                                       G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^  file \\S+ \\(", run.out, G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^  noop \\S+ \\(", run.out, G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^    channel types: +console$", run.out,
                                       G_REGEX_MULTILINE, 0));
}

/* With --config, the config's <plugin-path> folders come first on the search path. */
static void
test_plugins_config_path (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autofree char *extra = g_build_filename (f->tmpdir, "extra", NULL);
  g_autofree char *hello = tt_build_path ("tests/plugins/hello.so");
  g_autofree char *copy = g_build_filename (extra, "hello.so", NULL);
  g_autofree char *plugins = tt_build_path ("plugins");
  g_autofree char *contents = NULL;
  g_autofree char *config = NULL;
  g_autofree char *first = g_strdup_printf ("Search path:\n  %s\n", extra);
  g_autoptr (GError) error = NULL;
  gsize length;

  /* The test plugins' folder off the path: hello.so is found only through the config. */
  f->env = g_new0 (char *, 2);
  f->env[0] = g_strconcat ("TOCSIN_PLUGIN_PATH=", plugins, NULL);
  g_assert_cmpint (g_mkdir (extra, 0755), ==, 0);
  g_file_get_contents (hello, &contents, &length, &error);
  g_assert_no_error (error);
  g_file_set_contents_full (copy, contents, (gssize) length, G_FILE_SET_CONTENTS_NONE, 0755, &error);
  g_assert_no_error (error);
  config = tt_write_file (f->tmpdir, "extra.xml",
                          "<tocsin version=\"1\">\n  <plugin-path>extra</plugin-path>\n</tocsin>\n");

  run_tocsin (f, NULL, &run, "plugins", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_null (strstr (run.out, "  hello 1.2.3"));

  run_clear (&run);
  run_tocsin (f, NULL, &run, "plugins", "--config", config, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, first));
  g_assert_true (g_regex_match_simple ("^  hello 1\\.2\\.3 \\(LGPL-2.1-or-later\\): A test plugin",
                                       run.out, G_REGEX_MULTILINE, 0));
  g_assert_nonnull (strstr (run.out, copy));
  /* The other folders are still searched. */
  g_assert_true (g_regex_match_simple ("^  console \\S+ \\(", run.out, G_REGEX_MULTILINE, 0));
}

static void
test_plugins_config_broken (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autofree char *config = tt_write_file (f->tmpdir, "broken.xml",
                                           "<tocsin version=\"1\">\n  <plugin-path/>\n");

  run_tocsin (f, NULL, &run, "plugins", "--config", config, NULL);
  assert_refused_run (&run, "broken.xml:");
  g_assert_cmpstr (run.out, ==, "");
}

/* ---- spool ---- */

#define SPOOL_CONFIG(fail) \
  "<tocsin version=\"1\">\n" \
  "  <spool path=\"spool.db\"/>\n" \
  "  <channel key=\"sp\" type=\"noop\" max-attempts=\"2\" backoff-min=\"0.001\"" \
  " backoff-max=\"0.002\">\n" \
  "    <fail>" fail "</fail>\n" \
  "  </channel>\n" \
  "</tocsin>\n"

/* The deliveries `tocsin spool list --json` shows (transfer full). */
static JsonNode *
spool_list_json (Fixture *f, const char *config)
{
  g_auto (Run) run = { 0 };

  run_tocsin (f, NULL, &run, "spool", "list", "--config", config, "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  return parse_json (run.out);
}

static JsonObject *
spool_entry (JsonNode *root, guint expected_len, guint index)
{
  JsonArray *deliveries = json_object_get_array_member (json_node_get_object (root), "deliveries");

  g_assert_cmpuint (json_array_get_length (deliveries), ==, expected_len);
  return expected_len > 0 ? json_array_get_object_element (deliveries, index) : NULL;
}

/* A failed send leaves a dead letter; list shows it, retry makes it pending, deliver (once the
 * channel works) delivers it and empties the spool. */
static void
test_spool_lifecycle (Fixture *f, gconstpointer data)
{
  g_autofree char *config = tt_write_file (f->tmpdir, "spool.xml", SPOOL_CONFIG ("true"));
  g_autoptr (JsonNode) dead = NULL, pending = NULL, empty = NULL;
  g_auto (Run) run = { 0 };
  JsonObject *entry;

  run_tocsin (f, NULL, &run, "send", "--config", config, "--title", "disk full", NULL);
  g_assert_cmpint (run.status, ==, 1);
  dead = spool_list_json (f, config);
  entry = spool_entry (dead, 1, 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "channel"), ==, "sp");
  g_assert_cmpstr (json_object_get_string_member (entry, "state"), ==, "dead");
  g_assert_cmpint (json_object_get_int_member (entry, "attempts"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (entry, "title"), ==, "disk full");
  g_assert_cmpstr (json_object_get_string_member (entry, "last_error"), ==, "noop: configured to fail");

  run_clear (&run);
  run_tocsin (f, NULL, &run, "spool", "list", "--config", config, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "0 pending, 1 dead"));
  g_assert_true (g_regex_match_simple ("^  \\S+ +sp +dead +2 .* disk full +noop: configured to fail$",
                                       run.out, G_REGEX_MULTILINE, 0));

  run_clear (&run);
  run_tocsin (f, NULL, &run, "spool", "retry", "--config", config, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "1 dead letter made pending again"));
  pending = spool_list_json (f, config);
  entry = spool_entry (pending, 1, 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "state"), ==, "pending");
  g_assert_cmpint (json_object_get_int_member (entry, "attempts"), ==, 0);

  g_free (tt_write_file (f->tmpdir, "spool.xml", SPOOL_CONFIG ("false")));
  run_clear (&run);
  run_tocsin (f, NULL, &run, "spool", "deliver", "--config", config, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "Statistics:\n"));
  g_assert_true (g_regex_match_simple ("^  sp +1 +0 ", run.out, G_REGEX_MULTILINE, 0));
  empty = spool_list_json (f, config);
  spool_entry (empty, 0, 0);
}

/* purge removes dead letters only, or with --all pending ones too; a config without a spool is
 * a usage error that says how to add one. */
static void
test_spool_purge (Fixture *f, gconstpointer data)
{
  g_autofree char *config = tt_write_file (f->tmpdir, "spool.xml", SPOOL_CONFIG ("true"));
  g_autoptr (JsonNode) after = NULL;
  g_auto (Run) run = { 0 };

  for (int i = 0; i < 2; i++)
    {
      run_clear (&run);
      run_tocsin (f, NULL, &run, "send", "--config", config, "--title", "x", NULL);
      g_assert_cmpint (run.status, ==, 1);
    }
  run_clear (&run);
  run_tocsin (f, NULL, &run, "spool", "retry", "--config", config, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
  run_tocsin (f, NULL, &run, "spool", "purge", "--config", config, NULL);
  g_assert_cmpint (run.status, ==, 0);
  after = spool_list_json (f, config);
  spool_entry (after, 2, 0);
  run_clear (&run);
  run_tocsin (f, NULL, &run, "spool", "purge", "--all", "--config", config, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "2 deliveries removed"));

  run_clear (&run);
  run_tocsin (f, NULL, &run, "spool", "list", "--config", f->config, NULL);
  assert_refused_run (&run, "has no spool");
  g_assert_nonnull (strstr (run.err, "<spool path="));
}

/* ---- output and input errors ---- */

/* Runs `sh -c SCRIPT tocsin CONFIG` (the script refers to "$0" and "$1"); returns the exit status
 * and the standard error. */
static int
run_shell (Fixture *f, const char *script, char **err)
{
  g_autofree char *tocsin = tt_build_path ("tocsin");
  const char *argv[] = { "/bin/sh", "-c", script, tocsin, f->config, NULL };
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_spawn_sync (f->tmpdir, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, err, &status,
                &error);
  g_assert_no_error (error);
  g_test_message ("%s: wait status %d, stderr:\n%s", script, status, *err);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

/* Results that cannot be written are not a success: a script would miss them unawares. */
static void
test_output_lost (Fixture *f, gconstpointer data)
{
  static const char *const scripts[] = {
    "exec \"$0\" send --config \"$1\" --title x --json >&-",
    "exec \"$0\" send --config \"$1\" --title x --json >/dev/full",
    /* A reader that goes away (after 10 bytes of some 300 KB): no death by SIGPIPE, and the
     * lost output is reported. */
    "yes '{\"title\": \"x\"}' | head -n 3000 > batch.jsonl; "
    "{ \"$0\" send --config \"$1\" --batch batch.jsonl; echo $? > status; } | head -c 10 "
    ">/dev/null; exit $(cat status)",
  };

  for (guint i = 0; i < G_N_ELEMENTS (scripts); i++)
    {
      g_autofree char *err = NULL;

      g_assert_cmpint (run_shell (f, scripts[i], &err), ==, 3);
      g_assert_nonnull (strstr (err, "cannot write the results to standard output"));
    }
}

/* A NUL byte in a batch would silently end the input there: refused, with its line. */
static void
test_batch_nul_refused (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autofree char *batch = g_build_filename (f->tmpdir, "nul.jsonl", NULL);
  static const char input[] = "{\"title\": \"a\"}\n\0\n{\"title\": \"b\"}\n";
  g_autoptr (GError) error = NULL;

  g_file_set_contents (batch, input, sizeof input - 1, &error);
  g_assert_no_error (error);
  run_tocsin (f, NULL, &run, "send", "--config", f->config, "--batch", batch, NULL);
  assert_refused_run (&run, "nul.jsonl:2: contains a NUL byte");
  g_assert_cmpstr (run.out, ==, "");
}

/* ---- config lookup ---- */

static void
test_config_not_found (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autofree char *xdg_path = g_build_filename (f->xdg, "tocsin", "tocsin.xml", NULL);

  run_tocsin (f, NULL, &run, "send", "--title", "x", NULL);
  assert_refused_run (&run, "TOCSIN_CONFIG");
  g_assert_true (g_str_has_prefix (run.err, "tocsin: "));
  g_assert_nonnull (strstr (run.err, xdg_path));
  g_assert_cmpstr (run.out, ==, "");
}

static void
test_config_explicit_missing (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };

  run_tocsin (f, NULL, &run, "check", "--config", "no-such.xml", NULL);
  assert_refused_run (&run, "no-such.xml");
}

static void
test_config_from_env (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };

  f->env = g_new0 (char *, 2);
  f->env[0] = g_strdup_printf ("TOCSIN_CONFIG=%s", f->config);
  run_tocsin (f, NULL, &run, "send", "--title", "via env", NULL);
  g_assert_cmpint (run.status, ==, 0);
  assert_titles (f->out, (const char *const[]) { "via env", NULL });
}

static void
test_config_from_xdg (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autofree char *dir = g_build_filename (f->xdg, "tocsin", NULL);
  g_autofree char *config = NULL, *out = NULL;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  config = tt_write_file (dir, "tocsin.xml", BASE_CONFIG);
  run_tocsin (f, NULL, &run, "check", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, config));
  run_clear (&run);
  run_tocsin (f, NULL, &run, "send", "--title", "via xdg", NULL);
  g_assert_cmpint (run.status, ==, 0);
  /* Relative paths in the config are relative to its folder. */
  out = g_build_filename (dir, "out.jsonl", NULL);
  assert_titles (out, (const char *const[]) { "via xdg", NULL });
}

/* ---- secrets ---- */

static void
test_redact_credential_in_error (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autofree char *config = tt_write_file (f->tmpdir, "secret.xml",
    "<tocsin version=\"1\">\n"
    "  <credentials>\n"
    "    <credential name=\"p\" type=\"env\" var=\"TT_CLI_SECRET\"/>\n"
    "  </credentials>\n"
    "  <channel key=\"log\" type=\"file\"><path credential=\"p\"/></channel>\n"
    "</tocsin>\n");

  /* The file channel cannot open a path in a missing folder and says which path: the CLI must
   * not show it, since it came from a credential. */
  f->env = g_new0 (char *, 2);
  f->env[0] = g_strdup ("TT_CLI_SECRET=/no-such-dir-hunter2-s3cr3t/x.jsonl");
  run_tocsin (f, NULL, &run, "-v", "send", "--config", config, "--title", "t", "--json", NULL);
  assert_refused_run (&run, "secret.xml:5");
  g_assert_null (strstr (run.err, "hunter2"));
  g_assert_null (strstr (run.out, "hunter2"));
}

/* Every channel and transport with its secrets from credentials, every delivery failing (port 1
 * on loopback refuses connections), the CLI verbose: no secret in any line it prints, at any
 * level, nor in any result. */
static const char *const every_secret[] = {
  "tt-slack-token-4f1a", "tt-hook-path-9b2c", "tt-bearer-77e0", "tt-smtp-pw-31d5",
  "re_tt_resend_5c9e", "tt/aws/secret/8a3f", "tt-aws-token-2d6b", "ya29.tt-gmail-6e41", NULL
};

static void
test_redact_every_channel (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };
  g_autofree char *config = tt_write_file (f->tmpdir, "secrets.xml",
    "<tocsin version=\"1\">\n"
    "  <defaults max-attempts=\"1\"/>\n"
    "  <credentials>\n"
    "    <credential name=\"slack\" type=\"env\" var=\"TT_S1\"/>\n"
    "    <credential name=\"hook\" type=\"env\" var=\"TT_S2\"/>\n"
    "    <credential name=\"bearer\" type=\"env\" var=\"TT_S3\"/>\n"
    "    <credential name=\"smtp\" type=\"env\" var=\"TT_S4\"/>\n"
    "    <credential name=\"resend\" type=\"env\" var=\"TT_S5\"/>\n"
    "    <credential name=\"aws\" type=\"env\" var=\"TT_S6\"/>\n"
    "    <credential name=\"aws_token\" type=\"env\" var=\"TT_S7\"/>\n"
    "    <credential name=\"gmail\" type=\"env\" var=\"TT_S8\"/>\n"
    "    <credential name=\"aws_id\" type=\"env\" var=\"TT_S9\"/>\n"
    "  </credentials>\n"
    "  <channel key=\"slack\" type=\"slack\"><webhook-url credential=\"slack\"/>"
    "<endpoint-pattern>^http://127\\.0\\.0\\.1:1/</endpoint-pattern></channel>\n"
    "  <channel key=\"hook\" type=\"webhook\"><url credential=\"hook\"/>"
    "<header name=\"Authorization\" credential=\"bearer\"/></channel>\n"
    "  <channel key=\"smtp\" type=\"email\"><transport type=\"smtp\"><host>127.0.0.1</host>"
    "<port>1</port><security>none</security><username>u</username>"
    "<password credential=\"smtp\"/></transport>"
    "<sender>a@example.com</sender><recipient>b@example.com</recipient></channel>\n"
    "  <channel key=\"resend\" type=\"email\"><transport type=\"resend\">"
    "<api-key credential=\"resend\"/><base-url>http://127.0.0.1:1</base-url></transport>"
    "<sender>a@example.com</sender><recipient>b@example.com</recipient></channel>\n"
    "  <channel key=\"ses\" type=\"email\"><transport type=\"ses\">"
    "<access-key-id credential=\"aws_id\"/><secret-access-key credential=\"aws\"/>"
    "<session-token credential=\"aws_token\"/><endpoint>http://127.0.0.1:1</endpoint></transport>"
    "<sender>a@example.com</sender><recipient>b@example.com</recipient></channel>\n"
    "  <channel key=\"gmail\" type=\"email\"><transport type=\"gmail\">"
    "<access-token credential=\"gmail\"/><base-url>http://127.0.0.1:1</base-url></transport>"
    "<sender>a@example.com</sender><recipient>b@example.com</recipient></channel>\n"
    "</tocsin>\n");

  f->env = g_new0 (char *, 10);
  f->env[0] = g_strdup ("TT_S1=http://127.0.0.1:1/services/T0/B0/tt-slack-token-4f1a");
  f->env[1] = g_strdup ("TT_S2=http://127.0.0.1:1/tt-hook-path-9b2c?key=x");
  f->env[2] = g_strdup ("TT_S3=Bearer tt-bearer-77e0");
  f->env[3] = g_strdup ("TT_S4=tt-smtp-pw-31d5");
  f->env[4] = g_strdup ("TT_S5=re_tt_resend_5c9e");
  f->env[5] = g_strdup ("TT_S6=tt/aws/secret/8a3f");
  f->env[6] = g_strdup ("TT_S7=tt-aws-token-2d6b");
  f->env[7] = g_strdup ("TT_S8=ya29.tt-gmail-6e41");
  f->env[8] = g_strdup ("TT_S9=AKIDTTCLI");
  run_tocsin (f, NULL, &run, "-v", "send", "--config", config, "--title", "secret test",
              "--level", "critical", "--json", NULL);
  g_assert_cmpint (run.status, ==, 1);
  /* Every channel ran and failed: the test proves something only if the errors were made. */
  g_assert_nonnull (strstr (run.out, "\"failed\" : 6"));
  for (guint i = 0; every_secret[i] != NULL; i++)
    {
      tt_assert_not_contains (run.out, every_secret[i]);
      tt_assert_not_contains (run.err, every_secret[i]);
    }
}

/* ---- logging ---- */

static void
test_log_quiet (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };

  run_tocsin (f, NULL, &run, "send", "--quiet", "--config", f->config, "--title", "t", "--level",
              "critical", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.err, ==, "");
}

static void
test_log_verbose (Fixture *f, gconstpointer data)
{
  g_auto (Run) run = { 0 };

  run_tocsin (f, NULL, &run, "-v", "send", "--config", f->config, "--title", "t", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "tocsin: debug: ["));

  run_clear (&run);
  run_tocsin (f, NULL, &run, "send", "-v", "-q", "--config", f->config, "--title", "t", NULL);
  g_assert_cmpint (run.status, ==, 2);
}

static void
add (const char *path, void (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown);
}

int
main (int argc, char **argv)
{
  tt_init (&argc, &argv);

  add ("/cli/help/top-level", test_help_top_level);
  add ("/cli/help/send-command", test_help_send_command);
  add ("/cli/help/help-command", test_help_help_command);
  add ("/cli/version", test_version);
  add ("/cli/usage/unknown-command", test_usage_unknown_command);
  add ("/cli/usage/unknown-option", test_usage_unknown_option);
  add ("/cli/usage/missing-title", test_usage_missing_title);
  add ("/cli/usage/bad-label", test_usage_bad_label);
  add ("/cli/usage/bad-level", test_usage_bad_level);
  add ("/cli/send/delivered", test_send_delivered);
  add ("/cli/send/json-document", test_send_json_document);
  add ("/cli/send/failure-exit", test_send_failure_exit);
  add ("/cli/redact/every-channel", test_redact_every_channel);
  add ("/cli/send/text-on-failure", test_send_failure_text);
  add ("/cli/send/throttled-exit", test_send_throttled_exit);
  add ("/cli/send/labels-and-timestamp", test_send_labels_and_timestamp);
  add ("/cli/send/body-from-stdin", test_send_body_from_stdin);
  add ("/cli/send/no-channel-matches", test_send_no_channel_matches);
  add ("/cli/target/by-key", test_target_by_key);
  add ("/cli/target/by-alias", test_target_by_alias);
  add ("/cli/target/by-type", test_target_by_type);
  add ("/cli/target/unknown", test_target_unknown);
  add ("/cli/batch/order", test_batch_order);
  add ("/cli/batch/from-stdin", test_batch_from_stdin);
  add ("/cli/batch/malformed-line", test_batch_malformed_line);
  add ("/cli/batch/invalid-alert", test_batch_invalid_alert);
  add ("/cli/batch/named-file-error", test_batch_named_file_error);
  add ("/cli/check/table", test_check_table);
  add ("/cli/check/invalid-config", test_check_invalid_config);
  add ("/cli/plugins/listing", test_plugins_listing);
  add ("/cli/plugins/config-path", test_plugins_config_path);
  add ("/cli/plugins/config-broken", test_plugins_config_broken);
  add ("/cli/spool/lifecycle", test_spool_lifecycle);
  add ("/cli/spool/purge", test_spool_purge);
  add ("/cli/output/lost", test_output_lost);
  add ("/cli/batch/nul-refused", test_batch_nul_refused);
  add ("/cli/config/not-found", test_config_not_found);
  add ("/cli/config/explicit-missing", test_config_explicit_missing);
  add ("/cli/config/from-env", test_config_from_env);
  add ("/cli/config/from-xdg", test_config_from_xdg);
  add ("/cli/redact/credential-in-error", test_redact_credential_in_error);
  add ("/cli/log/quiet", test_log_quiet);
  add ("/cli/log/verbose", test_log_verbose);

  return g_test_run ();
}
