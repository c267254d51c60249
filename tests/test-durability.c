/* test-durability.c: the spool keeps alerts across a crash. A `tocsin send --batch` process posts
 * N alerts to a slow webhook sink (a real HTTP server on loopback), is killed with SIGKILL while
 * delivering, and `tocsin spool deliver` with the same spool then delivers what was left: the
 * sink must have received every alert at least once, and a duplicate (an alert whose delivery
 * was cut short by the kill) carries the same Idempotency-Key as its first copy.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "httpserver.h"
#include "testutil.h"

#include <gio/gio.h>
#include <string.h>

#define N_ALERTS 20

typedef struct {
  char *dir;
  TtHttpServer *sink;
  char *config;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = NULL;
  g_autoptr (GString) batch = g_string_new (NULL);

  f->dir = tt_make_tmpdir ();
  f->sink = tt_http_server_new (FALSE);
  xml = g_strdup_printf ("<tocsin version=\"1\">\n"
                         "  <spool path=\"spool.db\"/>\n"
                         "  <channel key=\"hook\" type=\"webhook\" max-attempts=\"3\" backoff-min=\"0.01\""
                         " backoff-max=\"0.05\">\n"
                         "    <url>%s/alerts</url>\n"
                         "  </channel>\n"
                         "</tocsin>\n", tt_http_server_get_url (f->sink));
  f->config = tt_write_file (f->dir, "tocsin.xml", xml);
  for (int i = 0; i < N_ALERTS; i++)
    g_string_append_printf (batch, "{\"title\": \"alert %02d\", \"level\": \"warning\"}\n", i);
  g_free (tt_write_file (f->dir, "batch.jsonl", batch->str));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  tt_http_server_free (f->sink);
  tt_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->config);
}

static GSubprocess *
spawn_tocsin (Fixture *f, GError **error, ...)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, tt_build_path ("tocsin"));
  va_start (args, error);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_cwd (launcher, f->dir);
  g_subprocess_launcher_unsetenv (launcher, "TOCSIN_CONFIG");
  return g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, error);
}

/* Waits, looking every few milliseconds, until the sink has received @n requests. */
static void
wait_requests (Fixture *f, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (tt_http_server_get_n_requests (f->sink) < n)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the sink received %u requests, not %u, in 30 s",
                 tt_http_server_get_n_requests (f->sink), n);
      g_usleep (5 * G_TIME_SPAN_MILLISECOND);
    }
}

static void
test_kill_and_restart (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) first = NULL;
  g_autoptr (GSubprocess) second = NULL;
  g_autoptr (GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint duplicates = 0;

  /* Slow: each request takes 100 ms, so the kill lands mid-flight. */
  tt_http_server_set_default (f->sink, TT_HTTP_DELAY, 100, 200, NULL, "ok");
  first = spawn_tocsin (f, &error, "send", "--config", f->config, "--batch", "batch.jsonl", NULL);
  g_assert_no_error (error);
  wait_requests (f, 3);
  g_subprocess_force_exit (first);
  g_assert_true (g_subprocess_wait (first, NULL, &error));
  g_assert_true (g_subprocess_get_if_signaled (first));
  g_assert_cmpuint (tt_http_server_get_n_requests (f->sink), <, N_ALERTS);

  /* The same spool, a new process: it delivers what the first one left. */
  tt_http_server_set_default (f->sink, TT_HTTP_NORMAL, 0, 200, NULL, "ok");
  second = spawn_tocsin (f, &error, "spool", "deliver", "--config", f->config, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (second, NULL, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < tt_http_server_get_n_requests (f->sink); i++)
    {
      const TtHttpRequest *request = tt_http_server_get_request (f->sink, i);
      g_autoptr (JsonObject) object = tt_parse_json_object (tt_http_request_get_body (request, NULL));
      const char *title = json_object_get_string_member (object, "title");
      const char *key = tt_http_request_get_header (request, "Idempotency-Key");
      const char *seen = g_hash_table_lookup (keys, title);

      g_assert_nonnull (key);
      if (seen != NULL)
        {
          /* Delivered twice (the kill came between the sink's answer and the spool's record):
           * the receiver can tell, since the key is the same. */
          g_assert_cmpstr (seen, ==, key);
          duplicates++;
        }
      else
        g_hash_table_insert (keys, g_strdup (title), g_strdup (key));
    }
  g_test_message ("%u requests for %d alerts, %u duplicates", tt_http_server_get_n_requests (f->sink),
                  N_ALERTS, duplicates);
  g_assert_cmpuint (g_hash_table_size (keys), ==, N_ALERTS);
  for (int i = 0; i < N_ALERTS; i++)
    {
      g_autofree char *title = g_strdup_printf ("alert %02d", i);
      g_assert_true (g_hash_table_contains (keys, title));
    }
}

int
main (int argc, char **argv)
{
  tt_unset_proxy_env ();
  tt_init (&argc, &argv);
  g_test_add ("/durability/kill-and-restart", Fixture, NULL, fixture_setup, test_kill_and_restart,
              fixture_teardown);
  return g_test_run ();
}
