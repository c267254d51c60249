/* test-abi.c: a plugin built against the frozen tocsin 1.0 headers (tests/abi/old-plugin.c,
 * "abi-old") keeps loading and working in the current core. It is loaded the way applications
 * load plugins, through a config file's <plugin-path> and <plugin>, and every check below goes
 * through the 1.0 structures as the plugin laid them out: its descriptor, its classes and its
 * TocsinSettingSpec array (defaults, types, required and repeatable settings, a secret).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "testutil.h"
#include "httpserver.h"

#include <glib/gstdio.h>

#include <tocsin/tocsin-plugin.h>

/* Without a preamble the channel is on this line of the config and its settings follow it. */
#define CHANNEL_LINE 5

typedef struct {
  char *dir; /* a fresh folder with tocsin.xml and the plugin's output file */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = tt_make_tmpdir ();
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  tt_rm_rf (f->dir);
  g_free (f->dir);
}

/* Writes @dir/tocsin.xml: the plugin's folder and name on lines 3-4, @preamble (whole lines,
 * nullable), then one channel with @attrs and @settings (whole lines). */
static char *
write_config (const char *dir, const char *preamble, const char *attrs, const char *settings)
{
  g_autofree char *xml = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                          "<tocsin version=\"1\">\n"
                                          "  <plugin-path>%s</plugin-path>\n"
                                          "  <plugin name=\"abi-old\"/>\n"
                                          "%s"
                                          "  <channel type=\"abi-old\" %s>\n"
                                          "%s"
                                          "  </channel>\n"
                                          "</tocsin>\n",
                                          ABI_OLD_PLUGIN_DIR, preamble ? preamble : "", attrs,
                                          settings);

  return tt_write_file (dir, "tocsin.xml", xml);
}

static TocsinManager *
load_ok (const char *dir, const char *preamble, const char *attrs, const char *settings)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *config = write_config (dir, preamble, attrs, settings);
  TocsinManager *manager = tocsin_manager_new_from_file (config, &error);

  g_assert_no_error (error);
  g_assert_nonnull (manager);
  g_assert_cmpuint (tocsin_manager_get_n_channels (manager), ==, 1);
  return manager;
}

/* Loading must fail with @code and a message containing @fragment and "tocsin.xml:@line:". */
static void
assert_load_fails (const char *dir, const char *settings, int code, guint line,
                   const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *config = write_config (dir, NULL, "key=\"bad\"", settings);
  g_autoptr (TocsinManager) manager = tocsin_manager_new_from_file (config, &error);
  g_autofree char *where = g_strdup_printf ("tocsin.xml:%u:", line);

  g_assert_null (manager);
  g_assert_error (error, TOCSIN_ERROR, code);
  g_test_message ("refused as expected: %s", error->message);
  g_assert_nonnull (strstr (error->message, where));
  g_assert_nonnull (strstr (error->message, fragment));
}

static TocsinResult *
send_one (TocsinManager *manager, TocsinAlert *alert)
{
  g_autoptr (GPtrArray) results = tocsin_manager_send (manager, alert, NULL);

  g_assert_cmpuint (results->len, ==, 1);
  return tocsin_result_ref (g_ptr_array_index (results, 0));
}

static TocsinAlert *
make_alert (const char *title, TocsinLevel level)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new (title);

  tocsin_alert_builder_set_body (builder, "the body");
  tocsin_alert_builder_set_level (builder, level);
  tocsin_alert_builder_add_label (builder, "host", "db1");
  tocsin_alert_builder_add_label (builder, "env", "prod");
  return tocsin_alert_builder_build (builder);
}

/* The lines the plugin wrote into @dir/out.txt (transfer full). */
static char **
read_output (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "out.txt", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (text, "\n"));
  text[strlen (text) - 1] = '\0';
  return g_strsplit (text, "\n", -1);
}

/* ---- tests --------------------------------------------------------------------------------- */

