/* test-loader.c: the plugin loader and the process-wide registry.
 *
 * The registry lives as long as the process, so every test uses type names and plugin files of
 * its own and holds whatever the order of tests: a plugin another test loaded first is either
 * the one this test wants (loading twice is a no-op) or irrelevant to it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "testutil.h"

#include <tocsin/tocsin-plugin.h>

#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                      */

/* The canonical path of a test plugin, as the loader names it in its messages. */
static char *
test_plugin_path (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".so", NULL);
  g_autofree char *path = tt_build_path ("tests/plugins");
  g_autofree char *full = g_build_filename (path, file, NULL);
  char *real = realpath (full, NULL);
  char *result;

  g_assert_nonnull (real);
  result = g_strdup (real);
  free (real);
  return result;
}

/* Loads @name and checks that it is refused with @code and a message containing every
 * NULL-terminated fragment that follows. */
static void
assert_refused (const char *name_or_path, const char *const *extra_dirs, int code, ...)
{
  g_autoptr (GError) error = NULL;
  va_list args;

  g_assert_false (tocsin_plugin_load (name_or_path, extra_dirs, &error));
  g_test_message ("loading %s", name_or_path);
  va_start (args, code);
  tt_assert_error_valist (error, code, args);
  va_end (args);
}

/* The installed plugin directory, always last on the search path (transfer full). */
static char *
installed_plugindir (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("TOCSIN_PLUGIN_PATH"));
  g_auto (GStrv) dirs = NULL;

  g_unsetenv ("TOCSIN_PLUGIN_PATH");
  dirs = tocsin_plugin_get_search_path (NULL);
  if (saved != NULL)
    g_setenv ("TOCSIN_PLUGIN_PATH", saved, TRUE);
  g_assert_cmpuint (g_strv_length (dirs), ==, 1);
  g_assert_true (g_path_is_absolute (dirs[0]));
  return g_strdup (dirs[0]);
}

static void
copy_file (const char *from, const char *to, guint mode)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (from, &contents, &length, &error);
  g_assert_no_error (error);
  g_file_set_contents_full (to, contents, length, G_FILE_SET_CONTENTS_NONE, mode, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (to, mode), ==, 0);
}

/* A counting class for built-in registrations. */
static gint created, sent, destroyed; /* (atomic) */

static gpointer
count_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  g_atomic_int_inc (&created);
  return g_new0 (int, 1);
}

static gboolean
count_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  g_atomic_int_inc (&sent);
  return TRUE;
}

static void
count_destroy (gpointer instance)
{
  g_atomic_int_inc (&destroyed);
  g_free (instance);
}

static gpointer
transport_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  return g_new0 (int, 1);
}

static gboolean
transport_send (gpointer instance, TocsinMailMessage *message, TocsinResult *result,
                GError **error)
{
  return TRUE;
}

static TocsinChannelClass
counting_class (const char *type_name)
{
  TocsinChannelClass klass = {
    .struct_size = sizeof (TocsinChannelClass),
    .type_name = type_name,
    .description = "counts",
    .create = count_create,
    .send = count_send,
    .destroy = count_destroy,
  };
  return klass;
}

static TocsinTransportClass
transport_class (const char *type_name)
{
  TocsinTransportClass klass = {
    .struct_size = sizeof (TocsinTransportClass),
    .type_name = type_name,
    .create = transport_create,
    .send = transport_send,
    .destroy = count_destroy,
  };
  return klass;
}

static gboolean
strv_contains (const char *const *strv, const char *s)
{
  return strv != NULL && g_strv_contains (strv, s);
}

/* ------------------------------------------------------------------------------------------ */
/* The ABI: layout and symbols                                                                  */

/* The first four descriptor fields never move, in any ABI major. */
G_STATIC_ASSERT (offsetof (TocsinPluginDescriptor, abi_major) == 0);
G_STATIC_ASSERT (offsetof (TocsinPluginDescriptor, abi_minor) == 4);
G_STATIC_ASSERT (offsetof (TocsinPluginDescriptor, struct_size) == 8);
G_STATIC_ASSERT (offsetof (TocsinPluginDescriptor, flags) == 12);
G_STATIC_ASSERT (offsetof (TocsinPluginDescriptor, name) == 16);
G_STATIC_ASSERT (offsetof (TocsinChannelClass, struct_size) == 0);
G_STATIC_ASSERT (offsetof (TocsinChannelClass, flags) == 4);
G_STATIC_ASSERT (offsetof (TocsinChannelClass, type_name) == 8);
G_STATIC_ASSERT (sizeof (TocsinChannelClass) == sizeof (TocsinTransportClass));
G_STATIC_ASSERT (TOCSIN_CHANNEL_CLASS_SIZE_1_0 == TOCSIN_TRANSPORT_CLASS_SIZE_1_0);

#if GLIB_SIZEOF_VOID_P == 8
/* The whole 1.0 layout on LP64: a change here breaks every plugin ever built. */
G_STATIC_ASSERT (TOCSIN_PLUGIN_DESCRIPTOR_SIZE_1_0 == 64);
G_STATIC_ASSERT (sizeof (TocsinPluginDescriptor) == 128);
G_STATIC_ASSERT (offsetof (TocsinPluginDescriptor, channel_classes) == 48);
G_STATIC_ASSERT (offsetof (TocsinPluginDescriptor, transport_classes) == 56);
G_STATIC_ASSERT (offsetof (TocsinChannelClass, settings) == 24);
G_STATIC_ASSERT (offsetof (TocsinChannelClass, create) == 32);
G_STATIC_ASSERT (offsetof (TocsinChannelClass, send) == 40);
G_STATIC_ASSERT (offsetof (TocsinChannelClass, destroy) == 48);
G_STATIC_ASSERT (TOCSIN_CHANNEL_CLASS_SIZE_1_0 == 56);
G_STATIC_ASSERT (sizeof (TocsinChannelClass) == 120);
G_STATIC_ASSERT (offsetof (TocsinSettingSpec, type) == 8);
G_STATIC_ASSERT (offsetof (TocsinSettingSpec, default_value) == 16);
G_STATIC_ASSERT (offsetof (TocsinSettingSpec, reserved) == 48);
G_STATIC_ASSERT (sizeof (TocsinSettingSpec) == 80);
#endif

