/* registry.c: the process-wide registry of plugin files and of the channel and transport
 * classes they provide, and the loader that fills it.
 *
 * The loader follows the order of checks of the plugin ABI design (docs: plugin-abi-and-style,
 * b.6): resolve the name on the search path, refuse insecure files, dlopen(RTLD_NOW |
 * RTLD_LOCAL), find the one entry symbol, check the frozen descriptor header (ABI major, minor,
 * size), the descriptor's fields, then every class. Only when everything passed is anything
 * registered, so a refused plugin leaves no trace but its error. A loaded plugin is never
 * unloaded: its code may run on worker threads until the process exits.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE /* dladdr */
#include "registry-private.h"
#include "log-private.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef TOCSIN_PLUGINDIR
#error "TOCSIN_PLUGINDIR must be defined by the build"
#endif

#define BUILTIN_ORIGIN "<built-in>"

/* Guards against a descriptor or settings list whose NULL terminator is missing: such a plugin
 * would otherwise make the loader walk through unrelated memory. */
#define MAX_CLASSES  256
#define MAX_SETTINGS 256

/* Which tocsin release introduced each plugin ABI minor, for the "needs tocsin >= X" advice.
 * Append a row with every minor bump. */
static const struct {
  guint minor;
  const char *release;
} abi_minor_releases[] = {
  { 0, "1.0.0" },
};

typedef struct {
  char *path; /* canonical real path, or BUILTIN_ORIGIN */
  char *name;
  char *version;
  char *license;
  char *description;
  char **channel_types;   /* sorted */
  char **transport_types; /* sorted */
} LoadedPlugin;

/* The core's own copy of a class: zero-filled beyond what the plugin knew, so methods of later
 * ABI minors read NULL. Entries are never freed: the lookups hand out pointers to them. */
typedef struct {
  TocsinChannelClass klass;
  const char *origin; /* (unowned) LoadedPlugin.path or BUILTIN_ORIGIN */
} ChannelEntry;

typedef struct {
  TocsinTransportClass klass;
  const char *origin;
} TransportEntry;

struct _TocsinPluginInfo {
  char *name;
  char *path;
  char *version;
  char *license;
  char *description;
  char **channel_types;
  char **transport_types;
  GError *error;
};

/* Recursive, because a plugin's constructor, run by dlopen() while the lock is held, may call
 * tocsin_register_channel_class(), which must then be able to refuse it (loading_path). */
static GRecMutex registry_lock;
static GHashTable *plugins_by_path;   /* real path -> LoadedPlugin */
static GHashTable *plugins_by_name;   /* descriptor name -> LoadedPlugin (same objects) */
static GHashTable *channel_classes;   /* type name -> ChannelEntry */
static GHashTable *transport_classes; /* type name -> TransportEntry */
/* The plugin file being dlopen()ed, under the lock: a registration made meanwhile comes from
 * its constructors (only this thread can take the lock), and is refused so that a plugin the
 * loader then refuses leaves nothing registered and can be unmapped. */
static const char *loading_path;

static void
registry_lock_and_init (void)
{
  g_rec_mutex_lock (&registry_lock);
  if (plugins_by_path != NULL)
    return;
  plugins_by_path = g_hash_table_new (g_str_hash, g_str_equal);
  plugins_by_name = g_hash_table_new (g_str_hash, g_str_equal);
  channel_classes = g_hash_table_new (g_str_hash, g_str_equal);
  transport_classes = g_hash_table_new (g_str_hash, g_str_equal);
}

static void
registry_unlock (void)
{
  g_rec_mutex_unlock (&registry_lock);
}

/* [a-z0-9][a-z0-9_-]*: safe as a file name (no '/', no '..') and as an XML attribute value. */
static gboolean
is_valid_name (const char *name)
{
  if (name == NULL || !(g_ascii_islower (name[0]) || g_ascii_isdigit (name[0])))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '_' || *p == '-'))
      return FALSE;
  return TRUE;
}

/* A setting is a child element of <channel>: an XML name, restricted to ASCII. */
static gboolean
is_valid_setting_name (const char *name)
{
  if (name == NULL || !(g_ascii_isalpha (name[0]) || name[0] == '_'))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '_' || *p == '-' || *p == '.'))
      return FALSE;
  return TRUE;
}

static char *
join_or_none (char **names)
{
  return names != NULL && names[0] != NULL ? g_strjoinv (", ", names) : g_strdup ("none");
}

/* ------------------------------------------------------------------------------------------ */
/* Class checks, shared by plugin classes and built-in ones                                     */

/* What check_class() needs to know of a channel or transport class; both have the same shape. */
typedef struct {
  const char *kind; /* "channel" or "transport" */
  guint index;      /* position in the descriptor's list, for classes without a valid name */
  guint32 struct_size;
  const char *type_name;
  const TocsinSettingSpec *settings;
  gboolean has_create, has_send, has_destroy;
  const gpointer *reserved;
  gsize n_reserved;
} ClassView;

static char *
class_label (const ClassView *view)
{
  if (is_valid_name (view->type_name))
    return g_strdup_printf ("%s class '%s'", view->kind, view->type_name);
  return g_strdup_printf ("%s class #%u", view->kind, view->index + 1);
}

