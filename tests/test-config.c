/* test-config.c: the XML configuration: the default config, every refusal (with its line), the
 * rules (keys, levels, clamps, paths), credentials, the lookup order, and the settings view
 * plugins get (TocsinConfigNode getters and the check against a class's declared settings).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <tocsin/tocsin-plugin.h>

/* The tests look at what a load produced (throttle values, paths) through the private structs;
 * they only read fields, and call no private function but the header's inline
 * priv_tocsin_config_find(). */
#include "../core/config-private.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static char *
fixture_path (const char *name)
{
  return g_build_filename (TOCSIN_SOURCE_DIR, "tests", "data", "config", name, NULL);
}

/* A config file of tests/data/config that is refused, and what the message must say. */
typedef struct {
  const char *file;
  int code;
  const char *expected[3]; /* parts of the message, NULL-terminated */
} RefusedFixture;

static void
test_fixture_refused (gconstpointer data)
{
  const RefusedFixture *c = data;
  g_autofree char *path = fixture_path (c->file);
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = tocsin_config_new_from_file (path, &error);

  g_assert_null (config);
  tt_assert_error (error, c->code, NULL);
  for (guint i = 0; c->expected[i] != NULL; i++)
    tt_assert_contains (error->message, c->expected[i]);
}

static TocsinChannelSpec *
channel_at (TocsinConfig *config, guint index)
{
  g_assert_cmpuint (index, <, config->channels->len);
  return config->channels->pdata[index];
}

/* The fixture's dir is a fresh temporary folder. */
typedef TtDirFixture Fixture;

/* Writes @xml to @f->dir/@name and loads it. */
static TocsinConfig *
load_text (Fixture *f, const char *name, const char *xml, GError **error)
{
  g_autofree char *path = tt_write_file (f->dir, name, xml);

  return tocsin_config_new_from_file (path, error);
}

/* ---- the "probe" channel class: declares one setting of each kind ----------------------- */

static const char *const colours[] = { "red", "green", NULL };
static const char *const limit_attributes[] = { "unit", NULL };
static const char *const transport_attributes[] = { "kind", NULL };
static const TocsinSettingSpec probe_settings[] = {
  { "name", TOCSIN_SETTING_STRING, TOCSIN_SETTING_REQUIRED, NULL, "who the probe is" },
  { "count", TOCSIN_SETTING_INT, 0, "3", NULL },
  { "ratio", TOCSIN_SETTING_DOUBLE, 0, "0.5", NULL },
  { "enabled", TOCSIN_SETTING_BOOLEAN, 0, "yes", NULL },
  { "colour", TOCSIN_SETTING_CHOICE, 0, "red", NULL, colours },
  { "file", TOCSIN_SETTING_PATH, 0, "default.out", NULL },
  { "token", TOCSIN_SETTING_STRING, TOCSIN_SETTING_SECRET, NULL, NULL },
  { "tag", TOCSIN_SETTING_STRING, TOCSIN_SETTING_REPEATABLE, NULL, NULL },
  { "limit", TOCSIN_SETTING_INT, 0, NULL, NULL, NULL, limit_attributes },
  { "transport", TOCSIN_SETTING_ELEMENT, 0, NULL, NULL, NULL, transport_attributes },
  { NULL }
};

/* The node the last probe channel was created from; valid while its manager lives. */
static const TocsinConfigNode *probe_node;

static gpointer
probe_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  probe_node = config;
  return GINT_TO_POINTER (1);
}

static gboolean
probe_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  return TRUE;
}

static void
probe_destroy (gpointer instance)
{
}

static const TocsinChannelClass probe_class = {
  sizeof (TocsinChannelClass), 0, "probe", "a channel whose settings the tests inspect",
  probe_settings, probe_create, probe_send, probe_destroy, { NULL }
};

/* Builds a manager over one probe channel whose settings are @settings (XML), from data. */
static TocsinManager *
probe_manager (const char *settings, GError **error)
{
  g_autofree char *xml = g_strdup_printf ("<?xml version=\"1.0\"?>\n"
                                          "<tocsin version=\"1\">\n"
                                          "  <channel key=\"p\" type=\"probe\">\n"
                                          "%s"
                                          "  </channel>\n"
                                          "</tocsin>\n", settings);
  g_autoptr (TocsinConfig) config = tocsin_config_new_from_data (xml, -1, "/srv/base", error);

  probe_node = NULL;
  return config ? tocsin_manager_new_from_config (config, error) : NULL;
}

/* Settings at line 4 onwards of probe_manager()'s document. */
static char *
probe_error (const char *settings, int code)
{
  g_autoptr (GError) error = NULL;
  TocsinManager *manager = probe_manager (settings, &error);

  g_assert_null (manager);
  g_assert_error (error, TOCSIN_ERROR, code);
  g_test_message ("%s", error->message);
  return g_strdup (error->message);
}

/* ---- the default config ----------------------------------------------------------------- */

static void
test_default_valid (void)
{
  g_autofree char *path = tt_source_path ("etc/tocsin.xml");
  g_autofree char *expected_log = tt_source_path ("etc/alerts.jsonl");
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = tocsin_config_new_from_file (path, &error);
  TocsinChannelSpec *console, *log;

  g_assert_no_error (error);
  g_assert_cmpuint (tocsin_config_get_n_channels (config), ==, 2);
  g_assert_cmpstr (tocsin_config_get_path (config), ==, path);
  g_assert_null (tocsin_config_get_plugin_paths (config)[0]);
  g_assert_false (config->has_throttle);
  console = channel_at (config, 0);
  log = channel_at (config, 1);
  g_assert_cmpstr (console->key, ==, "console");
  g_assert_cmpstr (console->type, ==, "console");
  g_assert_cmpint (console->min_level, ==, TOCSIN_LEVEL_INFO);
  g_assert_cmpstr (tocsin_config_node_get_string (console->node, "stream"), ==, "stderr");
  g_assert_cmpstr (log->key, ==, "log");
  g_assert_cmpstr (log->type, ==, "file");
  g_assert_cmpfloat (log->timeout, ==, TOCSIN_CHANNEL_TIMEOUT_DEFAULT);
  g_assert_cmpuint (log->workers, ==, 1);
  g_assert_null (log->throttle);
  {
    g_autofree char *file = tocsin_config_node_dup_path (log->node, "path");
    g_assert_cmpstr (file, ==, expected_log);
  }
}

/* A copy of etc/tocsin.xml in @dir, so that its file channel writes there, not into the
 * source tree. Returns its path (transfer full). */
static char *
copy_default_config (const char *dir)
{
  g_autofree char *source = tt_source_path ("etc/tocsin.xml");
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (source, &contents, NULL, &error);
  g_assert_no_error (error);
  return tt_write_file (dir, "tocsin.xml", contents);
}

/* The default config builds a working manager with the console and file plugins. */
static void
test_default_manager (Fixture *f, gconstpointer data)
{
  g_autofree char *path = copy_default_config (f->dir);
  g_autoptr (GError) error = NULL;
  TocsinManager *manager = tocsin_manager_new_from_file (path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (tocsin_manager_get_n_channels (manager), ==, 2);
  g_assert_nonnull (tocsin_manager_find_channel (manager, "log"));
  tocsin_manager_unref (manager);
}

/* ---- parse errors ----------------------------------------------------------------------- */

static const RefusedFixture parse_not_xml = {
  "not-xml.xml", TOCSIN_ERROR_CONFIG_PARSE,
  { "not-xml.xml:1: not well-formed XML" }
};

/* The parser notices at the end of the data (line 8) that <path> of line 7 never closed. */
static const RefusedFixture parse_truncated = {
  "truncated.xml", TOCSIN_ERROR_CONFIG_PARSE,
  { "truncated.xml:8: not well-formed XML", "line 7" }
};

static const RefusedFixture parse_empty = {
  "empty.xml", TOCSIN_ERROR_CONFIG_PARSE,
  { "empty.xml:1: the file is empty", "<tocsin version=\"1\">" }
};

static void
test_parse_blank_data (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = tocsin_config_new_from_data ("  \n\n ", -1, NULL, &error);

  tt_assert_error (error, TOCSIN_ERROR_CONFIG_PARSE, "<data>:1: the file is empty", NULL);
}

static void
test_parse_missing_file (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "nope.xml", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = tocsin_config_new_from_file (path, &error);

  tt_assert_error (error, TOCSIN_ERROR_CONFIG_NOT_FOUND, "nope.xml", NULL);
}

/* A config path naming something else than a regular file fails at once: a FIFO without a
 * writer would block the read forever, /dev/zero would fill the memory. */
static void
assert_not_read (const char *path, const char *problem)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = tocsin_config_new_from_file (path, &error);

  g_assert_null (config);
  tt_assert_error (error, TOCSIN_ERROR_IO, path, problem, "16 MiB", NULL);
}