static void
test_abi_layout (void)
{
  /* The static assertions above do the work; this pins the values a plugin records. */
  g_assert_cmpint (TOCSIN_PLUGIN_ABI_MAJOR, ==, 1);
  g_assert_cmpint (TOCSIN_PLUGIN_ABI_MINOR, ==, 0);
  g_assert_cmpstr (TOCSIN_PLUGIN_ENTRY_SYMBOL, ==, "tocsin_plugin_get_descriptor");
}

/* Every plugin the build makes (shipped ones and test ones) exports the entry symbol and nothing
 * else; the deliberately broken bad-no-entry is the one exception. */
static void
check_exports_in (const char *dir, guint *n_checked)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (d != NULL && (entry = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      g_autofree char *out = NULL, *err = NULL;
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) lines = NULL;
      const char *argv[] = { "nm", "-D", "--defined-only", path, NULL };
      int status = 0;

      if (!g_str_has_suffix (entry, ".so") || g_str_equal (entry, "bad-no-entry.so"))
        continue;
      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                    &status, &error);
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      lines = g_strsplit (g_strstrip (out), "\n", -1);
      for (gsize i = 0; lines[i] != NULL; i++)
        if (!g_str_has_suffix (lines[i], " T " TOCSIN_PLUGIN_ENTRY_SYMBOL))
          g_error ("%s exports more than its entry symbol: %s", path, lines[i]);
      g_assert_cmpuint (g_strv_length (lines), ==, 1);
      (*n_checked)++;
    }
}

static void
test_abi_exports (void)
{
  g_autofree char *nm = g_find_program_in_path ("nm");
  g_autofree char *shipped = tt_build_path ("plugins");
  g_autofree char *tests = tt_build_path ("tests/plugins");
  guint n_checked = 0;

  if (nm == NULL)
    {
      g_test_skip ("nm(1) is not installed (binutils)");
      return;
    }
  check_exports_in (shipped, &n_checked);
  check_exports_in (tests, &n_checked);
  g_assert_cmpuint (n_checked, >=, 2); /* at least hello and dup-a */
}

/* The same property seen from the dynamic linker: a non-static but hidden function of the
 * plugin cannot be found. */
static void
test_abi_hidden (void)
{
  g_autofree char *path = test_plugin_path ("hello");
  void *handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);

  g_assert_nonnull (handle);
  g_assert_nonnull (dlsym (handle, TOCSIN_PLUGIN_ENTRY_SYMBOL));
  g_assert_null (dlsym (handle, "hello_send"));
  g_assert_null (dlsym (handle, "hello_create"));
  dlclose (handle);
}

/* ------------------------------------------------------------------------------------------ */
/* Loading good plugins                                                                         */

static void
test_load_by_name (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (tocsin_plugin_load ("hello", NULL, &error));
  g_assert_no_error (error);
}