static gboolean
check_setting (const char *origin, const char *label, const TocsinSettingSpec *spec,
               GHashTable *seen, GError **error)
{
  const char *why = NULL;

  if (!is_valid_setting_name (spec->name))
    why = "is not a valid XML element name ([A-Za-z_][A-Za-z0-9_.-]*)";
  else if (g_str_equal (spec->name, "throttle"))
    why = "is reserved: <throttle> inside a channel is the core's";
  else if (spec->type < TOCSIN_SETTING_STRING || spec->type > TOCSIN_SETTING_ELEMENT)
    why = "has an unknown type (use one of the TOCSIN_SETTING_* types)";
  else if (spec->type == TOCSIN_SETTING_CHOICE && (spec->choices == NULL || spec->choices[0] == NULL))
    why = "is a TOCSIN_SETTING_CHOICE without choices";
  else if (g_hash_table_contains (seen, spec->name))
    why = "is declared twice";
  for (gsize i = 0; why == NULL && i < G_N_ELEMENTS (spec->reserved); i++)
    if (spec->reserved[i] != NULL)
      why = "has a non-NULL reserved slot (reserved slots must be NULL)";
  if (why != NULL)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INVALID,
                   "%s: %s: setting '%s' %s", origin, label, spec->name, why);
      return FALSE;
    }
  g_hash_table_add (seen, (gpointer) spec->name);
  return TRUE;
}

static gboolean
check_settings (const char *origin, const char *label, const TocsinSettingSpec *settings,
                GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (settings == NULL)
    return TRUE;
  for (gsize i = 0; settings[i].name != NULL; i++)
    {
      if (i >= MAX_SETTINGS)
        {
          g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INVALID,
                       "%s: %s declares more than %d settings; is the {NULL} entry that ends "
                       "its settings array missing?", origin, label, MAX_SETTINGS);
          return FALSE;
        }
      if (!check_setting (origin, label, &settings[i], seen, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_class_methods (const char *origin, const char *label, const ClassView *view, GError **error)
{
  const char *missing = !view->has_create ? "create"
                        : !view->has_send ? "send"
                        : !view->has_destroy ? "destroy" : NULL;

  if (missing == NULL)
    return TRUE;
  g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INVALID,
               "%s: %s is missing required method '%s'; every %s class must provide create, "
               "send and destroy", origin, label, missing, view->kind);
  return FALSE;
}

/* @view describes the core's zero-filled copy, so reading any of its fields is safe. */
static gboolean
check_class (const char *origin, const ClassView *view, GError **error)
{
  g_autofree char *label = class_label (view);

  if (!is_valid_name (view->type_name))
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INVALID,
                   "%s: %s has an invalid type name '%s'; a type name matches [a-z0-9][a-z0-9_-]*",
                   origin, label, view->type_name ? view->type_name : "(null)");
      return FALSE;
    }
  if (!check_class_methods (origin, label, view, error))
    return FALSE;
  for (gsize i = 0; i < view->n_reserved; i++)
    if (view->reserved[i] != NULL)
      {
        g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INVALID,
                     "%s: %s has a non-NULL reserved slot %" G_GSIZE_FORMAT "; reserved slots "
                     "must be NULL in tocsin plugin ABI 1.%d", origin, label, i,
                     TOCSIN_PLUGIN_ABI_MINOR);
        return FALSE;
      }
  return check_settings (origin, label, view->settings, error);
}

/* Refuses a class the core cannot copy: smaller than ABI 1.0 or larger than this core knows.
 * Reads only the leading struct_size, which every class has. */
static gboolean
check_class_size (const char *origin, const char *kind, guint index, guint32 struct_size,
                  gsize min_size, gsize core_size, GError **error)
{
  if (struct_size < min_size)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INVALID,
                   "%s: %s class #%u is too small (struct_size %u bytes; tocsin plugin ABI 1.0 "
                   "needs at least %" G_GSIZE_FORMAT "); set struct_size to sizeof "
                   "(Tocsin%sClass) and rebuild against the tocsin headers", origin, kind,
                   index + 1, struct_size, min_size,
                   g_str_equal (kind, "channel") ? "Channel" : "Transport");
      return FALSE;
    }
  if (struct_size > core_size)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_ABI_TOO_NEW,
                   "%s: %s class #%u is %u bytes, larger than the %" G_GSIZE_FORMAT " bytes "
                   "tocsin %s knows; it was built against newer tocsin headers: upgrade tocsin "
                   "or rebuild against the headers of this version", origin, kind, index + 1,
                   struct_size, core_size, tocsin_get_version ());
      return FALSE;
    }
  return TRUE;
}

/* Copies @struct_size bytes of a plugin's class into the core's zero-filled @copy of
 * @copy_size bytes, after check_class_size() accepted the size. */
static gboolean
copy_class_struct (const char *origin, const char *kind, guint index, gconstpointer klass,
                   guint32 struct_size, gsize min_size, gpointer copy, gsize copy_size,
                   GError **error)
{
  memset (copy, 0, copy_size);
  if (!check_class_size (origin, kind, index, struct_size, min_size, copy_size, error))
    return FALSE;
  memcpy (copy, klass, MIN (struct_size, copy_size));
  return TRUE;
}

/* The ClassView of @copy, a TocsinChannelClass or TocsinTransportClass: a macro because the
 * two are distinct types, which have every field check_class() reads under the same name. */