/* The descriptor and both classes, as `tocsin plugins` shows them. */
static void
test_descriptor (void)
{
  const char *const dirs[] = { ABI_OLD_PLUGIN_DIR, NULL };
  g_autoptr (GPtrArray) infos = tocsin_plugin_scan (dirs);
  const TocsinPluginInfo *old = NULL;
  g_autofree char *path = g_build_filename (ABI_OLD_PLUGIN_DIR, "abi-old.so", NULL);

  for (guint i = 0; i < infos->len; i++)
    if (g_strcmp0 (tocsin_plugin_info_get_name (g_ptr_array_index (infos, i)), "abi-old") == 0)
      old = g_ptr_array_index (infos, i);
  g_assert_nonnull (old);
  g_assert_null (tocsin_plugin_info_get_error (old));
  g_assert_cmpstr (tocsin_plugin_info_get_path (old), ==, path);
  g_assert_cmpstr (tocsin_plugin_info_get_version (old), ==, "1.0.0");
  g_assert_cmpstr (tocsin_plugin_info_get_license (old), ==, "LGPL-2.1-or-later");
  g_assert_cmpstr (tocsin_plugin_info_get_description (old), ==,
                   "A plugin built against the frozen tocsin 1.0 headers");
  g_assert_cmpstrv (tocsin_plugin_info_get_channel_types (old),
                    ((const char *const[]) { "abi-old", NULL }));
  g_assert_cmpstrv (tocsin_plugin_info_get_transport_types (old),
                    ((const char *const[]) { "abi-old-mail", NULL }));
}

/* Only the required setting: every other one takes the default the plugin declared. */
static void
test_defaults (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager =
    load_ok (f->dir, NULL, "key=\"old\"", "    <output>out.txt</output>\n");
  g_autoptr (TocsinAlert) alert =
    make_alert ("A title longer than the forty characters of max-title", TOCSIN_LEVEL_CRITICAL);
  g_autoptr (TocsinResult) result = send_one (manager, alert);
  g_autofree char *expected = g_strdup_printf (
    "old|1|critical|A title longer than the forty characters|the body|env=prod,host=db1||%s",
    tocsin_alert_get_id (alert));
  g_auto (GStrv) lines = NULL;

  g_assert_true (tocsin_result_get_success (result));
  g_assert_null (tocsin_result_get_error (result));
  g_assert_cmpstr (tocsin_result_get_message_id (result), ==, "old-1");
  g_clear_pointer (&manager, tocsin_manager_unref);

  lines = read_output (f->dir);
  g_assert_cmpstrv (lines, ((const char *const[]) { expected, "destroyed old after 1", NULL }));
}

/* Every setting given, a secret from a credential, two workers and a timeout: what the plugin
 * reads through the 1.0 config node and context functions, and what it logs (redacted). */