static void
test_load_by_path (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = test_plugin_path ("hello");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *relative = NULL;
  g_autofree char *cwd = g_get_current_dir ();

  g_assert_true (tocsin_plugin_load (path, NULL, &error));
  g_assert_no_error (error);
  /* A relative path with a '/' is a path too. */
  g_assert_cmpint (g_chdir (dir), ==, 0);
  g_assert_true (tocsin_plugin_load ("./hello.so", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chdir (cwd), ==, 0);
}

/* Loading the same file again, by name, by path or through a symlink, changes nothing. */
static void
test_load_twice (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = test_plugin_path ("dup-a");
  g_autofree char *tmp = tt_make_tmpdir ();
  g_autofree char *link = g_build_filename (tmp, "dup-a.so", NULL);

  g_assert_cmpint (symlink (path, link), ==, 0);
  for (int i = 0; i < 2; i++)
    {
      g_assert_true (tocsin_plugin_load ("dup-a", NULL, &error));
      g_assert_no_error (error);
      g_assert_true (tocsin_plugin_load (path, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (tocsin_plugin_load (link, NULL, &error));
      g_assert_no_error (error);
    }
  tt_rm_rf (tmp);
}

/* The plugin's types are registered: a built-in class cannot take them. */
static void
test_load_registers_types (void)
{
  g_autoptr (GError) error = NULL;
  TocsinChannelClass klass = counting_class ("hello");
  TocsinTransportClass transport = transport_class ("hello-mail");
  g_autofree char *path = test_plugin_path ("hello");

  g_assert_true (tocsin_plugin_load ("hello", NULL, &error));
  g_assert_no_error (error);
  g_assert_false (tocsin_register_channel_class (&klass, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_DUPLICATE_TYPE);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "<built-in>"));
  g_clear_error (&error);
  g_assert_false (tocsin_register_transport_class (&transport, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_DUPLICATE_TYPE);
}

/* A successful load is logged at debug level with the file and the types. */
static void
test_load_logs (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *log = NULL;
  g_autofree char *path = test_plugin_path ("dup-b");

  /* dup-b is refused when dup-a was loaded first; its sibling-free twin is what we need, so
   * load it in a fresh process. */
  if (!tt_in_subprocess ())
    return;
  tt_log_capture_start ();
  g_assert_true (tocsin_plugin_load ("dup-b", NULL, &error));
  g_assert_no_error (error);
  log = tt_log_capture_stop ();
  g_assert_nonnull (strstr (log, "DEBUG"));
  g_assert_nonnull (strstr (log, path));
  g_assert_nonnull (strstr (log, "dup-type"));
}

/* Loads and registrations from several threads at once: the registry's lock keeps every
 * registration whole and every type name unique. */
static gpointer
concurrent_worker (gpointer data)
{
  guint id = GPOINTER_TO_UINT (data);

  for (guint i = 0; i < 50; i++)
    {
      g_autoptr (GError) error = NULL;
      char *type = g_strdup_printf ("concurrent-%u-%u", id, i); /* kept: the class refers to it */
      TocsinChannelClass klass = counting_class (type);

      g_assert_true (tocsin_plugin_load ("hello", NULL, &error));
      g_assert_no_error (error);
      g_assert_true (tocsin_register_channel_class (&klass, &error));
      g_assert_no_error (error);
      /* Every thread also races for one shared name: exactly one of them wins it. */
      klass.type_name = "concurrent-shared";
      if (!tocsin_register_channel_class (&klass, &error))
        g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_DUPLICATE_TYPE);
    }
  return NULL;
}

static void
test_load_concurrent (void)
{
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("loader-test", concurrent_worker, GUINT_TO_POINTER (i));
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
}

/* ------------------------------------------------------------------------------------------ */
/* The search path                                                                              */

static void
test_search_path_order (void)
{
  const char *extra[] = { "/first", "", "/second", NULL };
  g_autofree char *saved = g_strdup (g_getenv ("TOCSIN_PLUGIN_PATH"));
  g_autofree char *installed = installed_plugindir ();
  g_auto (GStrv) dirs = NULL;

  g_setenv ("TOCSIN_PLUGIN_PATH", "/env/a::/env/b:/first", TRUE);
  dirs = tocsin_plugin_get_search_path (extra);
  g_assert_cmpuint (g_strv_length (dirs), ==, 5);
  g_assert_cmpstr (dirs[0], ==, "/first");
  g_assert_cmpstr (dirs[1], ==, "/second");
  g_assert_cmpstr (dirs[2], ==, "/env/a");
  g_assert_cmpstr (dirs[3], ==, "/env/b");
  g_assert_cmpstr (dirs[4], ==, installed);
  if (saved != NULL)
    g_setenv ("TOCSIN_PLUGIN_PATH", saved, TRUE);
  else
    g_unsetenv ("TOCSIN_PLUGIN_PATH");
}

/* extra_dirs come first: a plugin there shadows one of the same name further on. */
static void
test_search_path_extra_first (void)
{
  g_autofree char *tmp = tt_make_tmpdir ();
  g_autofree char *source = test_plugin_path ("bad-abi-major");
  g_autofree char *shadow = g_build_filename (tmp, "bad-abi-minor.so", NULL);
  const char *extra[] = { tmp, NULL };

  copy_file (source, shadow, 0755);
  /* Found in tmp first, so it is the ABI-major copy that answers, not the real bad-abi-minor. */
  assert_refused ("bad-abi-minor", extra, TOCSIN_ERROR_PLUGIN_ABI_MISMATCH, tmp, NULL);
  tt_rm_rf (tmp);
}

/* ------------------------------------------------------------------------------------------ */
/* Refusals                                                                                     */

/* A name is validated before it becomes a path: nothing like "../evil" is ever looked up. */
static void
test_refuse_invalid_name (void)
{
  const char *names[] = { "../evil", "Bad", "", "-dash", "a.b", "a/b", "hello.so", "x y", NULL };

  for (gsize i = 0; names[i] != NULL; i++)
    assert_refused (names[i], NULL, TOCSIN_ERROR_INVALID_ARGUMENT, "not a valid plugin name",
                    "[a-z0-9][a-z0-9_-]*", NULL);
}

static void
test_refuse_not_found (void)
{
  g_autofree char *tmp = tt_make_tmpdir ();
  const char *extra[] = { tmp, NULL };
  g_autofree char *in_extra = g_build_filename (tmp, "no-such-plugin.so", NULL);
  g_autofree char *in_env = tt_build_path ("tests/plugins/no-such-plugin.so");
  g_autofree char *plugindir = installed_plugindir ();
  g_autofree char *installed = g_build_filename (plugindir, "no-such-plugin.so", NULL);

  assert_refused ("no-such-plugin", extra, TOCSIN_ERROR_PLUGIN_NOT_FOUND, "'no-such-plugin'",
                  in_extra, in_env, installed, "TOCSIN_PLUGIN_PATH", NULL);
  assert_refused ("/nonexistent/dir/x.so", NULL, TOCSIN_ERROR_PLUGIN_NOT_FOUND,
                  "/nonexistent/dir/x.so", NULL);
  tt_rm_rf (tmp);
}

/* A test plugin that the loader refuses: the message names its file and says @expected. */
typedef struct {
  const char *plugin;
  int code;
  const char *expected[3]; /* NULL-terminated */
} RefusedPlugin;

static void
assert_plugin_refused (const RefusedPlugin *c)
{
  g_autofree char *path = test_plugin_path (c->plugin);

  /* The fragments end at the first NULL of c->expected, the last one at the latest. */
  assert_refused (c->plugin, NULL, c->code, path, c->expected[0], c->expected[1], c->expected[2],
                  NULL);
}

static void
test_refuse_plugin (gconstpointer data)
{
  assert_plugin_refused (data);
}

static const RefusedPlugin refuse_open_failed = {
  "bad-undefined", TOCSIN_ERROR_PLUGIN_OPEN, { "tocsin_test_function_defined_nowhere", "ldd" }
};
static const RefusedPlugin refuse_not_a_plugin = {
  "bad-no-entry", TOCSIN_ERROR_PLUGIN_NOT_A_PLUGIN,
  { "is not a tocsin plugin", "tocsin_plugin_get_descriptor" }
};
static const RefusedPlugin refuse_null_descriptor = {
  "bad-null-descriptor", TOCSIN_ERROR_PLUGIN_INVALID, { "NULL" }
};
static const RefusedPlugin refuse_abi_major = {
  "bad-abi-major", TOCSIN_ERROR_PLUGIN_ABI_MISMATCH,
  { "built for tocsin plugin ABI 2.0", "provides ABI 1.0" }
};

static void
test_refuse_abi_too_new (void)
{
  g_autofree char *path = test_plugin_path ("bad-abi-minor");
  g_autofree char *core = g_strdup_printf ("(tocsin %s)", tocsin_get_version ());

  assert_refused ("bad-abi-minor", NULL, TOCSIN_ERROR_PLUGIN_ABI_TOO_NEW, path,
                  "built for tocsin plugin ABI 1.99", "this core provides 1.0", core,
                  "needs tocsin >= 1.99", NULL);
}

static const RefusedPlugin refuse_descriptor_too_small = {
  "bad-descriptor-small", TOCSIN_ERROR_PLUGIN_INVALID, { "descriptor too small", "struct_size 8" }
};

static void
test_refuse_descriptor_fields (void)
{
  static const RefusedPlugin no_license = {
    "bad-no-license", TOCSIN_ERROR_PLUGIN_INVALID, { "no license" }
  };
  static const RefusedPlugin flags = { "bad-flags", TOCSIN_ERROR_PLUGIN_INVALID, { "flags 0x4" } };

  assert_plugin_refused (&no_license);
  assert_plugin_refused (&flags);
}

static const RefusedPlugin refuse_name_mismatch = {
  "bad-name-mismatch", TOCSIN_ERROR_PLUGIN_INVALID, { "'somebody-else'", "bad-name-mismatch.so" }
};
static const RefusedPlugin refuse_class_too_small = {
  "bad-class-small", TOCSIN_ERROR_PLUGIN_INVALID,
  { "channel class #1 is too small", "struct_size 16" }
};
static const RefusedPlugin refuse_missing_method = {
  "bad-no-send", TOCSIN_ERROR_PLUGIN_INVALID,
  { "channel class 'bad-no-send'", "missing required method 'send'" }
};
static const RefusedPlugin refuse_bad_type_name = {
  "bad-type-name", TOCSIN_ERROR_PLUGIN_INVALID, { "invalid type name 'Bad Type'" }
};

static void
test_refuse_duplicate_type (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *a = test_plugin_path ("dup-a");
  g_autofree char *b = test_plugin_path ("dup-b");

  /* Whichever came first in this process (dup-a here, or in a scan), the other is refused. */
  g_assert_true (tocsin_plugin_load ("dup-a", NULL, &error));
  g_assert_no_error (error);
  assert_refused ("dup-b", NULL, TOCSIN_ERROR_PLUGIN_DUPLICATE_TYPE, a, b, "'dup-type'", NULL);
}

/* A refused file leaves nothing behind, not even the classes that passed their checks. */
static void
test_refuse_nothing_registered (void)
{
  g_autoptr (GError) error = NULL;
  TocsinChannelClass klass = counting_class ("bad-second-class");

  assert_refused ("bad-second-class", NULL, TOCSIN_ERROR_PLUGIN_INVALID,
                  "'bad-second-class-second'", "missing required method 'destroy'", NULL);
  g_assert_true (tocsin_register_channel_class (&klass, &error));
  g_assert_no_error (error);
  /* And the refused plugin stays refused, now because its first type is taken. */
  assert_refused ("bad-second-class", NULL, TOCSIN_ERROR_PLUGIN_DUPLICATE_TYPE, "<built-in>",
                  NULL);
}

/* A class registered by a plugin's constructor is refused: a plugin the loader refuses (here
 * for its ABI) leaves no type behind, and an accepted one provides only its descriptor's. */
static void
test_refuse_constructor_registration (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *log = NULL;
  g_autofree char *bad = test_plugin_path ("bad-ctor-register");
  g_autofree char *good = test_plugin_path ("ctor-register");

  TocsinChannelClass ghost = counting_class ("ghost-type");
  TocsinChannelClass side = counting_class ("ctor-side-type");
  TocsinChannelClass taken = counting_class ("ctor-register");

  if (!tt_in_subprocess ())
    return;
  tt_log_capture_start ();
  assert_refused ("bad-ctor-register", NULL, TOCSIN_ERROR_PLUGIN_ABI_TOO_NEW, NULL);
  g_assert_true (tocsin_plugin_load ("ctor-register", NULL, &error));
  g_assert_no_error (error);
  log = tt_log_capture_stop ();
  /* A type is free when a built-in class can take it. */
  g_assert_true (tocsin_register_channel_class (&ghost, &error));
  g_assert_no_error (error);
  g_assert_true (tocsin_register_channel_class (&side, &error));
  g_assert_no_error (error);
  g_assert_false (tocsin_register_channel_class (&taken, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_DUPLICATE_TYPE);
  g_assert_nonnull (strstr (log, bad));
  g_assert_nonnull (strstr (log, good));
  g_assert_nonnull (strstr (log, "refusing to register channel type 'ghost-type'"));
  g_assert_nonnull (strstr (log, "TOCSIN_PLUGIN_DEFINE"));
}

/* A channel type whose plugin file is found but refused: the error says which channel of which
 * config asked for it, then why the plugin was refused. */
static void
test_refuse_on_demand_located (void)
{
  g_autofree char *tmp = tt_make_tmpdir ();
  g_autofree char *message = tt_load_config_fails (tmp, NULL,
                                                   "key=\"od\" type=\"bad-abi-minor\"", "",
                                                   TOCSIN_ERROR_PLUGIN_ABI_TOO_NEW,
                                                   "tocsin.xml:3: channel 'od': ",
                                                   "bad-abi-minor.so", "1.99", NULL);

  g_assert_true (strstr (message, "tocsin.xml:3: channel 'od': ") < strstr (message, "1.99"));
  tt_rm_rf (tmp);
}

/* Copies a good plugin into a fresh private directory, as @name.so with @mode. */
static char *
copy_plugin (const char *dir, const char *name, guint mode)
{
  g_autofree char *source = test_plugin_path ("hello");
  g_autofree char *file = g_strconcat (name, ".so", NULL);
  char *target = g_build_filename (dir, file, NULL);

  copy_file (source, target, mode);
  return target;
}

static void
test_refuse_insecure_file (void)
{
  g_autofree char *tmp = tt_make_tmpdir ();
  g_autofree char *group = copy_plugin (tmp, "group-writable", 0775);
  g_autofree char *other = copy_plugin (tmp, "other-writable", 0757);
  g_autofree char *fix = g_strdup_printf ("chmod go-w %s", group);

  assert_refused (group, NULL, TOCSIN_ERROR_PLUGIN_INSECURE, group, "its group", fix, NULL);
  assert_refused (other, NULL, TOCSIN_ERROR_PLUGIN_INSECURE, other, "other users", NULL);
  tt_rm_rf (tmp);
}

static void
test_refuse_insecure_dir (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = tt_make_tmpdir ();
  g_autofree char *plugin = copy_plugin (tmp, "in-open-dir", 0755);
  g_autofree char *real_tmp = realpath (tmp, NULL);
  g_autofree char *fix = g_strdup_printf ("chmod go-w %s", real_tmp);

  g_assert_cmpint (g_chmod (tmp, 0777), ==, 0);
  assert_refused (plugin, NULL, TOCSIN_ERROR_PLUGIN_INSECURE, "its directory", fix,
                  "other users", NULL);
  g_assert_cmpint (g_chmod (tmp, 0770), ==, 0);
  assert_refused (plugin, NULL, TOCSIN_ERROR_PLUGIN_INSECURE, "its group", NULL);
  /* Once fixed, the permissions are no longer the problem; the copy is then refused only
   * because the real hello (loaded first, so that the copy never registers) has its name. */
  g_assert_true (tocsin_plugin_load ("hello", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (tmp, 0700), ==, 0);
  assert_refused (plugin, NULL, TOCSIN_ERROR_PLUGIN_DUPLICATE_TYPE, "'hello'", NULL);
  tt_rm_rf (tmp);
}

/* Whoever owns a file can rewrite it: only root's and this process's user's are trusted. Needs
 * root to give a file away; another user's file cannot be made otherwise. */
static void
test_refuse_foreign_owner (void)
{
  g_autofree char *tmp = NULL;
  g_autofree char *plugin = NULL;
  g_autofree char *real_tmp = NULL;
  g_autofree char *fix_file = NULL, *fix_dir = NULL;
  const uid_t nobody = 65534;

  if (geteuid () != 0)
    {
      g_test_skip ("needs root to give a file to another user");
      return;
    }
  tmp = tt_make_tmpdir ();
  plugin = copy_plugin (tmp, "foreign", 0755);
  real_tmp = realpath (tmp, NULL);
  fix_file = g_strdup_printf ("chown root %s", plugin);
  fix_dir = g_strdup_printf ("chown root %s", real_tmp);
  g_assert_cmpint (chown (plugin, nobody, (gid_t) -1), ==, 0);
  assert_refused (plugin, NULL, TOCSIN_ERROR_PLUGIN_INSECURE, "the file", "uid 65534", fix_file,
                  NULL);
  g_assert_cmpint (chown (plugin, 0, (gid_t) -1), ==, 0);
  g_assert_cmpint (chown (tmp, nobody, (gid_t) -1), ==, 0);
  assert_refused (plugin, NULL, TOCSIN_ERROR_PLUGIN_INSECURE, "its directory", "uid 65534",
                  fix_dir, NULL);
  g_assert_cmpint (chown (tmp, 0, (gid_t) -1), ==, 0);
  tt_rm_rf (tmp);
}

static void
test_refuse_not_regular (void)
{
  g_autofree char *tmp = tt_make_tmpdir ();
  g_autofree char *dir = g_build_filename (tmp, "directory.so", NULL);
  const char *extra[] = { tmp, NULL };

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  assert_refused ("directory", extra, TOCSIN_ERROR_PLUGIN_INSECURE, "not a regular file", NULL);
  tt_rm_rf (tmp);
}

/* ------------------------------------------------------------------------------------------ */
/* Built-in classes                                                                             */

static void
test_builtin_register (void)
{
  g_autoptr (GError) error = NULL;
  TocsinChannelClass klass = counting_class ("builtin-ok");
  TocsinTransportClass transport = transport_class ("builtin-transport");

  g_assert_true (tocsin_register_channel_class (&klass, &error));
  g_assert_no_error (error);
  g_assert_true (tocsin_register_transport_class (&transport, &error));
  g_assert_no_error (error);
  /* Channel and transport types are separate name spaces. */
  klass.type_name = "builtin-transport";
  g_assert_true (tocsin_register_channel_class (&klass, &error));
  g_assert_no_error (error);
}

static void
test_builtin_duplicate (void)
{
  g_autoptr (GError) error = NULL;
  TocsinChannelClass klass = counting_class ("builtin-twice");

  g_assert_true (tocsin_register_channel_class (&klass, &error));
  g_assert_no_error (error);
  g_assert_false (tocsin_register_channel_class (&klass, &error));
  g_assert_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_DUPLICATE_TYPE);
  g_assert_nonnull (strstr (error->message, "<built-in>"));
  g_assert_nonnull (strstr (error->message, "'builtin-twice'"));
}

static void
assert_class_refused (const TocsinChannelClass *klass, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (tocsin_register_channel_class (klass, &error));
  g_assert_error (error, TOCSIN_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "<built-in>"));
  if (strstr (error->message, fragment) == NULL)
    g_error ("message lacks '%s': %s", fragment, error->message);
}

static void
test_builtin_refuse_class (void)
{
  TocsinChannelClass klass;

  klass = counting_class ("builtin-small");
  klass.struct_size = TOCSIN_CHANNEL_CLASS_SIZE_1_0 - 1;
  assert_class_refused (&klass, TOCSIN_ERROR_PLUGIN_INVALID, "too small");
  klass = counting_class ("builtin-large");
  klass.struct_size = sizeof (TocsinChannelClass) + 8;
  assert_class_refused (&klass, TOCSIN_ERROR_PLUGIN_ABI_TOO_NEW, "newer tocsin headers");
  klass = counting_class ("builtin-no-create");
  klass.create = NULL;
  assert_class_refused (&klass, TOCSIN_ERROR_PLUGIN_INVALID, "missing required method 'create'");
  klass = counting_class ("builtin-no-destroy");
  klass.destroy = NULL;
  assert_class_refused (&klass, TOCSIN_ERROR_PLUGIN_INVALID, "missing required method 'destroy'");
  klass = counting_class (NULL);
  assert_class_refused (&klass, TOCSIN_ERROR_PLUGIN_INVALID, "invalid type name '(null)'");
  klass = counting_class ("../evil");
  assert_class_refused (&klass, TOCSIN_ERROR_PLUGIN_INVALID, "invalid type name '../evil'");
  klass = counting_class ("builtin-reserved");
  klass.reserved[3] = &klass;
  assert_class_refused (&klass, TOCSIN_ERROR_PLUGIN_INVALID, "reserved slot 3");
}

static void
test_builtin_refuse_settings (void)
{
  static const TocsinSettingSpec bad_name[] = { { "has space", TOCSIN_SETTING_STRING }, { NULL } };
  static const TocsinSettingSpec reserved_name[] = { { "throttle", TOCSIN_SETTING_STRING }, { NULL } };
  static const TocsinSettingSpec bad_type[] = { { "x", 42 }, { NULL } };
  static const TocsinSettingSpec no_choices[] = { { "x", TOCSIN_SETTING_CHOICE }, { NULL } };
  static const TocsinSettingSpec twice[] = {
    { "x", TOCSIN_SETTING_STRING }, { "x", TOCSIN_SETTING_INT }, { NULL }
  };
  static const TocsinSettingSpec reserved_slot[] = {
    { "x", TOCSIN_SETTING_STRING, .reserved = { NULL, (gpointer) "y" } }, { NULL }
  };
  TocsinSettingSpec *unterminated = g_new0 (TocsinSettingSpec, 300);
  TocsinChannelClass klass = counting_class ("builtin-settings");

  klass.settings = bad_name;
  assert_class_refused (&klass, TOCSIN_ERROR_PLUGIN_INVALID, "setting 'has space'");
  klass.settings = reserved_name;
  assert_class_refused (&klass, TOCSIN_ERROR_PLUGIN_INVALID, "reserved");
  klass.settings = bad_type;
  assert_class_refused (&klass, TOCSIN_ERROR_PLUGIN_INVALID, "unknown type");
  klass.settings = no_choices;
  assert_class_refused (&klass, TOCSIN_ERROR_PLUGIN_INVALID, "without choices");
  klass.settings = twice;
  assert_class_refused (&klass, TOCSIN_ERROR_PLUGIN_INVALID, "declared twice");
  klass.settings = reserved_slot;
  assert_class_refused (&klass, TOCSIN_ERROR_PLUGIN_INVALID, "reserved slot");
  for (int i = 0; i < 299; i++)
    {
      unterminated[i].name = g_strdup_printf ("s%d", i);
      unterminated[i].type = TOCSIN_SETTING_STRING;
    }
  klass.settings = unterminated;
  assert_class_refused (&klass, TOCSIN_ERROR_PLUGIN_INVALID, "more than 256 settings");
  for (int i = 0; i < 299; i++)
    g_free ((char *) unterminated[i].name);
  g_free (unterminated);
}

/* A class built against the 1.0 headers, whose struct ends before reserved[], is accepted, and
 * whatever lies past its struct_size is not read as a method. */
static void
test_builtin_older_class (void)
{
  g_autoptr (GError) error = NULL;
  TocsinChannelClass *klass = g_new0 (TocsinChannelClass, 1);

  *klass = counting_class ("builtin-older");
  klass->struct_size = TOCSIN_CHANNEL_CLASS_SIZE_1_0;
  for (gsize i = 0; i < G_N_ELEMENTS (klass->reserved); i++)
    klass->reserved[i] = klass; /* garbage beyond the class as the plugin saw it */
  g_assert_true (tocsin_register_channel_class (klass, &error));
  g_assert_no_error (error);
  g_free (klass);
}

static void
test_builtin_preconditions (void)
{
  if (!g_test_undefined ())
    return;
  g_test_expect_message ("tocsin", G_LOG_LEVEL_CRITICAL, "*klass != NULL*");
  g_assert_false (tocsin_register_channel_class (NULL, NULL));
  g_test_assert_expected_messages ();
  g_test_expect_message ("tocsin", G_LOG_LEVEL_CRITICAL, "*name_or_path != NULL*");
  g_assert_false (tocsin_plugin_load (NULL, NULL, NULL));
  g_test_assert_expected_messages ();
}

/* ------------------------------------------------------------------------------------------ */
/* Scanning                                                                                     */

static const TocsinPluginInfo *
find_info (GPtrArray *infos, const char *name)
{
  for (guint i = 0; i < infos->len; i++)
    if (g_str_equal (tocsin_plugin_info_get_name (g_ptr_array_index (infos, i)), name))
      return g_ptr_array_index (infos, i);
  return NULL;
}

static void
test_scan_lists (void)
{
  g_autoptr (GPtrArray) infos = tocsin_plugin_scan (NULL);
  g_autofree char *hello_path = test_plugin_path ("hello");
  const TocsinPluginInfo *hello = find_info (infos, "hello");
  const TocsinPluginInfo *minor = find_info (infos, "bad-abi-minor");

  g_assert_nonnull (hello);
  g_assert_null (tocsin_plugin_info_get_error (hello));
  g_assert_cmpstr (tocsin_plugin_info_get_path (hello), ==, hello_path);
  g_assert_cmpstr (tocsin_plugin_info_get_version (hello), ==, "1.2.3");
  g_assert_cmpstr (tocsin_plugin_info_get_license (hello), ==, "LGPL-2.1-or-later");
  g_assert_cmpstr (tocsin_plugin_info_get_description (hello), ==, "A test plugin that says hello");
  g_assert_true (strv_contains (tocsin_plugin_info_get_channel_types (hello), "hello"));
  g_assert_true (strv_contains (tocsin_plugin_info_get_transport_types (hello), "hello-mail"));

  g_assert_nonnull (minor);
  g_assert_error ((GError *) tocsin_plugin_info_get_error (minor), TOCSIN_ERROR,
                  TOCSIN_ERROR_PLUGIN_ABI_TOO_NEW);
  g_assert_null (tocsin_plugin_info_get_version (minor));
  g_assert_cmpuint (g_strv_length ((char **) tocsin_plugin_info_get_channel_types (minor)), ==, 0);

  for (guint i = 1; i < infos->len; i++)
    g_assert_cmpstr (tocsin_plugin_info_get_name (g_ptr_array_index (infos, i - 1)), <,
                     tocsin_plugin_info_get_name (g_ptr_array_index (infos, i)));
}

/* The first file of each name on the search path is the one scanned; an invalid name is listed
 * with its error rather than silently skipped. */
static void
test_scan_first_wins (void)
{
  g_autofree char *tmp = tt_make_tmpdir ();
  g_autofree char *major = test_plugin_path ("bad-abi-major");
  g_autofree char *shadow = g_build_filename (tmp, "bad-abi-minor.so", NULL);
  g_autofree char *odd = g_build_filename (tmp, "Odd.so", NULL);
  const char *extra[] = { tmp, NULL };
  g_autoptr (GPtrArray) infos = NULL;
  const TocsinPluginInfo *info;

  copy_file (major, shadow, 0755);
  copy_file (major, odd, 0755);
  infos = tocsin_plugin_scan (extra);
  info = find_info (infos, "bad-abi-minor");
  g_assert_nonnull (info);
  g_assert_true (g_str_has_prefix (tocsin_plugin_info_get_path (info), tmp));
  g_assert_error ((GError *) tocsin_plugin_info_get_error (info), TOCSIN_ERROR,
                  TOCSIN_ERROR_PLUGIN_ABI_MISMATCH);
  info = find_info (infos, "Odd");
  g_assert_nonnull (info);
  g_assert_error ((GError *) tocsin_plugin_info_get_error (info), TOCSIN_ERROR,
                  TOCSIN_ERROR_INVALID_ARGUMENT);
  tt_rm_rf (tmp);
}

/* ------------------------------------------------------------------------------------------ */
/* The registered copy at work, through the manager                                             */

/* The core works from its own copy: the class the application passed may go away. */
static void
test_copy_outlives_original (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinManager) manager = tocsin_manager_new ();
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("copied", "builtin-copied");
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("title", "body", TOCSIN_LEVEL_INFO);
  g_autoptr (GPtrArray) results = NULL;
  TocsinChannelClass *klass = g_new0 (TocsinChannelClass, 1);
  int created_before = g_atomic_int_get (&created), sent_before = g_atomic_int_get (&sent);

  *klass = counting_class ("builtin-copied");
  g_assert_true (tocsin_register_channel_class (klass, &error));
  g_assert_no_error (error);
  memset (klass, 0xab, sizeof *klass);
  g_free (klass);

  g_assert_true (tocsin_manager_add_channel (manager, spec, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&created), ==, created_before + 1);
  results = tocsin_manager_send (manager, alert, NULL);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_true (tocsin_result_get_success (g_ptr_array_index (results, 0)));
  g_assert_cmpint (g_atomic_int_get (&sent), ==, sent_before + 1);
}

/* A plugin's class, found through its type, delivers. */
static void
test_copy_plugin_delivers (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinManager) manager = tocsin_manager_new ();
  g_autoptr (TocsinChannelSpec) spec = tocsin_channel_spec_new ("hi", "hello");
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("title", "body", TOCSIN_LEVEL_INFO);
  g_autoptr (GPtrArray) results = NULL;

  g_assert_true (tocsin_plugin_load ("hello", NULL, &error));
  g_assert_no_error (error);
  tocsin_channel_spec_add_setting (spec, "target", "world");
  g_assert_true (tocsin_manager_add_channel (manager, spec, &error));
  g_assert_no_error (error);
  results = tocsin_manager_send (manager, alert, NULL);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_true (tocsin_result_get_success (g_ptr_array_index (results, 0)));
  g_assert_cmpstr (tocsin_result_get_message_id (g_ptr_array_index (results, 0)), ==, "hello-1");
}