#define CLASS_VIEW(kind_, index_, copy)                                                  \
  ((ClassView) { .kind = (kind_), .index = (index_), .struct_size = (copy)->struct_size, \
                 .type_name = (copy)->type_name, .settings = (copy)->settings,           \
                 .has_create = (copy)->create != NULL, .has_send = (copy)->send != NULL, \
                 .has_destroy = (copy)->destroy != NULL,                                 \
                 .reserved = (const gpointer *) (copy)->reserved,                        \
                 .n_reserved = G_N_ELEMENTS ((copy)->reserved) })

static gboolean
copy_channel_class (const char *origin, guint index, const TocsinChannelClass *klass,
                    TocsinChannelClass *copy, GError **error)
{
  ClassView view;

  if (!copy_class_struct (origin, "channel", index, klass, klass->struct_size,
                          TOCSIN_CHANNEL_CLASS_SIZE_1_0, copy, sizeof *copy, error))
    return FALSE;
  view = CLASS_VIEW ("channel", index, copy);
  return check_class (origin, &view, error);
}

static gboolean
copy_transport_class (const char *origin, guint index, const TocsinTransportClass *klass,
                      TocsinTransportClass *copy, GError **error)
{
  ClassView view;

  if (!copy_class_struct (origin, "transport", index, klass, klass->struct_size,
                          TOCSIN_TRANSPORT_CLASS_SIZE_1_0, copy, sizeof *copy, error))
    return FALSE;
  view = CLASS_VIEW ("transport", index, copy);
  return check_class (origin, &view, error);
}

/* Refuses a type already registered, or declared twice by the same file (in @pending). */
static gboolean
check_type_free (const char *origin, const char *kind, const char *type_name,
                 GHashTable *registered, GHashTable *pending, GError **error)
{
  const char *other = NULL;
  gpointer entry;

  if (g_hash_table_lookup_extended (registered, type_name, NULL, &entry))
    other = g_str_equal (kind, "channel") ? ((ChannelEntry *) entry)->origin
                                          : ((TransportEntry *) entry)->origin;
  else if (pending != NULL && g_hash_table_contains (pending, type_name))
    other = origin;
  if (other == NULL)
    return TRUE;
  g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_DUPLICATE_TYPE,
               "%s: %s type '%s' is already provided by %s; remove one of the two from the "
               "plugin path, or rename the type", origin, kind, type_name,
               g_str_equal (other, origin) && pending != NULL ? "the same file" : other);
  return FALSE;
}

/* ------------------------------------------------------------------------------------------ */
/* Built-in classes                                                                             */

/* A plugin provides its classes through its descriptor, which the loader checks as a whole. */
static gboolean
check_not_loading (const char *kind, const char *type_name, GError **error)
{
  GError *local;

  if (loading_path == NULL)
    return TRUE;
  local = g_error_new (TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INVALID,
                       "%s: refusing to register %s type '%s' from code run while the plugin is "
                       "loaded (a constructor); list the class in TOCSIN_PLUGIN_DEFINE instead",
                       loading_path, kind, type_name ? type_name : "(null)");
  /* The caller is a constructor, which has nowhere to report the error. */
  priv_tocsin_log (G_LOG_LEVEL_WARNING, NULL, "%s", local->message);
  g_propagate_error (error, local);
  return FALSE;
}