static void
test_settings (Fixture *f, gconstpointer data)
{
  const char *secret = "s3cr3t-abi-old-token";
  g_autofree char *token_file = tt_write_file (f->dir, "token.txt", secret);
  const char *preamble = "  <credentials>\n"
                         "    <credential name=\"old_token\" type=\"file\" path=\"token.txt\"/>\n"
                         "  </credentials>\n";
  const char *settings = "    <output>out.txt</output>\n"
                         "    <prefix>p</prefix>\n"
                         "    <max-title>5</max-title>\n"
                         "    <upper>yes</upper>\n"
                         "    <retry-after>2.5</retry-after>\n"
                         "    <fail-from>critical</fail-from>\n"
                         "    <token credential=\"old_token\"/>\n"
                         "    <tag name=\"team\">ops</tag>\n"
                         "    <tag name=\"site\">par</tag>\n";
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlert) info = make_alert ("hello world", TOCSIN_LEVEL_INFO);
  g_autoptr (TocsinAlert) critical = make_alert ("boom", TOCSIN_LEVEL_CRITICAL);
  g_autoptr (TocsinResult) ok = NULL;
  g_autoptr (TocsinResult) failed = NULL;
  g_autofree char *log = NULL;
  g_autofree char *ready = NULL;
  g_autofree char *expected = NULL;
  g_auto (GStrv) lines = NULL;

  g_assert_cmpint (g_chmod (token_file, 0600), ==, 0); /* else the core warns about the mode */
  tt_log_capture_start ();
  manager = load_ok (f->dir, preamble, "key=\"k\" workers=\"2\" timeout=\"7\" max-attempts=\"1\"",
                     settings);
  log = tt_log_capture_stop ();
  g_test_message ("%s", log);
  ready = g_strdup_printf ("abi-old: channel k of <channel> at %s/tocsin.xml:%d ready: timeout "
                           "7 s, 2 worker(s), core plugin ABI 1.%d, 2 tag(s), token ",
                           f->dir, CHANNEL_LINE + 3, TOCSIN_PLUGIN_ABI_MINOR);
  g_assert_nonnull (strstr (log, ready));
  g_assert_nonnull (strstr (log, "(from a credential)"));
  g_assert_null (strstr (log, secret));
  g_assert_cmpuint (tocsin_channel_get_workers (tocsin_manager_get_channel (manager, 0)), ==, 2);

  ok = send_one (manager, info);
  g_assert_true (tocsin_result_get_success (ok));
  g_assert_cmpstr (tocsin_result_get_message_id (ok), ==, "p-1");

  failed = send_one (manager, critical);
  g_assert_false (tocsin_result_get_success (failed));
  g_assert_nonnull (strstr (tocsin_result_get_error (failed), "refusing critical alerts"));
  g_assert_true (tocsin_result_get_retryable (failed));
  g_assert_cmpfloat (tocsin_result_get_retry_after (failed), ==, 2.5);
  g_clear_pointer (&manager, tocsin_manager_unref);

  expected = g_strdup_printf ("k|1|info|HELLO|the body|env=prod,host=db1|team=ops,site=par|%s",
                              tocsin_alert_get_id (info));
  lines = read_output (f->dir);
  g_assert_cmpstrv (lines, ((const char *const[]) { expected, "destroyed k after 2", NULL }));
}

/* The core checks the settings against the plugin's 1.0 TocsinSettingSpec array, and the
 * plugin's own errors cite the line at fault. */
static void
test_refused (Fixture *f, gconstpointer data)
{
  guint first = CHANNEL_LINE + 1;

  assert_load_fails (f->dir, "    <prefix>p</prefix>\n", TOCSIN_ERROR_MISSING_SETTING,
                     CHANNEL_LINE, "output");
  assert_load_fails (f->dir, "    <output>o</output>\n    <colour>red</colour>\n",
                     TOCSIN_ERROR_UNKNOWN_SETTING, first + 1, "colour");
  assert_load_fails (f->dir, "    <output>o</output>\n    <max-title>many</max-title>\n",
                     TOCSIN_ERROR_INVALID_VALUE, first + 1, "max-title");
  assert_load_fails (f->dir, "    <output>o</output>\n    <upper>perhaps</upper>\n",
                     TOCSIN_ERROR_INVALID_VALUE, first + 1, "upper");
  assert_load_fails (f->dir, "    <output>o</output>\n    <fail-from>often</fail-from>\n",
                     TOCSIN_ERROR_INVALID_VALUE, first + 1, "fail-from");
  assert_load_fails (f->dir, "    <output>o</output>\n    <prefix>a</prefix>\n"
                     "    <prefix>b</prefix>\n", TOCSIN_ERROR_CONFIG_INVALID, first + 2, "prefix");
  /* From the plugin itself, through tocsin_config_node_set_error(). */
  assert_load_fails (f->dir, "    <output>o</output>\n    <max-title>0</max-title>\n",
                     TOCSIN_ERROR_INVALID_VALUE, first + 1,
                     "abi-old: <max-title> must be at least 1");
  assert_load_fails (f->dir, "    <output>o</output>\n    <tag>x</tag>\n",
                     TOCSIN_ERROR_CONFIG_INVALID, first + 1, "abi-old: <tag> needs a name");
}