/* A plugin built against the frozen 1.0 structures keeps loading and delivering, with the full
 * 1.0 class size and with the smallest one. */
static void
test_abi_frozen_plugin (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinManager) manager = tocsin_manager_new ();
  g_autoptr (TocsinChannelSpec) full = tocsin_channel_spec_new ("full", "frozen-1-0");
  g_autoptr (TocsinChannelSpec) small = tocsin_channel_spec_new ("short", "frozen-1-0-short");
  g_autoptr (TocsinAlert) alert = tocsin_alert_new ("title", "body", TOCSIN_LEVEL_INFO);
  g_autoptr (GPtrArray) results = NULL;

  g_assert_true (tocsin_plugin_load ("frozen-1-0", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tocsin_manager_add_channel (manager, full, &error));
  g_assert_no_error (error);
  g_assert_true (tocsin_manager_add_channel (manager, small, &error));
  g_assert_no_error (error);
  results = tocsin_manager_send (manager, alert, NULL);
  g_assert_cmpuint (results->len, ==, 2);
  for (guint i = 0; i < results->len; i++)
    {
      g_assert_true (tocsin_result_get_success (g_ptr_array_index (results, i)));
      g_assert_cmpstr (tocsin_result_get_message_id (g_ptr_array_index (results, i)), ==,
                       "frozen-1.0");
    }
}