gboolean
tocsin_register_channel_class (const TocsinChannelClass *klass, GError **error)
{
  ChannelEntry *entry;
  TocsinChannelClass copy;
  gboolean ok;

  g_return_val_if_fail (klass != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  registry_lock_and_init ();
  ok = check_not_loading ("channel", klass->type_name, error)
       && copy_channel_class (BUILTIN_ORIGIN, 0, klass, &copy, error)
       && check_type_free (BUILTIN_ORIGIN, "channel", copy.type_name, channel_classes, NULL, error);
  if (ok)
    {
      entry = g_new0 (ChannelEntry, 1);
      entry->klass = copy;
      entry->origin = BUILTIN_ORIGIN;
      g_hash_table_insert (channel_classes, (gpointer) copy.type_name, entry);
      priv_tocsin_log (G_LOG_LEVEL_DEBUG, NULL, "Registered built-in channel type '%s'",
                       copy.type_name);
    }
  registry_unlock ();
  return ok;
}

gboolean
tocsin_register_transport_class (const TocsinTransportClass *klass, GError **error)
{
  TransportEntry *entry;
  TocsinTransportClass copy;
  gboolean ok;

  g_return_val_if_fail (klass != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  registry_lock_and_init ();
  ok = check_not_loading ("transport", klass->type_name, error)
       && copy_transport_class (BUILTIN_ORIGIN, 0, klass, &copy, error)
       && check_type_free (BUILTIN_ORIGIN, "transport", copy.type_name, transport_classes, NULL,
                           error);
  if (ok)
    {
      entry = g_new0 (TransportEntry, 1);
      entry->klass = copy;
      entry->origin = BUILTIN_ORIGIN;
      g_hash_table_insert (transport_classes, (gpointer) copy.type_name, entry);
      priv_tocsin_log (G_LOG_LEVEL_DEBUG, NULL, "Registered built-in transport type '%s'",
                       copy.type_name);
    }
  registry_unlock ();
  return ok;
}

/* ------------------------------------------------------------------------------------------ */
/* Lookups                                                                                      */

const TocsinChannelClass *
priv_tocsin_registry_lookup_channel (const char *type_name)
{
  ChannelEntry *entry;

  g_return_val_if_fail (type_name != NULL, NULL);
  registry_lock_and_init ();
  entry = g_hash_table_lookup (channel_classes, type_name);
  registry_unlock ();
  return entry ? &entry->klass : NULL;
}

const TocsinTransportClass *
priv_tocsin_registry_lookup_transport (const char *type_name)
{
  TransportEntry *entry;

  g_return_val_if_fail (type_name != NULL, NULL);
  registry_lock_and_init ();
  entry = g_hash_table_lookup (transport_classes, type_name);
  registry_unlock ();
  return entry ? &entry->klass : NULL;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* (transfer full) The keys of @table, sorted. */
static char **
list_types (GHashTable **table)
{
  g_autofree gpointer *keys = NULL;
  guint n = 0;
  char **names;

  registry_lock_and_init ();
  keys = g_hash_table_get_keys_as_array (*table, &n);
  names = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    names[i] = g_strdup (keys[i]);
  registry_unlock ();
  qsort (names, n, sizeof (char *), compare_strings);
  return names;
}

char **
priv_tocsin_registry_list_channel_types (void)
{
  return list_types (&channel_classes);
}

char **
priv_tocsin_registry_list_transport_types (void)
{
  return list_types (&transport_classes);
}

/* ------------------------------------------------------------------------------------------ */
/* Search path                                                                                  */

static void
add_dir (GPtrArray *dirs, const char *dir)
{
  if (dir == NULL || dir[0] == '\0')
    return;
  for (guint i = 0; i < dirs->len; i++)
    if (g_str_equal (g_ptr_array_index (dirs, i), dir))
      return;
  g_ptr_array_add (dirs, g_strdup (dir));
}

/* (transfer full) The installed plugin folder. Plugins live in ${libdir}/tocsin-1/plugins beside
 * the library itself, so it is found from where libtocsin was loaded: an install moved with
 * `cmake --install --prefix DIR` still finds its own plugins. Falls back to the folder the build
 * was configured for (e.g. when running from the build tree). */
static char *
installed_plugindir (void)
{
  Dl_info info;
  g_autofree char *library = NULL;

  if (dladdr ((const void *) tocsin_plugin_get_search_path, &info) != 0 && info.dli_fname != NULL &&
      (library = realpath (info.dli_fname, NULL)) != NULL)
    {
      g_autofree char *libdir = g_path_get_dirname (library);
      char *dir = g_build_filename (libdir, "tocsin-1", "plugins", NULL);
      if (g_file_test (dir, G_FILE_TEST_IS_DIR))
        return dir;
      g_free (dir);
    }
  return g_strdup (TOCSIN_PLUGINDIR);
}

char **
tocsin_plugin_get_search_path (const char *const *extra_dirs)
{
  g_autofree char *installed = installed_plugindir ();
  GPtrArray *dirs = g_ptr_array_new ();
  const char *env;

  for (gsize i = 0; extra_dirs != NULL && extra_dirs[i] != NULL; i++)
    add_dir (dirs, extra_dirs[i]);
  /* In a setuid/setgid process the environment belongs to a less privileged user, who must
   * not choose the code it runs (the reason GIO ignores GIO_EXTRA_MODULES there). */
  env = getauxval (AT_SECURE) == 0 ? g_getenv ("TOCSIN_PLUGIN_PATH") : NULL;
  if (env != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);
      for (gsize i = 0; parts[i] != NULL; i++)
        add_dir (dirs, parts[i]);
    }
  add_dir (dirs, installed);
  g_ptr_array_add (dirs, NULL);
  return (char **) g_ptr_array_free (dirs, FALSE);
}

/* A plugin name becomes "<dir>/<name>.so" only after is_valid_name() said it holds no '/'. */
static char *
find_plugin_file (const char *name, const char *const *extra_dirs, GError **error)
{
  g_auto (GStrv) dirs = tocsin_plugin_get_search_path (extra_dirs);
  g_autoptr (GString) tried = g_string_new (NULL);
  g_autofree char *file = g_strconcat (name, ".so", NULL);

  for (gsize i = 0; dirs[i] != NULL; i++)
    {
      char *candidate = g_build_filename (dirs[i], file, NULL);

      if (g_file_test (candidate, G_FILE_TEST_EXISTS))
        return candidate;
      g_string_append_printf (tried, "%s%s", tried->len ? ", " : "", candidate);
      g_free (candidate);
    }
  g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_NOT_FOUND,
               "Plugin '%s' not found; tried: %s. Install %s into one of these directories, or "
               "add its directory with <plugin-path> in the config or TOCSIN_PLUGIN_PATH",
               name, tried->str, file);
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Loading one file                                                                             */

/* The owner of a file can always rewrite it (chmod first if need be). @what is "the file" or
 * "its directory", @target (stat'ed into @st) the file or the directory. */
static gboolean
check_owner (const char *path, const char *what, const char *target, const struct stat *st,
             GError **error)
{
  if (st->st_uid == 0 || st->st_uid == geteuid ())
    return TRUE;
  g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INSECURE,
               "Refusing to load plugin %s: %s %s is owned by uid %u, neither root nor the user "
               "running this process (uid %u), and its owner can rewrite it; run "
               "'chown root %s' or install the plugin where only root or uid %u can write",
               path, what, target, (guint) st->st_uid, (guint) geteuid (), target,
               (guint) geteuid ());
  return FALSE;
}

/* Anyone who can rewrite the file, or replace it in its directory, could run code in this
 * process; refuse what is writable by group or others, or owned by another user than root or
 * this process's, as OpenSSH's StrictModes does. */
static gboolean
check_file_secure (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  struct stat st;

  if (stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INSECURE,
                   "Refusing to load plugin %s: it is not a regular file", path);
      return FALSE;
    }
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INSECURE,
                   "Refusing to load plugin %s: the file is writable by %s (mode %04o); run "
                   "'chmod go-w %s' (a umask of 002 creates such files)", path,
                   (st.st_mode & S_IWOTH) ? "other users" : "its group",
                   (guint) (st.st_mode & 07777), path);
      return FALSE;
    }
  if (!check_owner (path, "the file", path, &st, error))
    return FALSE;
  if (stat (dir, &st) != 0)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INSECURE,
                   "Refusing to load plugin %s: cannot check its directory %s: %s", path, dir,
                   g_strerror (errno));
      return FALSE;
    }
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INSECURE,
                   "Refusing to load plugin %s: its directory %s is writable by %s (mode %04o); "
                   "run 'chmod go-w %s' or move the plugin to a directory only its owner can "
                   "write", path, dir, (st.st_mode & S_IWOTH) ? "other users" : "its group",
                   (guint) (st.st_mode & 07777), dir);
      return FALSE;
    }
  return check_owner (path, "its directory", dir, &st, error);
}