static void
test_read_fifo (Fixture *f, gconstpointer data)
{
  g_autofree char *fifo = g_build_filename (f->dir, "tocsin.xml", NULL);

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  assert_not_read (fifo, "is not a regular file");
}

static void
test_read_dev_zero (void)
{
  assert_not_read ("/dev/zero", "is not a regular file");
}

/* A sparse file: one byte over the limit, without writing 16 MiB. */
static void
test_read_oversize (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "huge.xml", NULL);
  int fd = g_open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 16 * 1024 * 1024 + 1), ==, 0);
  g_assert_cmpint (close (fd), ==, 0);
  assert_not_read (path, "is larger than 16 MiB");
}

/* An external entity naming a FIFO and a URL on a loopback listener: were the parser to read
 * the FIFO, it would block forever (no writer); were it to fetch the URL, the listener would
 * have a connection waiting. Neither happens: the DOCTYPE is refused before any of it. */
static void
test_parse_doctype_external (Fixture *f, gconstpointer data)
{
  g_autofree char *fifo = g_build_filename (f->dir, "passwd", NULL);
  g_autoptr (GSocket) listener = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GSocket) accepted = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;
  g_autofree char *xml = NULL;
  guint port;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                           &error);
  g_assert_no_error (error);
  g_socket_bind (listener, any, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  xml = g_strdup_printf ("<?xml version=\"1.0\"?>\n"
                         "<!DOCTYPE tocsin [\n"
                         "  <!ENTITY file SYSTEM \"file://%s\">\n"
                         "  <!ENTITY net SYSTEM \"http://127.0.0.1:%u/x.xml\">\n"
                         "]>\n"
                         "<tocsin version=\"1\">\n"
                         "  <channel key=\"c\" type=\"console\">\n"
                         "    <stream>&file;&net;</stream>\n"
                         "  </channel>\n"
                         "</tocsin>\n", fifo, port);

  config = load_text (f, "xxe.xml", xml, &error);
  g_assert_null (config);
  tt_assert_error (error, TOCSIN_ERROR_CONFIG_INVALID,
                   "xxe.xml:2: a <!DOCTYPE> declaration is not allowed",
                   "external entities", NULL);

  g_socket_set_blocking (listener, FALSE);
  g_clear_error (&error);
  accepted = g_socket_accept (listener, NULL, &error);
  g_assert_null (accepted);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
}

/* A DOCTYPE with only an external subset is refused the same way (no DTD is ever fetched). */
static void
test_parse_doctype_system (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config =
    load_text (f, "dtd.xml",
               "<?xml version=\"1.0\"?>\n"
               "\n"
               "<!DOCTYPE tocsin SYSTEM \"http://127.0.0.1:9/tocsin.dtd\">\n"
               "<tocsin version=\"1\"/>\n", &error);

  tt_assert_error (error, TOCSIN_ERROR_CONFIG_INVALID,
                   "dtd.xml:3: a <!DOCTYPE> declaration is not allowed", NULL);
}

static const RefusedFixture parse_billion_laughs = {
  "billion-laughs.xml", TOCSIN_ERROR_CONFIG_INVALID,
  { "billion-laughs.xml:2: a <!DOCTYPE> declaration is not allowed", "billion laughs" }
};

/* Without a DOCTYPE an entity is simply undefined; the predefined ones still work. */
static void
test_parse_entities (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;

  config = tocsin_config_new_from_data ("<tocsin version=\"1\">\n"
                                        "  <channel key=\"c\" type=\"console\">\n"
                                        "    <stream>&x;</stream>\n"
                                        "  </channel>\n"
                                        "</tocsin>\n", -1, NULL, &error);
  tt_assert_error (error, TOCSIN_ERROR_CONFIG_PARSE, "<data>:3: not well-formed XML", NULL);
  g_clear_error (&error);

  config = tocsin_config_new_from_data ("<tocsin version=\"1\">\n"
                                        "  <channel key=\"c\" type=\"console\">\n"
                                        "    <title a=\"&lt;&#65;&gt;\">"
                                        "a &amp; b<![CDATA[ <c>]]></title>\n"
                                        "  </channel>\n"
                                        "</tocsin>\n", -1, NULL, &error);
  g_assert_no_error (error);
  {
    const TocsinConfigNode *title = tocsin_config_node_get_child (channel_at (config, 0)->node,
                                                                  "title");
    g_assert_cmpstr (tocsin_config_node_get_text (title), ==, "a & b <c>");
    g_assert_cmpstr (tocsin_config_node_get_attribute (title, "a"), ==, "<A>");
  }
}

/* ---- root and schema -------------------------------------------------------------------- */

static const RefusedFixture root_unknown = {
  "unknown-root.xml", TOCSIN_ERROR_CONFIG_INVALID,
  { "unknown-root.xml:3: the root element is <configuration>" }
};

static const RefusedFixture root_wrong_version = {
  "wrong-version.xml", TOCSIN_ERROR_CONFIG_INVALID,
  { "wrong-version.xml:3: element <tocsin>: version=\"2\" is not supported" }
};

static void
test_root_missing_version (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = tocsin_config_new_from_data ("<tocsin/>", -1, NULL, &error);

  tt_assert_error (error, TOCSIN_ERROR_CONFIG_INVALID,
                   "<data>:1: element <tocsin>: the attribute version=\"1\" is required", NULL);
}

static const RefusedFixture schema_missing_key = {
  "missing-key.xml", TOCSIN_ERROR_CONFIG_INVALID,
  { "missing-key.xml:5: element <channel>: the attribute key= is missing" }
};

static const RefusedFixture schema_unknown_element = {
  "unknown-element.xml", TOCSIN_ERROR_CONFIG_INVALID,
  { "unknown-element.xml:4: element <chanel>: not allowed inside <tocsin>",
    "<plugin-path>, <plugin>, <credentials>, <throttle>, <defaults>, <spool>, <channel>" }
};

/* libxml2 numbers an element by the line its start tag ends on. */
static const RefusedFixture schema_unknown_attribute = {
  "unknown-attribute.xml", TOCSIN_ERROR_CONFIG_INVALID,
  { "unknown-attribute.xml:4: element <channel>: the attribute level= is "
    "not allowed",
    "min-level=" }
};

static const RefusedFixture schema_bad_workers = {
  "bad-workers.xml", TOCSIN_ERROR_CONFIG_INVALID,
  { "bad-workers.xml:3: element <channel>: workers=\"0\" is not valid", "1 to 64" }
};

static const RefusedFixture schema_bad_number = {
  "bad-number.xml", TOCSIN_ERROR_CONFIG_INVALID,
  { "bad-number.xml:4: element <throttle>: rate=\"ten\" is not valid" }
};

static const RefusedFixture schema_two_throttles = {
  "two-throttles.xml", TOCSIN_ERROR_CONFIG_INVALID,
  { "two-throttles.xml:6: element <throttle>: <channel> takes at most one "
    "<throttle>; the first one is on line 4" }
};

static const RefusedFixture schema_plugin_name = {
  "bad-plugin-name.xml", TOCSIN_ERROR_CONFIG_INVALID,
  { "bad-plugin-name.xml:3: element <plugin>: name=\"../../tmp/evil\" is " "not valid" }
};