/* Four workers call the plugin's send at once (it declares THREAD_SAFE). */
static void
test_concurrent (Fixture *f, gconstpointer data)
{
  const guint n = 200;
  g_autoptr (TocsinManager) manager =
    load_ok (f->dir, NULL, "key=\"c\" workers=\"4\"", "    <output>out.txt</output>\n");
  g_autoptr (GPtrArray) alerts =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tocsin_alert_unref);
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto (GStrv) lines = NULL;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (alerts, make_alert ("many", TOCSIN_LEVEL_INFO));
  results = tocsin_manager_send_many (manager, (TocsinAlert *const *) alerts->pdata, n, NULL);
  g_assert_cmpuint (results->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      TocsinResult *result = g_ptr_array_index (results, i);

      g_assert_true (tocsin_result_get_success (result));
      g_assert_true (g_hash_table_add (ids, (gpointer) tocsin_result_get_message_id (result)));
    }
  g_clear_pointer (&manager, tocsin_manager_unref);
  lines = read_output (f->dir);
  g_assert_cmpuint (g_strv_length (lines), ==, n + 1);
  g_assert_cmpstr (lines[n], ==, "destroyed c after 200");
}

/* The 1.0 HTTP client functions: a POST to a loopback server, the response's header as
 * message id, and a 503 with Retry-After marking the result retryable. */
static void
test_http (Fixture *f, gconstpointer data)
{
  g_autoptr (TtHttpServer) server = tt_http_server_new (FALSE);
  g_autofree char *settings = g_strdup_printf ("    <output>out.txt</output>\n"
                                               "    <url>%s/hook</url>\n",
                                               tt_http_server_get_url (server));
  g_autoptr (TocsinManager) manager = load_ok (f->dir, NULL, "key=\"h\" max-attempts=\"1\"", settings);
  g_autoptr (TocsinAlert) first = make_alert ("first", TOCSIN_LEVEL_WARNING);
  g_autoptr (TocsinAlert) second = make_alert ("second", TOCSIN_LEVEL_WARNING);
  g_autoptr (TocsinResult) ok = NULL;
  g_autoptr (TocsinResult) busy = NULL;
  const TtHttpRequest *request;

  tt_http_server_push_response (server, 200, "X-Message-Id: srv-7", NULL);
  tt_http_server_push_response (server, 503, "Retry-After: 3", "busy");
  ok = send_one (manager, first);
  g_assert_true (tocsin_result_get_success (ok));
  g_assert_cmpstr (tocsin_result_get_message_id (ok), ==, "srv-7");
  request = tt_http_server_get_request (server, 0);
  g_assert_cmpstr (tt_http_request_get_method (request), ==, "POST");
  g_assert_cmpstr (tt_http_request_get_path (request), ==, "/hook");
  g_assert_cmpstr (tt_http_request_get_body (request, NULL), ==, "first");
  g_assert_cmpstr (tt_http_request_get_header (request, "X-Alert-Id"), ==,
                   tocsin_alert_get_id (first));

  busy = send_one (manager, second);
  g_assert_false (tocsin_result_get_success (busy));
  g_assert_true (tocsin_result_get_retryable (busy));
  g_assert_cmpfloat (tocsin_result_get_retry_after (busy), ==, 3);
  g_assert_nonnull (strstr (tocsin_result_get_error (busy), "503"));
}

int
main (int argc, char **argv)
{
  /* Requests to the loopback server go straight there (before any thread starts). */
  const char *const proxies[] = { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                                  "all_proxy", "ALL_PROXY", NULL };

  for (guint i = 0; proxies[i] != NULL; i++)
    g_unsetenv (proxies[i]);
  tt_init (&argc, &argv);

  g_test_add_func ("/abi/old-plugin/descriptor", test_descriptor);
  g_test_add ("/abi/old-plugin/defaults", Fixture, NULL, fixture_setup, test_defaults,
              fixture_teardown);
  g_test_add ("/abi/old-plugin/settings", Fixture, NULL, fixture_setup, test_settings,
              fixture_teardown);
  g_test_add ("/abi/old-plugin/refused-settings", Fixture, NULL, fixture_setup, test_refused,
              fixture_teardown);
  g_test_add ("/abi/old-plugin/concurrent", Fixture, NULL, fixture_setup, test_concurrent,
              fixture_teardown);
  g_test_add ("/abi/old-plugin/http", Fixture, NULL, fixture_setup, test_http, fixture_teardown);
  return g_test_run ();
}