static char *
needed_release (guint minor)
{
  for (gsize i = 0; i < G_N_ELEMENTS (abi_minor_releases); i++)
    if (abi_minor_releases[i].minor == minor)
      return g_strdup (abi_minor_releases[i].release);
  /* Unknown to this core: every ABI minor bump ships in a tocsin minor release of its own, so
   * 1.<minor> is a safe lower bound. */
  return g_strdup_printf ("%d.%u", TOCSIN_PLUGIN_ABI_MAJOR, minor);
}

/* The frozen 16-byte header, readable in a descriptor of any ABI. */
static gboolean
check_descriptor_header (const char *path, const TocsinPluginDescriptor *d, GError **error)
{
  g_autofree char *release = NULL;

  if (d->abi_major != TOCSIN_PLUGIN_ABI_MAJOR)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_ABI_MISMATCH,
                   "Plugin %s was built for tocsin plugin ABI %u.%u; this core provides ABI "
                   "%d.%d (tocsin %s). Rebuild the plugin against the headers of this tocsin, "
                   "or use a tocsin with plugin ABI %u", path, d->abi_major, d->abi_minor,
                   TOCSIN_PLUGIN_ABI_MAJOR, TOCSIN_PLUGIN_ABI_MINOR, tocsin_get_version (),
                   d->abi_major);
      return FALSE;
    }
  if (d->abi_minor > TOCSIN_PLUGIN_ABI_MINOR)
    {
      release = needed_release (d->abi_minor);
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_ABI_TOO_NEW,
                   "Plugin %s was built for tocsin plugin ABI %u.%u; this core provides %d.%d "
                   "(tocsin %s); it needs tocsin >= %s. Upgrade tocsin, or rebuild the plugin "
                   "against the headers of tocsin %s", path, d->abi_major, d->abi_minor,
                   TOCSIN_PLUGIN_ABI_MAJOR, TOCSIN_PLUGIN_ABI_MINOR, tocsin_get_version (),
                   release, tocsin_get_version ());
      return FALSE;
    }
  if (d->struct_size < TOCSIN_PLUGIN_DESCRIPTOR_SIZE_1_0 || d->struct_size > sizeof *d)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INVALID,
                   "Plugin %s: descriptor too %s (struct_size %u bytes; tocsin plugin ABI 1.%u "
                   "needs %" G_GSIZE_FORMAT " to %" G_GSIZE_FORMAT "); define it with "
                   "TOCSIN_PLUGIN_DEFINE", path,
                   d->struct_size < TOCSIN_PLUGIN_DESCRIPTOR_SIZE_1_0 ? "small" : "large",
                   d->struct_size, d->abi_minor, (gsize) TOCSIN_PLUGIN_DESCRIPTOR_SIZE_1_0,
                   sizeof *d);
      return FALSE;
    }
  return TRUE;
}

static const char *
missing_field (const TocsinPluginDescriptor *d)
{
  if (d->name == NULL || d->name[0] == '\0')
    return "name";
  if (d->version == NULL || d->version[0] == '\0')
    return "version";
  if (d->license == NULL || d->license[0] == '\0')
    return "license";
  if (d->description == NULL || d->description[0] == '\0')
    return "description";
  return NULL;
}