#define REFUSED(path, refused_plugin) \
  g_test_add_data_func (path, &refused_plugin, test_refuse_plugin)

int
main (int argc, char **argv)
{
  tt_init (&argc, &argv);

  /* Run directly (not through CTest), find the test plugins all the same. */
  if (g_getenv ("TOCSIN_PLUGIN_PATH") == NULL)
    {
      g_autofree char *shipped = tt_build_path ("plugins");
      g_autofree char *tests = tt_build_path ("tests/plugins");
      g_autofree char *path = g_strjoin (":", shipped, tests, NULL);
      g_setenv ("TOCSIN_PLUGIN_PATH", path, TRUE);
    }

  g_test_add_func ("/loader/abi/layout", test_abi_layout);
  g_test_add_func ("/loader/abi/exports-only-entry", test_abi_exports);
  g_test_add_func ("/loader/abi/hidden-functions", test_abi_hidden);
  g_test_add_func ("/loader/abi/frozen-1-0-plugin", test_abi_frozen_plugin);

  g_test_add_func ("/loader/load/by-name", test_load_by_name);
  g_test_add_func ("/loader/load/by-path", test_load_by_path);
  g_test_add_func ("/loader/load/twice-is-noop", test_load_twice);
  g_test_add_func ("/loader/load/registers-types", test_load_registers_types);
  g_test_add_func ("/loader/load/logs-debug", test_load_logs);
  g_test_add_func ("/loader/load/concurrent", test_load_concurrent);

  g_test_add_func ("/loader/search-path/order", test_search_path_order);
  g_test_add_func ("/loader/search-path/extra-dirs-first", test_search_path_extra_first);

  g_test_add_func ("/loader/refuse/invalid-name", test_refuse_invalid_name);
  g_test_add_func ("/loader/refuse/not-found", test_refuse_not_found);
  REFUSED ("/loader/refuse/open-failed", refuse_open_failed);
  REFUSED ("/loader/refuse/not-a-plugin", refuse_not_a_plugin);
  REFUSED ("/loader/refuse/null-descriptor", refuse_null_descriptor);
  REFUSED ("/loader/refuse/abi-major", refuse_abi_major);
  g_test_add_func ("/loader/refuse/abi-too-new", test_refuse_abi_too_new);
  g_test_add_func ("/loader/refuse/foreign-owner", test_refuse_foreign_owner);
  g_test_add_func ("/loader/refuse/on-demand-located", test_refuse_on_demand_located);
  g_test_add_func ("/loader/refuse/constructor-registration",
                   test_refuse_constructor_registration);
  REFUSED ("/loader/refuse/descriptor-too-small", refuse_descriptor_too_small);
  g_test_add_func ("/loader/refuse/descriptor-fields", test_refuse_descriptor_fields);
  REFUSED ("/loader/refuse/name-mismatch", refuse_name_mismatch);
  REFUSED ("/loader/refuse/class-too-small", refuse_class_too_small);
  REFUSED ("/loader/refuse/missing-method", refuse_missing_method);
  REFUSED ("/loader/refuse/bad-type-name", refuse_bad_type_name);
  g_test_add_func ("/loader/refuse/duplicate-type", test_refuse_duplicate_type);
  g_test_add_func ("/loader/refuse/nothing-half-registered", test_refuse_nothing_registered);
  g_test_add_func ("/loader/refuse/insecure-file", test_refuse_insecure_file);
  g_test_add_func ("/loader/refuse/insecure-dir", test_refuse_insecure_dir);
  g_test_add_func ("/loader/refuse/not-regular", test_refuse_not_regular);

  g_test_add_func ("/loader/builtin/register", test_builtin_register);
  g_test_add_func ("/loader/builtin/duplicate", test_builtin_duplicate);
  g_test_add_func ("/loader/builtin/refuse-class", test_builtin_refuse_class);
  g_test_add_func ("/loader/builtin/refuse-settings", test_builtin_refuse_settings);
  g_test_add_func ("/loader/builtin/older-class", test_builtin_older_class);
  g_test_add_func ("/loader/builtin/preconditions", test_builtin_preconditions);

  g_test_add_func ("/loader/scan/lists-plugins", test_scan_lists);
  g_test_add_func ("/loader/scan/first-wins", test_scan_first_wins);

  g_test_add_func ("/loader/copy/outlives-original", test_copy_outlives_original);
  g_test_add_func ("/loader/copy/plugin-delivers", test_copy_plugin_delivers);

  return g_test_run ();
}