/* Smaller schema cases, from data: each names the element, its line and what was expected. */
static void
test_schema_misc (void)
{
  static const struct {
    const char *body; /* the content of <tocsin>, from line 2 */
    const char *expected;
  } cases[] = {
    { "\n<plugin name=\"a\" path=\"b.so\"/>", "<data>:3: element <plugin>: give exactly one of" },
    { "<plugin/>", "<data>:2: element <plugin>: give exactly one of" },
    { "\n<plugin name=\"a\">text</plugin>", "<data>:3: element <plugin>: text is not allowed" },
    { "<plugin-path/>", "<data>:2: element <plugin-path>: it is empty" },
    { "<credentials>\n<credential name=\"a\" type=\"env\" path=\"x\"/></credentials>",
      "<data>:3: element <credential>: type=\"env\" takes var=" },
    { "<credentials>\n<credential name=\"a\" type=\"vault\" var=\"X\"/></credentials>",
      "<data>:3: element <credential>: type=\"vault\" is not valid; expected env or file" },
    { "<credentials><channel key=\"a\" type=\"b\"/></credentials>",
      "element <channel>: not allowed inside <credentials>; expected one of <credential>" },
    { "<throttle/>\n<throttle/>", "<data>:3: element <throttle>: <tocsin> takes at most one" },
    { "<channel key=\"a\" type=\"b\">\n<throttle><x/></throttle></channel>",
      "<data>:3: element <x>: not allowed inside <throttle>; <throttle> takes no child elements" },
    { "<channel key=\".a\" type=\"b\"/>", "element <channel>: key=\".a\" is not valid" },
    { "<channel key=\"a\" type=\"Slack\"/>", "element <channel>: type=\"Slack\" is not valid" },
    { "<channel key=\"a\" type=\"b\">oops</channel>", "element <channel>: text is not allowed" },
    { "<x:channel xmlns:x=\"urn:x\" key=\"a\" type=\"b\"/>",
      "element <channel>: not allowed inside <tocsin>" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *xml = g_strdup_printf ("<tocsin version=\"1\">\n%s\n</tocsin>\n",
                                              cases[i].body);
      g_autoptr (GError) error = NULL;
      g_autoptr (TocsinConfig) config = tocsin_config_new_from_data (xml, -1, NULL, &error);

      tt_assert_error (error, TOCSIN_ERROR_CONFIG_INVALID, cases[i].expected, NULL);
    }
}

/* A secret written in the wrong place is not echoed back in the error. */
static void
test_schema_secret_not_quoted (void)
{
  static const char *const bodies[] = {
    "<credentials><credential name=\"a\" type=\"env\" var=\"X\">Pasted-Secret-1</credential>"
    "</credentials>",
    "<credentials><credential name=\"a\" type=\"env\" var=\"Pasted-Secret-1/x\"/></credentials>",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autofree char *xml = g_strdup_printf ("<tocsin version=\"1\">\n%s\n</tocsin>\n", bodies[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (TocsinConfig) config = tocsin_config_new_from_data (xml, -1, NULL, &error);

      tt_assert_error (error, TOCSIN_ERROR_CONFIG_INVALID, "<data>:2: element <credential>:", NULL);
      tt_assert_not_contains (error->message, "Pasted-Secret-1");
    }
}

/* ---- the rules -------------------------------------------------------------------------- */

static const RefusedFixture rules_duplicate_key = {
  "duplicate-key.xml", TOCSIN_ERROR_DUPLICATE_KEY,
  { "duplicate-key.xml:7: channel 'ops': key 'ops' is already the key of "
    "channel 'ops' on line 3" }
};

static const RefusedFixture rules_duplicate_alias = {
  "duplicate-alias.xml", TOCSIN_ERROR_DUPLICATE_KEY,
  { "duplicate-alias.xml:5: channel 'heartbeat': key 'heartbeat' is already "
    "the alias of channel 'hb' on line 3" }
};

static void
test_rules_alias_twice (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;

  /* An alias equal to the channel's own key is harmless... */
  config = tocsin_config_new_from_data ("<tocsin version=\"1\">\n"
                                        "  <channel key=\"a\" name=\"a\" type=\"x\"/>\n"
                                        "</tocsin>", -1, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&config, tocsin_config_unref);
  /* ...but two channels may not share an alias. */
  config = tocsin_config_new_from_data ("<tocsin version=\"1\">\n"
                                        "  <channel key=\"a\" name=\"z\" type=\"x\"/>\n"
                                        "  <channel key=\"b\" name=\"z\" type=\"x\"/>\n"
                                        "</tocsin>", -1, NULL, &error);
  tt_assert_error (error, TOCSIN_ERROR_DUPLICATE_KEY,
                   "<data>:3: channel 'b': alias 'z' is already the alias of "
                   "channel 'a' on line 2", NULL);
}

/* The element starts on line 4; libxml2 numbers it by the end of its start tag, line 5. */
static const RefusedFixture rules_invalid_level = {
  "invalid-level.xml", TOCSIN_ERROR_INVALID_LEVEL,
  { "invalid-level.xml:5: channel 'pager': min-level=\"urgent\"",
    "info, success, warning, critical" }
};

static void
test_rules_throttle_clamped (void)
{
  g_autofree char *path = fixture_path ("throttle-clamped.xml");
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;
  g_autofree char *log = NULL;
  TocsinChannelSpec *slow;

  tt_log_capture_start ();
  config = tocsin_config_new_from_file (path, &error);
  log = tt_log_capture_stop ();
  g_assert_no_error (error);
  g_test_message ("%s", log);

  g_assert_true (config->has_throttle);
  g_assert_cmpfloat (config->throttle_rate, ==, TOCSIN_THROTTLE_RATE_MAX);
  g_assert_cmpfloat (config->throttle_per, ==, TOCSIN_THROTTLE_PER_MIN);
  g_assert_cmpfloat (config->throttle_burst, ==, TOCSIN_THROTTLE_RATE_MAX);
  tt_assert_contains (log, "WARNING [-] ");
  tt_assert_contains (log, "throttle-clamped.xml:3: <throttle>: rate 5000 is outside the limits "
                           "[1, 1000]; using 1000");
  tt_assert_contains (log, "throttle-clamped.xml:3: <throttle>: per 0 s is outside");
  tt_assert_contains (log, "throttle-clamped.xml:3: <throttle>: burst 7000 is outside the limits "
                           "[1, 1000]");

  slow = channel_at (config, 0);
  g_assert_nonnull (slow->throttle);
  g_assert_cmpfloat (tocsin_throttle_get_rate (slow->throttle), ==, 1.0);
  g_assert_cmpfloat (tocsin_throttle_get_per (slow->throttle), ==, TOCSIN_THROTTLE_PER_MAX);
  g_assert_cmpfloat (tocsin_throttle_get_burst (slow->throttle), ==, 1.0);
  tt_assert_contains (log, "WARNING [slow] ");
  tt_assert_contains (log, "throttle-clamped.xml:5: <throttle> of channel 'slow': rate 0.5 is "
                           "outside");
  tt_assert_contains (log, "throttle-clamped.xml:5: <throttle> of channel 'slow': per 100000 s");
}

static void
test_rules_timeout_clamped (void)
{
  g_autofree char *path = fixture_path ("throttle-clamped.xml");
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;
  g_autofree char *log = NULL;

  tt_log_capture_start ();
  config = tocsin_config_new_from_file (path, &error);
  log = tt_log_capture_stop ();
  g_assert_no_error (error);

  g_assert_cmpfloat (channel_at (config, 0)->timeout, ==, TOCSIN_CHANNEL_TIMEOUT_MAX);
  g_assert_cmpfloat (channel_at (config, 1)->timeout, ==, TOCSIN_CHANNEL_TIMEOUT_MIN);
  g_assert_cmpuint (channel_at (config, 1)->workers, ==, 4);
  g_assert_true (channel_at (config, 1)->workers_set);
  g_assert_false (channel_at (config, 0)->workers_set);
  tt_assert_contains (log, "throttle-clamped.xml:4: channel 'slow': timeout 500 s is outside the "
                           "limits [1, 120]; using 120 s");
  tt_assert_contains (log, "throttle-clamped.xml:7: channel 'fast': timeout 0.2 s is outside");
}

/* libxml2's xsd:decimal refuses more than 24 digits with a vague message; the schema's own
 * decimal takes any number of them, and the value is clamped as any other. */
static void
test_rules_long_decimal (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;
  g_autofree char *log = NULL;

  tt_log_capture_start ();
  config = tocsin_config_new_from_data ("<tocsin version=\"1\">\n"
                                        "  <channel key=\"a\" type=\"x\"\n"
                                        "    timeout=\"0.000000000000000000000000001\"/>\n"
                                        "  <channel key=\"b\" type=\"x\"\n"
                                        "    timeout=\" 120.00000000000000000000000000 \"/>\n"
                                        "</tocsin>", -1, NULL, &error);
  log = tt_log_capture_stop ();
  g_assert_no_error (error);
  g_assert_cmpfloat (channel_at (config, 0)->timeout, ==, TOCSIN_CHANNEL_TIMEOUT_MIN);
  g_assert_cmpfloat (channel_at (config, 1)->timeout, ==, 120.0);
  tt_assert_contains (log, "<data>:3: channel 'a': timeout 1e-27 s is outside the limits "
                           "[1, 120]; using 1 s");
  tt_assert_not_contains (log, "<data>:5:");
}

/* Burst defaults to the rate; a burst above the rate is clamped to it. */
static void
test_rules_throttle_defaults (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;
  g_autofree char *log = NULL;

  tt_log_capture_start ();
  config = tocsin_config_new_from_data ("<tocsin version=\"1\">\n"
                                        "  <throttle rate=\"4\"/>\n"
                                        "  <channel key=\"a\" type=\"x\"><throttle/></channel>\n"
                                        "  <channel key=\"b\" type=\"x\">\n"
                                        "    <throttle rate=\"3\" burst=\"9\"/>\n"
                                        "  </channel>\n"
                                        "</tocsin>", -1, NULL, &error);
  log = tt_log_capture_stop ();
  g_assert_no_error (error);
  tt_assert_contains (log, "<data>:5: <throttle> of channel 'b': burst 9 is outside the limits "
                           "[1, 3]; using 3");
  g_assert_null (strstr (log, "<data>:2:")); /* burst defaults to the rate, silently */
  g_assert_cmpfloat (config->throttle_rate, ==, 4.0);
  g_assert_cmpfloat (config->throttle_per, ==, 60.0);
  g_assert_cmpfloat (config->throttle_burst, ==, 4.0);
  g_assert_cmpfloat (tocsin_throttle_get_rate (channel_at (config, 0)->throttle), ==, 10.0);
  g_assert_cmpfloat (tocsin_throttle_get_per (channel_at (config, 0)->throttle), ==, 60.0);
  g_assert_cmpfloat (tocsin_throttle_get_burst (channel_at (config, 1)->throttle), ==, 3.0);
}

static void
test_rules_relative_paths (void)
{
  g_autofree char *path = fixture_path ("relative-paths.xml");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_canonicalize_filename (dir, NULL);
  g_autofree char *plugins = g_build_filename (base, "my-plugins", NULL);
  g_autofree char *lib = g_canonicalize_filename ("../lib/pager.so", base);
  g_autofree char *logs = g_build_filename (base, "logs", "alerts.jsonl", NULL);
  g_autofree char *resolved = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = tocsin_config_new_from_file (path, &error);
  TocsinConfigPlugin *plugin;
  TocsinChannelSpec *spec;
  const TocsinConfigNode *nested, *inner;
  const char *const *dirs;

  g_assert_no_error (error);
  /* In order, absolute, NULL-terminated as the public accessor hands them out. */
  dirs = tocsin_config_get_plugin_paths (config);
  g_assert_cmpuint (g_strv_length ((char **) dirs), ==, 2);
  g_assert_cmpstr (dirs[0], ==, plugins);
  g_assert_cmpstr (dirs[1], ==, "/opt/tocsin/plugins");
  g_assert_cmpuint (config->plugins->len, ==, 2);
  plugin = config->plugins->pdata[0];
  g_assert_cmpstr (plugin->name, ==, "console");
  g_assert_null (plugin->path);
  g_assert_cmpuint (plugin->line, ==, 5);
  plugin = config->plugins->pdata[1];
  g_assert_null (plugin->name);
  g_assert_cmpstr (plugin->path, ==, lib);

  spec = channel_at (config, 0);
  g_assert_cmpstr (spec->alias, ==, "journal");
  g_assert_cmpint (spec->min_level, ==, TOCSIN_LEVEL_WARNING); /* "Warning": case ignored */
  resolved = tocsin_config_node_dup_path (spec->node, "path");
  g_assert_cmpstr (resolved, ==, logs);
  /* The <channel> node: its attributes, file and line; nested settings keep their structure. */
  g_assert_cmpstr (tocsin_config_node_get_name (spec->node), ==, "channel");
  g_assert_cmpstr (tocsin_config_node_get_attribute (spec->node, "type"), ==, "file");
  g_assert_cmpstr (tocsin_config_node_get_file (spec->node), ==, path);
  g_assert_cmpuint (tocsin_config_node_get_line (spec->node), ==, 7);
  g_assert_cmpuint (tocsin_config_node_get_n_children (spec->node), ==, 2);
  nested = tocsin_config_node_get_child_at (spec->node, 1);
  g_assert_cmpstr (tocsin_config_node_get_name (nested), ==, "nested");
  g_assert_null (tocsin_config_node_get_text (nested));
  g_assert_cmpstr (tocsin_config_node_get_attribute (nested, "flavour"), ==, "x");
  inner = tocsin_config_node_get_child (nested, "inner");
  g_assert_cmpstr (tocsin_config_node_get_text (inner), ==, "spaced text");
  g_assert_cmpuint (tocsin_config_node_get_line (inner), ==, 10);
}

/* ---- credentials ------------------------------------------------------------------------ */

/* load_text() while the environment variable @var is @value, as credentials of type env read. */
static TocsinConfig *
load_text_with_env (Fixture *f, const char *var, const char *value, const char *name,
                    const char *xml, GError **error)
{
  TocsinConfig *config;

  g_setenv (var, value, TRUE);
  config = load_text (f, name, xml, error);
  g_unsetenv (var);
  return config;
}

#define CRED_HEAD "<?xml version=\"1.0\"?>\n<tocsin version=\"1\">\n  <credentials>\n"
/* Line 4: the credential. Line 6: the channel. Line 7: the setting. */
#define CRED_TAIL(setting) "  </credentials>\n" \
  "  <channel key=\"hb\" type=\"x\">\n" \
  "    " setting "\n" \
  "  </channel>\n</tocsin>\n"

static void
test_credentials_env (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;
  g_autofree char *redacted = NULL;
  const TocsinConfigNode *url;

  config = load_text_with_env (f, "TOCSIN_TEST_HOOK", "https://example.invalid/hook/Zq8sEnvSecret",
                               "env.xml",
                               CRED_HEAD
                               "    <credential name=\"hb_hook\" type=\"env\""
                               " var=\"TOCSIN_TEST_HOOK\"/>\n"
                               CRED_TAIL ("<webhook-url credential=\"hb_hook\"/>"), &error);
  g_assert_no_error (error);
  url = tocsin_config_node_get_child (channel_at (config, 0)->node, "webhook-url");
  g_assert_cmpstr (tocsin_config_node_get_text (url), ==,
                   "https://example.invalid/hook/Zq8sEnvSecret");
  g_assert_true (tocsin_config_node_is_secret (url));
  g_assert_null (tocsin_config_node_get_attribute (url, "credential")); /* consumed */
  redacted = tocsin_redact ("POST https://example.invalid/hook/Zq8sEnvSecret failed");
  tt_assert_not_contains (redacted, "Zq8sEnvSecret");
}

static void
test_credentials_env_unset (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;

  g_unsetenv ("TOCSIN_TEST_UNSET_VAR");
  config = load_text (f, "unset.xml",
                      CRED_HEAD
                      "    <credential name=\"hb_hook\" type=\"env\"\n"
                      "                var=\"TOCSIN_TEST_UNSET_VAR\"/>\n"
                      CRED_TAIL ("<webhook-url credential=\"hb_hook\"/>"), &error);
  /* The start tag spans lines 4 and 5; libxml2 numbers an element by where its start tag ends. */
  tt_assert_error (error, TOCSIN_ERROR_CREDENTIAL,
                   "unset.xml:5: credential 'hb_hook': the environment variable "
                   "TOCSIN_TEST_UNSET_VAR is not set",
                   "export TOCSIN_TEST_UNSET_VAR=", NULL);
}

static void
test_credentials_file (Fixture *f, gconstpointer data)
{
  g_autofree char *secrets = g_build_filename (f->dir, "secrets", NULL);
  g_autofree char *pw = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;
  g_autofree char *log = NULL;
  const TocsinConfigNode *node;

  g_assert_cmpint (g_mkdir (secrets, 0700), ==, 0);
  pw = tt_write_file (secrets, "smtp.pw", "Pw-from-file-9x\r\n");
  g_assert_cmpint (g_chmod (pw, 0600), ==, 0);
  tt_log_capture_start ();
  config = load_text (f, "file.xml",
                      CRED_HEAD
                      "    <credential name=\"smtp_pw\" type=\"file\" path=\"secrets/smtp.pw\"/>\n"
                      CRED_TAIL ("<password credential=\"smtp_pw\"/>"), &error);
  log = tt_log_capture_stop ();
  g_assert_no_error (error);
  node = tocsin_config_node_get_child (channel_at (config, 0)->node, "password");
  g_assert_cmpstr (tocsin_config_node_get_text (node), ==, "Pw-from-file-9x");
  g_assert_true (tocsin_config_node_is_secret (node));
  tt_assert_not_contains (log, "WARNING");
}

/* A file everyone may read still works, with a warning that says how to fix it. */
static void
test_credentials_file_world_readable (Fixture *f, gconstpointer data)
{
  g_autofree char *pw = tt_write_file (f->dir, "open.pw", "Pw-world-readable-7q\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;
  g_autofree char *log = NULL;

  g_assert_cmpint (g_chmod (pw, 0644), ==, 0);
  tt_log_capture_start ();
  config = load_text (f, "open.xml",
                      CRED_HEAD
                      "    <credential name=\"pw\" type=\"file\" path=\"open.pw\"/>\n"
                      CRED_TAIL ("<password credential=\"pw\"/>"), &error);
  log = tt_log_capture_stop ();
  g_assert_no_error (error);
  g_test_message ("%s", log);
  tt_assert_contains (log, "open.xml:4: credential 'pw': every user of this machine may read");
  tt_assert_contains (log, "chmod o-rwx");
  tt_assert_not_contains (log, "Pw-world-readable-7q");
}

/* Writable by its group or by everyone: accepted, with a warning saying who and how to fix it. */
static void
test_credentials_group_writable (Fixture *f, gconstpointer data)
{
  static const struct { mode_t mode; const char *who; } cases[] = {
    { 0620, "its group may write" },
    { 0602, "every user of this machine may write" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *pw = tt_write_file (f->dir, "shared.pw", "Pw-group-writable-3k\n");
      g_autoptr (GError) error = NULL;
      g_autoptr (TocsinConfig) config = NULL;
      g_autofree char *log = NULL;

      g_assert_cmpint (g_chmod (pw, cases[i].mode), ==, 0);
      tt_log_capture_start ();
      config = load_text (f, "shared.xml",
                          CRED_HEAD
                          "    <credential name=\"pw\" type=\"file\" path=\"shared.pw\"/>\n"
                          CRED_TAIL ("<password credential=\"pw\"/>"), &error);
      log = tt_log_capture_stop ();
      g_assert_no_error (error);
      g_test_message ("%s", log);
      tt_assert_contains (log, "shared.xml:4: credential 'pw': ");
      tt_assert_contains (log, cases[i].who);
      tt_assert_contains (log, "chmod go-w '");
      tt_assert_not_contains (log, "Pw-group-writable-3k");
    }
}

/* A credential path, here a symbolic link, to something that is not a regular file is refused
 * without being opened: opening a device may have effects. inotify tells whether it was. */
static void
test_credentials_device_not_opened (Fixture *f, gconstpointer data)
{
  g_autofree char *fifo = g_build_filename (f->dir, "fifo", NULL);
  g_autofree char *link = g_build_filename (f->dir, "device.pw", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;
  struct inotify_event event;
  int watcher;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (symlink ("fifo", link), ==, 0);
  watcher = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  g_assert_cmpint (watcher, >=, 0);
  g_assert_cmpint (inotify_add_watch (watcher, fifo, IN_OPEN), >=, 0);
  config = load_text (f, "device.xml",
                      CRED_HEAD
                      "    <credential name=\"pw\" type=\"file\" path=\"device.pw\"/>\n"
                      CRED_TAIL ("<password credential=\"pw\"/>"), &error);
  tt_assert_error (error, TOCSIN_ERROR_CREDENTIAL, "device.xml:4: credential 'pw': ",
                   "device.pw is not a regular file", "small file holding only the secret",
                   NULL);
  /* The events of an open() are queued before it returns: none may be there. */
  g_assert_cmpint (read (watcher, &event, sizeof event), ==, -1);
  g_assert_cmpint (errno, ==, EAGAIN);
  close (watcher);
}

static void
test_credentials_file_missing (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;

  config = load_text (f, "missing.xml",
                      CRED_HEAD
                      "    <credential name=\"smtp_pw\" type=\"file\" path=\"nowhere/smtp.pw\"/>\n"
                      CRED_TAIL ("<password credential=\"smtp_pw\"/>"), &error);
  tt_assert_error (error, TOCSIN_ERROR_CREDENTIAL,
                   "missing.xml:4: credential 'smtp_pw': cannot read",
                   "nowhere/smtp.pw",
                   "relative paths", NULL);
}

static void
test_credentials_file_empty (Fixture *f, gconstpointer data)
{
  g_autofree char *pw = tt_write_file (f->dir, "empty.pw", "\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;

  g_assert_cmpint (g_chmod (pw, 0600), ==, 0);
  config = load_text (f, "empty-pw.xml",
                      CRED_HEAD
                      "    <credential name=\"pw\" type=\"file\" path=\"empty.pw\"/>\n"
                      CRED_TAIL ("<password credential=\"pw\"/>"), &error);
  tt_assert_error (error, TOCSIN_ERROR_CREDENTIAL, "empty-pw.xml:4: credential 'pw':",
                   "is empty", NULL);
}

static void
test_credentials_unknown (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;

  config = load_text_with_env (f, "TOCSIN_TEST_A", "value-of-a-1234", "unknown.xml",
                               CRED_HEAD
                               "    <credential name=\"beta\" type=\"env\""
                               " var=\"TOCSIN_TEST_A\"/>\n"
                               "    <credential name=\"alpha\" type=\"env\""
                               " var=\"TOCSIN_TEST_A\"/>\n"
                               "  </credentials>\n"
                               "  <channel key=\"hb\" type=\"x\">\n"
                               "    <webhook-url credential=\"gamma\"/>\n"
                               "  </channel>\n</tocsin>\n", &error);
  tt_assert_error (error, TOCSIN_ERROR_CREDENTIAL,
                   "unknown.xml:8: channel 'hb': setting <webhook-url> names "
                   "credential 'gamma', which is not defined; defined "
                   "credentials: alpha, beta", NULL);
  tt_assert_not_contains (error->message, "value-of-a-1234");
}

static void
test_credentials_misuse (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;

  /* Text and credential= together. */
  config = load_text_with_env (f, "TOCSIN_TEST_B", "value-of-b-5678", "both.xml",
                               CRED_HEAD
                               "    <credential name=\"b\" type=\"env\" var=\"TOCSIN_TEST_B\"/>\n"
                               CRED_TAIL ("<token credential=\"b\">literal</token>"), &error);
  tt_assert_error (error, TOCSIN_ERROR_CONFIG_INVALID,
                   "both.xml:7: channel 'hb': setting <token> has both text and "
                   "credential=\"b\"", NULL);
  g_clear_error (&error);
  /* The same name twice. */
  config = load_text_with_env (f, "TOCSIN_TEST_B", "value-of-b-5678", "twice.xml",
                               CRED_HEAD
                               "    <credential name=\"b\" type=\"env\" var=\"TOCSIN_TEST_B\"/>\n"
                               "    <credential name=\"b\" type=\"env\" var=\"TOCSIN_TEST_B\"/>\n"
                               CRED_TAIL ("<token credential=\"b\"/>"), &error);
  tt_assert_error (error, TOCSIN_ERROR_CONFIG_INVALID,
                   "twice.xml:5: credential 'b' is already defined at ",
                   "twice.xml:4; give each credential its own name", NULL);
  tt_assert_not_contains (error->message, "value-of-b-5678");
}

/* Credentials are resolved before the channels, wherever <credentials> stands. */
static void
test_credentials_after_channels (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;

  config = load_text_with_env (f, "TOCSIN_TEST_C", "value-of-c-9012", "late.xml",
                               "<tocsin version=\"1\">\n"
                               "  <channel key=\"hb\" type=\"x\"><token credential=\"c\"/>"
                               "</channel>\n"
                               "  <credentials>\n"
                               "    <credential name=\"c\" type=\"env\" var=\"TOCSIN_TEST_C\"/>\n"
                               "  </credentials>\n"
                               "</tocsin>\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tocsin_config_node_get_string (channel_at (config, 0)->node, "token"), ==,
                   "value-of-c-9012");
}

/* ---- the lookup order ------------------------------------------------------------------- */

static void
test_find_explicit (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *found = NULL;

  g_setenv ("TOCSIN_CONFIG", "/from/env.xml", TRUE);
  found = tocsin_config_find ("/given/explicitly.xml", &error);
  g_unsetenv ("TOCSIN_CONFIG");
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, "/given/explicitly.xml");
}

static void
test_find_env (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *found = NULL;

  g_setenv ("TOCSIN_CONFIG", "/from/env.xml", TRUE);
  found = tocsin_config_find (NULL, &error);
  g_unsetenv ("TOCSIN_CONFIG");
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, "/from/env.xml");
}

/* GLib reads XDG_CONFIG_HOME once per process, so these run in a child whose environment the
 * parent prepared: XDG_CONFIG_HOME is a temporary folder, TOCSIN_CONFIG is unset. */
static void
test_find_subprocess_xdg (void)
{
  g_autofree char *expected = g_build_filename (g_getenv ("XDG_CONFIG_HOME"), "tocsin",
                                                "tocsin.xml", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *found = tocsin_config_find (NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, expected);
}

static void
test_find_subprocess_none (void)
{
  g_autofree char *xdg = g_build_filename (g_getenv ("XDG_CONFIG_HOME"), "tocsin",
                                           "tocsin.xml", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *found = tocsin_config_find (NULL, &error);

  if (found != NULL)
    {
      /* This machine has a system-wide config: it is the last place looked at. */
      g_assert_true (g_str_has_suffix (found, "/tocsin/tocsin.xml"));
      g_assert_cmpstr (found, !=, xdg);
      return;
    }
  tt_assert_error (error, TOCSIN_ERROR_CONFIG_NOT_FOUND, "$TOCSIN_CONFIG (not set)", xdg, NULL);
  g_assert_nonnull (g_strrstr (error->message, "/tocsin/tocsin.xml"));
  g_assert_true (g_strrstr (error->message, "/tocsin/tocsin.xml") > strstr (error->message, xdg));
}

static void
run_find_child (const char *child, gboolean with_file)
{
  g_autofree char *dir = tt_make_tmpdir ();
  g_autofree char *saved_xdg = g_strdup (g_getenv ("XDG_CONFIG_HOME"));
  g_autofree char *saved_config = g_strdup (g_getenv ("TOCSIN_CONFIG"));

  if (with_file)
    {
      g_autofree char *sub = g_build_filename (dir, "tocsin", NULL);
      g_autofree char *file = NULL;
      g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
      file = tt_write_file (sub, "tocsin.xml", "<tocsin version=\"1\"/>\n");
    }
  g_setenv ("XDG_CONFIG_HOME", dir, TRUE);
  g_unsetenv ("TOCSIN_CONFIG");
  g_test_trap_subprocess (child, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (saved_xdg)
    g_setenv ("XDG_CONFIG_HOME", saved_xdg, TRUE);
  else
    g_unsetenv ("XDG_CONFIG_HOME");
  if (saved_config)
    g_setenv ("TOCSIN_CONFIG", saved_config, TRUE);
  tt_rm_rf (dir);
  g_test_trap_assert_passed ();
}

static void
test_find_xdg (void)
{
  run_find_child ("/config/find/subprocess/xdg", TRUE);
}

static void
test_find_none (void)
{
  run_find_child ("/config/find/subprocess/none", FALSE);
}

/* In a setuid/setgid process (secure) the environment is ignored: only an explicit path and the
 * system config remain, and the error says why. Not secure: $TOCSIN_CONFIG as before. */
static void
test_find_setuid_env (Fixture *f, gconstpointer data)
{
  g_autofree char *from_env = tt_write_file (f->dir, "env.xml", "<tocsin version=\"1\"/>\n");
  g_autofree char *system = tt_write_file (f->dir, "system.xml", "<tocsin version=\"1\"/>\n");
  g_autofree char *no_system = g_build_filename (f->dir, "no-system.xml", NULL);
  g_autofree char *saved = g_strdup (g_getenv ("TOCSIN_CONFIG"));
  g_autofree char *plain = NULL, *secure = NULL, *secure_none = NULL, *explicit = NULL;
  g_autoptr (GError) error = NULL;

  g_setenv ("TOCSIN_CONFIG", from_env, TRUE);
  plain = priv_tocsin_config_find (NULL, FALSE, no_system, NULL);
  secure = priv_tocsin_config_find (NULL, TRUE, system, NULL);
  explicit = priv_tocsin_config_find ("/given/explicitly.xml", TRUE, system, NULL);
  secure_none = priv_tocsin_config_find (NULL, TRUE, no_system, &error);
  if (saved != NULL)
    g_setenv ("TOCSIN_CONFIG", saved, TRUE);
  else
    g_unsetenv ("TOCSIN_CONFIG");

  g_assert_cmpstr (plain, ==, from_env);
  g_assert_cmpstr (secure, ==, system);
  g_assert_cmpstr (explicit, ==, "/given/explicitly.xml");
  g_assert_null (secure_none);
  tt_assert_error (error, TOCSIN_ERROR_CONFIG_NOT_FOUND, no_system,
                   "$TOCSIN_CONFIG and $XDG_CONFIG_HOME were ignored", "setuid or setgid",
                   "--config FILE", NULL);
  tt_assert_not_contains (error->message, from_env);
}

/* As test_find_subprocess_xdg(): $XDG_CONFIG_HOME holds a config, found only when not secure. */
static void
test_find_subprocess_setuid_xdg (void)
{
  g_autofree char *xdg = g_build_filename (g_getenv ("XDG_CONFIG_HOME"), "tocsin", "tocsin.xml",
                                           NULL);
  g_autofree char *dir = tt_make_tmpdir ();
  g_autofree char *no_system = g_build_filename (dir, "no-system.xml", NULL);
  g_autofree char *plain = NULL, *secure = NULL;
  g_autoptr (GError) error = NULL;

  plain = priv_tocsin_config_find (NULL, FALSE, no_system, NULL);
  secure = priv_tocsin_config_find (NULL, TRUE, no_system, &error);
  tt_rm_rf (dir);
  g_assert_cmpstr (plain, ==, xdg);
  g_assert_null (secure);
  tt_assert_error (error, TOCSIN_ERROR_CONFIG_NOT_FOUND, "were ignored", NULL);
  tt_assert_not_contains (error->message, xdg);
}

static void
test_find_setuid_xdg (void)
{
  run_find_child ("/config/find/subprocess/setuid-xdg", TRUE);
}

/* ---- settings: the check against the declared ones, and the getters --------------------- */

static void
test_settings_getters (void)
{
  g_autoptr (GError) error = NULL;
  TocsinManager *manager = probe_manager ("    <name>probe-1</name>\n"
                                          "    <count>-42</count>\n"
                                          "    <ratio>2.25</ratio>\n"
                                          "    <enabled>Off</enabled>\n"
                                          "    <colour>green</colour>\n"
                                          "    <file>out/x.log</file>\n"
                                          "    <tag>a</tag>\n"
                                          "    <tag>b</tag>\n"
                                          "    <limit unit=\"s\">7</limit>\n"
                                          "    <transport kind=\"smtp\">"
                                          "<host>mx</host></transport>\n",
                                          &error);
  gint64 count = 0, limit = 0;
  double ratio = 0;
  gboolean enabled = TRUE;
  g_autofree char *file = NULL;
  const TocsinConfigNode *transport;

  g_assert_no_error (error);
  g_assert_nonnull (probe_node);
  g_assert_cmpstr (tocsin_config_node_get_string (probe_node, "name"), ==, "probe-1");
  g_assert_true (tocsin_config_node_get_int (probe_node, "count", &count, &error));
  g_assert_cmpint (count, ==, -42);
  g_assert_true (tocsin_config_node_get_double (probe_node, "ratio", &ratio, &error));
  g_assert_cmpfloat (ratio, ==, 2.25);
  g_assert_true (tocsin_config_node_get_boolean (probe_node, "enabled", &enabled, &error));
  g_assert_false (enabled);
  g_assert_cmpstr (tocsin_config_node_get_string (probe_node, "colour"), ==, "green");
  file = tocsin_config_node_dup_path (probe_node, "file");
  g_assert_cmpstr (file, ==, "/srv/base/out/x.log");
  g_assert_cmpstr (tocsin_config_node_get_string (probe_node, "tag"), ==, "a");
  g_assert_true (tocsin_config_node_get_int (probe_node, "limit", &limit, &error));
  g_assert_cmpint (limit, ==, 7);
  transport = tocsin_config_node_get_child (probe_node, "transport");
  g_assert_cmpstr (tocsin_config_node_get_attribute (transport, "kind"), ==, "smtp");
  g_assert_cmpstr (tocsin_config_node_get_string (transport, "host"), ==, "mx");
  g_assert_null (tocsin_config_node_get_child (probe_node, "missing"));
  g_assert_null (tocsin_config_node_get_file (probe_node));
  g_assert_cmpuint (tocsin_config_node_get_line (probe_node), ==, 3);
  g_assert_no_error (error);
  tocsin_manager_unref (manager);
}

static void
test_settings_defaults (void)
{
  g_autoptr (GError) error = NULL;
  TocsinManager *manager = probe_manager ("    <name>probe-2</name>\n", &error);
  gint64 count = 0, limit = 99;
  double ratio = 0;
  gboolean enabled = FALSE;
  g_autofree char *file = NULL;

  g_assert_no_error (error);
  g_assert_true (tocsin_config_node_get_int (probe_node, "count", &count, &error));
  g_assert_cmpint (count, ==, 3);
  g_assert_true (tocsin_config_node_get_double (probe_node, "ratio", &ratio, &error));
  g_assert_cmpfloat (ratio, ==, 0.5);
  g_assert_true (tocsin_config_node_get_boolean (probe_node, "enabled", &enabled, &error));
  g_assert_true (enabled);
  g_assert_cmpstr (tocsin_config_node_get_string (probe_node, "colour"), ==, "red");
  file = tocsin_config_node_dup_path (probe_node, "file");
  g_assert_cmpstr (file, ==, "/srv/base/default.out");
  /* No text and no default: absent, and the out value is left alone. */
  g_assert_null (tocsin_config_node_get_string (probe_node, "token"));
  g_assert_true (tocsin_config_node_get_int (probe_node, "limit", &limit, &error));
  g_assert_cmpint (limit, ==, 99);
  g_assert_null (tocsin_config_node_dup_path (probe_node, "token"));
  g_assert_no_error (error);
  tocsin_manager_unref (manager);
}

static void
test_settings_unknown (void)
{
  g_autofree char *msg = probe_error ("    <name>x</name>\n"
                                      "    <colr>red</colr>\n", TOCSIN_ERROR_UNKNOWN_SETTING);

  tt_assert_contains (msg, "<data>:5: channel 'p' (type probe): unknown setting <colr>; accepted "
                           "settings: <name>, <count>, <ratio>, <enabled>, <colour>, <file>, "
                           "<token>, <tag>, <limit>, <transport>");
}

static void
test_settings_missing (void)
{
  g_autofree char *msg = probe_error ("    <count>1</count>\n", TOCSIN_ERROR_MISSING_SETTING);

  tt_assert_contains (msg, "<data>:3: channel 'p' (type probe): missing required setting <name> "
                           "(who the probe is)");
}

static void
test_settings_repeated (void)
{
  g_autofree char *msg = probe_error ("    <name>x</name>\n"
                                      "    <name>y</name>\n", TOCSIN_ERROR_CONFIG_INVALID);

  tt_assert_contains (msg, "<data>:5: channel 'p' (type probe): setting <name> is given twice "
                           "(first on line 4)");
}

static void
test_settings_bad_values (void)
{
  static const struct {
    const char *setting;
    const char *expected;
  } cases[] = {
    { "<count>12abc</count>", "setting <count>: '12abc' is not an integer" },
    { "<count></count>", "setting <count>: '' is not an integer" },
    { "<ratio>fast</ratio>", "setting <ratio>: 'fast' is not a number" },
    { "<ratio>inf</ratio>", "setting <ratio>: 'inf' is not a number" },
    { "<enabled>maybe</enabled>",
      "setting <enabled>: 'maybe' is not a boolean (true|false|yes|no|on|off|1|0)" },
    { "<colour>blue</colour>", "setting <colour>: 'blue' is not one of red|green" },
    { "<file/>", "setting <file>: '' is not a file name" },
    { "<count><n>1</n></count>", "setting <count> takes text, not child elements" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *settings = g_strdup_printf ("    <name>x</name>\n    %s\n",
                                                   cases[i].setting);
      g_autofree char *msg = probe_error (settings, TOCSIN_ERROR_INVALID_VALUE);
      g_autofree char *expected = g_strdup_printf ("<data>:5: channel 'p' (type probe): %s",
                                                   cases[i].expected);
      tt_assert_contains (msg, expected);
    }
}

static void
test_settings_attributes (void)
{
  g_autofree char *msg = probe_error ("    <name lang=\"en\">x</name>\n",
                                      TOCSIN_ERROR_CONFIG_INVALID);

  tt_assert_contains (msg, "<data>:4: channel 'p' (type probe): setting <name> does not take the "
                           "attribute lang=; allowed attributes: none (and credential=)");
  g_free (msg);
  msg = probe_error ("    <name>x</name>\n    <limit unit=\"s\" scale=\"2\">1</limit>\n",
                     TOCSIN_ERROR_CONFIG_INVALID);
  tt_assert_contains (msg, "allowed attributes: unit (and credential=)");
}

/* A SECRET setting written as literal text works, with a warning pointing at its line. */
static void
test_settings_literal_secret (void)
{
  g_autoptr (GError) error = NULL;
  TocsinManager *manager;
  g_autofree char *log = NULL;

  tt_log_capture_start ();
  manager = probe_manager ("    <name>x</name>\n    <token>Literal-Token-44</token>\n", &error);
  log = tt_log_capture_stop ();
  g_assert_no_error (error);
  g_test_message ("%s", log);
  tt_assert_contains (log, "<data>:5: channel 'p' (type probe): setting <token> is a secret "
                           "written as literal text");
  tt_assert_contains (log, "name it with a credential attribute on <token>");
  tt_assert_not_contains (log, "Literal-Token-44");
  tocsin_manager_unref (manager);
}

/* A credential's value is never quoted, even when it is not of the setting's type. */
static void
test_settings_secret_not_quoted (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;
  TocsinManager *manager;

  g_setenv ("TOCSIN_TEST_COUNT", "Not-A-Number-Secret", TRUE);
  config = tocsin_config_new_from_data ("<tocsin version=\"1\">\n"
                                        "  <credentials><credential name=\"n\" type=\"env\"\n"
                                        "    var=\"TOCSIN_TEST_COUNT\"/></credentials>\n"
                                        "  <channel key=\"p\" type=\"probe\">\n"
                                        "    <name>x</name>\n"
                                        "    <count credential=\"n\"/>\n"
                                        "  </channel>\n"
                                        "</tocsin>\n", -1, NULL, &error);
  g_unsetenv ("TOCSIN_TEST_COUNT");
  g_assert_no_error (error);
  manager = tocsin_manager_new_from_config (config, &error);
  g_assert_null (manager);
  tt_assert_error (error, TOCSIN_ERROR_INVALID_VALUE,
                   "<data>:6: channel 'p' (type probe): setting <count>: its value "
                   "(from a credential, not shown) is not an integer", NULL);
  tt_assert_not_contains (error->message, "Not-A-Number-Secret");
}

/* A spec built in code: settings cite "<code>", secrets are secret, limits are clamped. */
static void
test_settings_code_spec (void)
{
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("code", "probe");
  g_autoptr (TocsinManager) manager = tocsin_manager_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *log = NULL;
  const TocsinConfigNode *token;

  tt_log_capture_start ();
  tocsin_channel_spec_set_timeout (spec, 500);
  tocsin_channel_spec_set_workers (spec, 0);
  log = tt_log_capture_stop ();
  g_assert_cmpfloat (spec->timeout, ==, TOCSIN_CHANNEL_TIMEOUT_MAX);
  g_assert_cmpuint (spec->workers, ==, 1);
  tt_assert_contains (log, "WARNING [code] channel 'code': timeout 500 s is outside [1, 120] s");
  tt_assert_contains (log, "channel 'code': 0 workers is outside [1, 64]");
  tt_log_capture_start ();
  tocsin_channel_spec_set_workers (spec, 1000);
  g_free (tt_log_capture_stop ());
  g_assert_cmpuint (spec->workers, ==, TOCSIN_CHANNEL_WORKERS_MAX);
  tocsin_channel_spec_set_workers (spec, 1);
  tocsin_channel_spec_set_alias (spec, "coded");
  g_assert_cmpstr (spec->alias, ==, "coded");

  tocsin_channel_spec_add_setting (spec, "count", "zz");
  tocsin_channel_spec_add_setting (spec, "name", "x");
  g_assert_false (tocsin_manager_add_channel (manager, spec, &error));
  tt_assert_error (error, TOCSIN_ERROR_INVALID_VALUE,
                   "<code>: channel 'code' (type probe): setting <count>: 'zz' is "
                   "not an integer", NULL);
  g_clear_error (&error);

  g_clear_pointer (&spec, tocsin_channel_spec_free);
  spec = tocsin_channel_spec_new ("code", "probe");
  tocsin_channel_spec_add_setting (spec, "name", "x");
  tocsin_channel_spec_add_secret_setting (spec, "token", "Code-Secret-Value-77");
  g_assert_true (tocsin_manager_add_channel (manager, spec, &error));
  g_assert_no_error (error);
  token = tocsin_config_node_get_child (probe_node, "token");
  g_assert_true (tocsin_config_node_is_secret (token));
  g_assert_cmpstr (tocsin_config_node_get_text (token), ==, "Code-Secret-Value-77");
  {
    g_autofree char *redacted = tocsin_redact ("it was Code-Secret-Value-77");
    tt_assert_not_contains (redacted, "Code-Secret-Value-77");
  }
}

/* The getters' own errors name the file and line of the setting. */
static void
test_settings_getter_errors (void)
{
  g_autoptr (GError) error = NULL;
  TocsinManager *manager = probe_manager ("    <name>x</name>\n"
                                          "    <transport><port>http</port><tls>sure</tls>"
                                          "<ratio>x</ratio></transport>\n", &error);
  const TocsinConfigNode *transport;
  gint64 port = 25;
  gboolean tls = FALSE;
  double ratio = 1;

  g_assert_no_error (error);
  transport = tocsin_config_node_get_child (probe_node, "transport");
  g_assert_false (tocsin_config_node_get_int (transport, "port", &port, &error));
  tt_assert_error (error, TOCSIN_ERROR_INVALID_VALUE,
                   "<data>:5: setting <port>: 'http' is not an integer", NULL);
  g_assert_cmpint (port, ==, 25);
  g_clear_error (&error);
  g_assert_false (tocsin_config_node_get_boolean (transport, "tls", &tls, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_false (tocsin_config_node_get_double (transport, "ratio", &ratio, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  tocsin_config_node_set_error (transport, &error, TOCSIN_ERROR_FAILED, "no %s", "transport");
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "<data>:5: no transport");
  tocsin_manager_unref (manager);
}

/* ---- lifetimes -------------------------------------------------------------------------- */

static void
test_lifetime_ref (Fixture *f, gconstpointer data)
{
  g_autofree char *path = copy_default_config (f->dir);
  g_autoptr (GError) error = NULL;
  TocsinConfig *config = tocsin_config_new_from_file (path, &error);
  TocsinManager *manager;

  g_assert_no_error (error);
  g_assert_true (tocsin_config_ref (config) == config);
  tocsin_config_unref (config);
  /* The manager copies what it needs: the config may go first. */
  manager = tocsin_manager_new_from_config (config, &error);
  g_assert_no_error (error);
  tocsin_config_unref (config);
  g_assert_cmpuint (tocsin_manager_get_n_channels (manager), ==, 2);
  tocsin_manager_unref (manager);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, tt_dir_fixture_setup, func, tt_dir_fixture_teardown)
#define REFUSED(path, refused_fixture) \
  g_test_add_data_func (path, &refused_fixture, test_fixture_refused)

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;

  tt_init (&argc, &argv);
  if (!tocsin_register_channel_class (&probe_class, &error))
    g_error ("cannot register the probe class: %s", error->message);

  g_test_add_func ("/config/default/valid", test_default_valid);
  ADD ("/config/default/manager", test_default_manager);

  REFUSED ("/config/parse/not-xml", parse_not_xml);
  REFUSED ("/config/parse/truncated", parse_truncated);
  REFUSED ("/config/parse/empty-file", parse_empty);
  g_test_add_func ("/config/parse/blank-data", test_parse_blank_data);
  ADD ("/config/parse/missing-file", test_parse_missing_file);
  ADD ("/config/read/fifo", test_read_fifo);
  g_test_add_func ("/config/read/dev-zero", test_read_dev_zero);
  ADD ("/config/read/oversize", test_read_oversize);
  ADD ("/config/parse/doctype-external-entity", test_parse_doctype_external);
  ADD ("/config/parse/doctype-system", test_parse_doctype_system);
  REFUSED ("/config/parse/billion-laughs", parse_billion_laughs);
  g_test_add_func ("/config/parse/entities", test_parse_entities);

  REFUSED ("/config/root/unknown", root_unknown);
  REFUSED ("/config/root/wrong-version", root_wrong_version);
  g_test_add_func ("/config/root/missing-version", test_root_missing_version);

  REFUSED ("/config/schema/missing-key", schema_missing_key);
  REFUSED ("/config/schema/unknown-element", schema_unknown_element);
  REFUSED ("/config/schema/unknown-attribute", schema_unknown_attribute);
  REFUSED ("/config/schema/bad-workers", schema_bad_workers);
  REFUSED ("/config/schema/bad-number", schema_bad_number);
  REFUSED ("/config/schema/two-throttles", schema_two_throttles);
  REFUSED ("/config/schema/plugin-name", schema_plugin_name);
  g_test_add_func ("/config/schema/misc", test_schema_misc);
  g_test_add_func ("/config/schema/secret-not-quoted", test_schema_secret_not_quoted);

  REFUSED ("/config/rules/duplicate-key", rules_duplicate_key);
  REFUSED ("/config/rules/duplicate-alias-vs-key", rules_duplicate_alias);
  g_test_add_func ("/config/rules/alias-twice", test_rules_alias_twice);
  REFUSED ("/config/rules/invalid-level", rules_invalid_level);
  g_test_add_func ("/config/rules/throttle-clamped", test_rules_throttle_clamped);
  g_test_add_func ("/config/rules/throttle-defaults", test_rules_throttle_defaults);
  g_test_add_func ("/config/rules/timeout-clamped", test_rules_timeout_clamped);
  g_test_add_func ("/config/rules/long-decimal", test_rules_long_decimal);
  g_test_add_func ("/config/rules/relative-paths", test_rules_relative_paths);

  ADD ("/config/credentials/env", test_credentials_env);
  ADD ("/config/credentials/env-unset", test_credentials_env_unset);
  ADD ("/config/credentials/file", test_credentials_file);
  ADD ("/config/credentials/file-world-readable", test_credentials_file_world_readable);
  ADD ("/config/credentials/group-writable", test_credentials_group_writable);
  ADD ("/config/credentials/device-not-opened", test_credentials_device_not_opened);
  ADD ("/config/credentials/file-missing", test_credentials_file_missing);
  ADD ("/config/credentials/file-empty", test_credentials_file_empty);
  ADD ("/config/credentials/unknown", test_credentials_unknown);
  ADD ("/config/credentials/misuse", test_credentials_misuse);
  ADD ("/config/credentials/after-channels", test_credentials_after_channels);

  g_test_add_func ("/config/find/explicit", test_find_explicit);
  g_test_add_func ("/config/find/env", test_find_env);
  g_test_add_func ("/config/find/xdg", test_find_xdg);
  g_test_add_func ("/config/find/none", test_find_none);
  g_test_add_func ("/config/find/subprocess/xdg", test_find_subprocess_xdg);
  g_test_add_func ("/config/find/subprocess/none", test_find_subprocess_none);
  ADD ("/config/find/setuid-env", test_find_setuid_env);
  g_test_add_func ("/config/find/setuid-xdg", test_find_setuid_xdg);
  g_test_add_func ("/config/find/subprocess/setuid-xdg", test_find_subprocess_setuid_xdg);

  g_test_add_func ("/config/settings/getters", test_settings_getters);
  g_test_add_func ("/config/settings/defaults", test_settings_defaults);
  g_test_add_func ("/config/settings/unknown", test_settings_unknown);
  g_test_add_func ("/config/settings/missing", test_settings_missing);
  g_test_add_func ("/config/settings/repeated", test_settings_repeated);
  g_test_add_func ("/config/settings/bad-values", test_settings_bad_values);
  g_test_add_func ("/config/settings/attributes", test_settings_attributes);
  g_test_add_func ("/config/settings/literal-secret", test_settings_literal_secret);
  g_test_add_func ("/config/settings/secret-not-quoted", test_settings_secret_not_quoted);
  g_test_add_func ("/config/settings/code-spec", test_settings_code_spec);
  g_test_add_func ("/config/settings/getter-errors", test_settings_getter_errors);

  ADD ("/config/lifetime/ref", test_lifetime_ref);

  return g_test_run ();
}