/* @d is the core's zero-filled copy, so every field may be read. */
static gboolean
check_descriptor_fields (const char *path, const TocsinPluginDescriptor *d,
                         const char *expected_name, GError **error)
{
  const char *missing = missing_field (d);
  const char *why = NULL;
  g_autofree char *owned = NULL;

  if (missing != NULL)
    why = owned = g_strdup_printf ("its descriptor has no %s; every plugin must give name, "
                                   "version, license and description", missing);
  else if (d->flags != 0)
    why = owned = g_strdup_printf ("its descriptor has unknown flags 0x%x; tocsin plugin ABI "
                                   "1.%d defines none", d->flags, TOCSIN_PLUGIN_ABI_MINOR);
  else if (!is_valid_name (d->name))
    why = owned = g_strdup_printf ("its name '%s' is invalid; a plugin name matches "
                                   "[a-z0-9][a-z0-9_-]*", d->name);
  else if (expected_name != NULL && !g_str_equal (d->name, expected_name))
    why = owned = g_strdup_printf ("it calls itself '%s', but its file is %s.so; rename the file "
                                   "to %s.so or fix the name in TOCSIN_PLUGIN_DEFINE", d->name,
                                   expected_name, d->name);
  for (gsize i = 0; why == NULL && i < G_N_ELEMENTS (d->reserved); i++)
    if (d->reserved[i] != NULL)
      why = "its descriptor has a non-NULL reserved slot; reserved slots must be NULL";
  if (why == NULL)
    return TRUE;
  g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INVALID, "Plugin %s is invalid: %s",
               path, why);
  return FALSE;
}

/* The classes of one file, checked and copied, waiting to be registered all at once. */
typedef struct {
  GArray *channels;   /* ChannelEntry */
  GArray *transports; /* TransportEntry */
} PendingClasses;

static void
pending_classes_clear (PendingClasses *pending)
{
  g_clear_pointer (&pending->channels, g_array_unref);
  g_clear_pointer (&pending->transports, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PendingClasses, pending_classes_clear)

static gboolean
too_many_classes (const char *path, const char *kind, gsize n, GError **error)
{
  if (n < MAX_CLASSES)
    return FALSE;
  g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INVALID,
               "Plugin %s lists more than %d %s classes; is the NULL that ends its %s_classes "
               "array missing?", path, MAX_CLASSES, kind, kind);
  return TRUE;
}

static gboolean
collect_channel_classes (const char *path, const TocsinChannelClass *const *classes,
                         PendingClasses *pending, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (gsize i = 0; classes != NULL && classes[i] != NULL; i++)
    {
      ChannelEntry entry = { .origin = path };

      if (too_many_classes (path, "channel", i, error)
          || !copy_channel_class (path, i, classes[i], &entry.klass, error)
          || !check_type_free (path, "channel", entry.klass.type_name, channel_classes, seen,
                               error))
        return FALSE;
      g_hash_table_add (seen, (gpointer) entry.klass.type_name);
      g_array_append_val (pending->channels, entry);
    }
  return TRUE;
}

static gboolean
collect_transport_classes (const char *path, const TocsinTransportClass *const *classes,
                           PendingClasses *pending, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (gsize i = 0; classes != NULL && classes[i] != NULL; i++)
    {
      TransportEntry entry = { .origin = path };

      if (too_many_classes (path, "transport", i, error)
          || !copy_transport_class (path, i, classes[i], &entry.klass, error)
          || !check_type_free (path, "transport", entry.klass.type_name, transport_classes,
                               seen, error))
        return FALSE;
      g_hash_table_add (seen, (gpointer) entry.klass.type_name);
      g_array_append_val (pending->transports, entry);
    }
  return TRUE;
}

/* Two files must not both claim a name: a load by name could not tell which is meant. */
static gboolean
check_name_free (const char *path, const char *name, GError **error)
{
  LoadedPlugin *other = g_hash_table_lookup (plugins_by_name, name);

  if (other == NULL)
    return TRUE;
  g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_DUPLICATE_TYPE,
               "Plugin %s is named '%s', but a plugin of that name is already loaded from %s; "
               "remove one of the two from the plugin path", path, name, other->path);
  return FALSE;
}

static char **
sorted_type_names (GArray *entries, gsize entry_size, gsize name_offset)
{
  char **names = g_new0 (char *, entries->len + 1);

  for (guint i = 0; i < entries->len; i++)
    {
      const char *entry = entries->data + i * entry_size;
      names[i] = g_strdup (G_STRUCT_MEMBER (const char *, entry, name_offset));
    }
  qsort (names, entries->len, sizeof (char *), compare_strings);
  return names;
}

/* Everything passed: record the file and publish its classes at their final addresses. */
static LoadedPlugin *
register_plugin (const char *path, const TocsinPluginDescriptor *d, PendingClasses *pending)
{
  LoadedPlugin *plugin = g_new0 (LoadedPlugin, 1);
  g_autofree char *channels = NULL, *transports = NULL;

  plugin->path = g_strdup (path);
  plugin->name = g_strdup (d->name);
  plugin->version = g_strdup (d->version);
  plugin->license = g_strdup (d->license);
  plugin->description = g_strdup (d->description);
  plugin->channel_types = sorted_type_names (pending->channels, sizeof (ChannelEntry),
                                             G_STRUCT_OFFSET (ChannelEntry, klass.type_name));
  plugin->transport_types = sorted_type_names (pending->transports, sizeof (TransportEntry),
                                               G_STRUCT_OFFSET (TransportEntry, klass.type_name));
  for (guint i = 0; i < pending->channels->len; i++)
    {
      ChannelEntry *entry = g_memdup2 (&g_array_index (pending->channels, ChannelEntry, i),
                                       sizeof *entry);
      entry->origin = plugin->path;
      g_hash_table_insert (channel_classes, (gpointer) entry->klass.type_name, entry);
    }
  for (guint i = 0; i < pending->transports->len; i++)
    {
      TransportEntry *entry = g_memdup2 (&g_array_index (pending->transports, TransportEntry, i),
                                         sizeof *entry);
      entry->origin = plugin->path;
      g_hash_table_insert (transport_classes, (gpointer) entry->klass.type_name, entry);
    }
  g_hash_table_insert (plugins_by_path, plugin->path, plugin);
  g_hash_table_insert (plugins_by_name, plugin->name, plugin);
  channels = join_or_none (plugin->channel_types);
  transports = join_or_none (plugin->transport_types);
  priv_tocsin_log (G_LOG_LEVEL_DEBUG, NULL, "Loaded plugin '%s' %s from %s (channel types: %s; "
                   "transport types: %s)", plugin->name, plugin->version, plugin->path,
                   channels, transports);
  return plugin;
}

static const TocsinPluginDescriptor *
get_descriptor (const char *path, void *handle, GError **error)
{
  TocsinPluginGetDescriptorFunc get;
  const TocsinPluginDescriptor *descriptor;

  dlerror ();
  get = (TocsinPluginGetDescriptorFunc) dlsym (handle, TOCSIN_PLUGIN_ENTRY_SYMBOL);
  if (get == NULL)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_NOT_A_PLUGIN,
                   "%s is not a tocsin plugin: it does not export %s(); define it with "
                   "TOCSIN_PLUGIN_DEFINE and build with hidden visibility", path,
                   TOCSIN_PLUGIN_ENTRY_SYMBOL);
      return NULL;
    }
  descriptor = get ();
  if (descriptor == NULL)
    g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_INVALID,
                 "Plugin %s is invalid: %s() returned NULL instead of its descriptor; define it "
                 "with TOCSIN_PLUGIN_DEFINE", path, TOCSIN_PLUGIN_ENTRY_SYMBOL);
  return descriptor;
}

/* Every check on an opened file; on success the plugin is registered. Called with the lock. */
static LoadedPlugin *
check_and_register (const char *path, void *handle, const char *expected_name, GError **error)
{
  const TocsinPluginDescriptor *descriptor = get_descriptor (path, handle, error);
  g_auto (PendingClasses) pending = {
    g_array_new (FALSE, TRUE, sizeof (ChannelEntry)),
    g_array_new (FALSE, TRUE, sizeof (TransportEntry)),
  };
  TocsinPluginDescriptor d = { 0 };

  if (descriptor == NULL || !check_descriptor_header (path, descriptor, error))
    return NULL;
  memcpy (&d, descriptor, MIN (descriptor->struct_size, sizeof d));
  if (!check_descriptor_fields (path, &d, expected_name, error)
      || !check_name_free (path, d.name, error)
      || !collect_channel_classes (path, d.channel_classes, &pending, error)
      || !collect_transport_classes (path, d.transport_classes, &pending, error))
    return NULL;
  return register_plugin (path, &d, &pending);
}

static char *
canonical_path (const char *path, GError **error)
{
  char *real = realpath (path, NULL);
  int saved_errno = errno;
  char *result;

  if (real == NULL)
    {
      g_set_error (error, TOCSIN_ERROR,
                   saved_errno == ENOENT || saved_errno == ENOTDIR ? TOCSIN_ERROR_PLUGIN_NOT_FOUND
                                                                   : TOCSIN_ERROR_PLUGIN_OPEN,
                   "Cannot load plugin %s: %s; check the path", path, g_strerror (saved_errno));
      return NULL;
    }
  result = g_strdup (real);
  free (real);
  return result;
}

/* Loads @path (any form) unless its real path is loaded already. @expected_name: the name the
 * file was found under, which the descriptor must carry; NULL for an explicit path. Called
 * with the lock held. Returns: (transfer none): the plugin, or NULL with @error set. */
static LoadedPlugin *
load_file_locked (const char *path, const char *expected_name, GError **error)
{
  g_autofree char *real = canonical_path (path, error);
  LoadedPlugin *plugin;
  void *handle;

  if (real == NULL)
    return NULL;
  plugin = g_hash_table_lookup (plugins_by_path, real);
  if (plugin != NULL)
    return plugin;
  if (!check_file_secure (real, error))
    return NULL;
  loading_path = real;
  handle = dlopen (real, RTLD_NOW | RTLD_LOCAL);
  loading_path = NULL;
  if (handle == NULL)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_OPEN,
                   "Cannot open plugin %s: %s; check its dependencies with ldd(1)", real,
                   dlerror ());
      return NULL;
    }
  plugin = check_and_register (real, handle, expected_name, error);
  /* Refused: nothing of it was registered (its constructors could not register anything
   * either) and none of its code is referenced. On success the handle is deliberately kept open
   * for the life of the process. */
  if (plugin == NULL)
    dlclose (handle);
  return plugin;
}

/* Only something with a '/' that names a .so file is a path; everything else is a name and is
 * validated, so that "../evil" never becomes a file name. */
static gboolean
is_path (const char *name_or_path)
{
  return strchr (name_or_path, '/') != NULL && g_str_has_suffix (name_or_path, ".so");
}

static gboolean
check_plugin_name (const char *name, GError **error)
{
  if (is_valid_name (name))
    return TRUE;
  g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT,
               "'%s' is not a valid plugin name: a name matches [a-z0-9][a-z0-9_-]* and is "
               "looked up as <name>.so on the plugin path; to load a file instead, give a path "
               "that contains '/' and ends in .so (e.g. ./plugin.so)", name);
  return FALSE;
}

gboolean
tocsin_plugin_load (const char *name_or_path, const char *const *extra_dirs, GError **error)
{
  g_autofree char *path = NULL;
  LoadedPlugin *plugin;

  g_return_val_if_fail (name_or_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!is_path (name_or_path) && !check_plugin_name (name_or_path, error))
    return FALSE;
  registry_lock_and_init ();
  /* By name, a plugin of that name already loaded (from any directory, or by path) is the one
   * in effect: a later call with other extra_dirs must not load a second copy. */
  if (is_path (name_or_path))
    plugin = load_file_locked (name_or_path, NULL, error);
  else if ((plugin = g_hash_table_lookup (plugins_by_name, name_or_path)) == NULL
           && (path = find_plugin_file (name_or_path, extra_dirs, error)) != NULL)
    plugin = load_file_locked (path, name_or_path, error);
  registry_unlock ();
  return plugin != NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Scanning and plugin info                                                                     */

static TocsinPluginInfo *
plugin_info_new (const char *name, const char *path, const LoadedPlugin *plugin, GError *error)
{
  TocsinPluginInfo *info = g_new0 (TocsinPluginInfo, 1);

  info->name = g_strdup (plugin ? plugin->name : name);
  info->path = g_strdup (plugin ? plugin->path : path);
  info->error = error;
  info->channel_types = plugin ? g_strdupv (plugin->channel_types) : g_new0 (char *, 1);
  info->transport_types = plugin ? g_strdupv (plugin->transport_types) : g_new0 (char *, 1);
  if (plugin != NULL)
    {
      info->version = g_strdup (plugin->version);
      info->license = g_strdup (plugin->license);
      info->description = g_strdup (plugin->description);
    }
  return info;
}

/* Adds name -> path for every <name>.so in @dir whose name was not seen in an earlier dir. */
static void
collect_plugin_files (const char *dir, GHashTable *found)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (d != NULL && (entry = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *name = NULL;

      if (!g_str_has_suffix (entry, ".so") || entry[0] == '.')
        continue;
      name = g_strndup (entry, strlen (entry) - 3);
      if (!g_hash_table_contains (found, name))
        g_hash_table_insert (found, g_steal_pointer (&name), g_build_filename (dir, entry, NULL));
    }
}

static TocsinPluginInfo *
scan_one (const char *name, const char *path)
{
  GError *error = NULL;
  LoadedPlugin *plugin = NULL;

  if (!check_plugin_name (name, &error))
    return plugin_info_new (name, path, NULL, error);
  registry_lock_and_init ();
  /* A plugin of that name loaded from an earlier directory, or by path, is the one in effect. */
  plugin = g_hash_table_lookup (plugins_by_name, name);
  if (plugin == NULL)
    plugin = load_file_locked (path, name, &error);
  registry_unlock ();
  return plugin_info_new (name, path, plugin, error);
}

GPtrArray *
tocsin_plugin_scan (const char *const *extra_dirs)
{
  g_auto (GStrv) dirs = tocsin_plugin_get_search_path (extra_dirs);
  g_autoptr (GHashTable) found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree gpointer *names = NULL;
  guint n = 0;
  GPtrArray *infos = g_ptr_array_new_with_free_func ((GDestroyNotify) tocsin_plugin_info_free);

  for (gsize i = 0; dirs[i] != NULL; i++)
    collect_plugin_files (dirs[i], found);
  names = g_hash_table_get_keys_as_array (found, &n);
  qsort (names, n, sizeof (gpointer), compare_strings);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (infos, scan_one (names[i], g_hash_table_lookup (found, names[i])));
  return infos;
}

void
tocsin_plugin_info_free (TocsinPluginInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->path);
  g_free (info->version);
  g_free (info->license);
  g_free (info->description);
  g_strfreev (info->channel_types);
  g_strfreev (info->transport_types);
  g_clear_error (&info->error);
  g_free (info);
}

const char *
tocsin_plugin_info_get_name (const TocsinPluginInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->name;
}

const char *
tocsin_plugin_info_get_path (const TocsinPluginInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->path;
}

const char *
tocsin_plugin_info_get_version (const TocsinPluginInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->version;
}

const char *
tocsin_plugin_info_get_description (const TocsinPluginInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->description;
}

const char *
tocsin_plugin_info_get_license (const TocsinPluginInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->license;
}

const char *const *
tocsin_plugin_info_get_channel_types (const TocsinPluginInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return (const char *const *) info->channel_types;
}

const char *const *
tocsin_plugin_info_get_transport_types (const TocsinPluginInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return (const char *const *) info->transport_types;
}

const GError *
tocsin_plugin_info_get_error (const TocsinPluginInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->error;
}
