/* config-node.c: TocsinConfigNode, the libxml2-free view of configuration elements that plugins
 * read their settings from, and the check of a channel's settings against what its class declares.
 *
 * Ownership: a node owns its strings and its children. The tree of a channel hangs off its
 * TocsinChannelSpec (spec->node), and the manager keeps its own deep copy for as long as the
 * channel lives, so a plugin may keep `const TocsinConfigNode *` pointers until its destroy method.
 * node->spec points into a plugin's static settings array; plugins are never unloaded, so that
 * pointer stays valid too.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <string.h>

#include "config-node-private.h"
#include "log-private.h"

TocsinConfigNode *
priv_tocsin_config_node_new (const char *name, const char *file, guint line, const char *base_dir)
{
  TocsinConfigNode *node = g_new0 (TocsinConfigNode, 1);

  node->name = g_strdup (name);
  node->file = g_strdup (file);
  node->line = line;
  node->base_dir = g_strdup (base_dir);
  node->attr_names = g_ptr_array_new_with_free_func (g_free);
  node->attr_values = g_ptr_array_new_with_free_func (g_free);
  node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) priv_tocsin_config_node_free);
  return node;
}

/* Overwrites a secret before its memory goes back to the allocator, so it does not linger in
 * freed heap that a later crash dump or heap read could show. */
static void
free_text (char *text, gboolean secret)
{
  if (text != NULL && secret)
    explicit_bzero (text, strlen (text));
  g_free (text);
}

void
priv_tocsin_config_node_free (TocsinConfigNode *node)
{
  if (node == NULL)
    return;
  g_free (node->name);
  free_text (node->text, node->secret);
  g_ptr_array_unref (node->attr_names);
  g_ptr_array_unref (node->attr_values);
  g_ptr_array_unref (node->children);
  g_free (node->file);
  g_free (node->base_dir);
  g_free (node);
}

TocsinConfigNode *
priv_tocsin_config_node_copy (const TocsinConfigNode *node)
{
  TocsinConfigNode *copy;

  g_return_val_if_fail (node != NULL, NULL);

  copy = priv_tocsin_config_node_new (node->name, node->file, node->line, node->base_dir);
  copy->text = g_strdup (node->text);
  copy->secret = node->secret;
  copy->spec = node->spec;
  for (guint i = 0; i < node->attr_names->len; i++)
    priv_tocsin_config_node_add_attribute (copy, node->attr_names->pdata[i],
                                           node->attr_values->pdata[i]);
  for (guint i = 0; i < node->children->len; i++)
    priv_tocsin_config_node_add_child (copy,
                                       priv_tocsin_config_node_copy (node->children->pdata[i]));
  return copy;
}

void
priv_tocsin_config_node_set_text (TocsinConfigNode *node, const char *text, gboolean secret)
{
  g_return_if_fail (node != NULL);

  free_text (node->text, node->secret);
  node->text = g_strdup (text);
  node->secret = secret;
  if (secret && text != NULL)
    tocsin_redact_register_secret (text);
}

void
priv_tocsin_config_node_add_attribute (TocsinConfigNode *node, const char *name, const char *value)
{
  g_return_if_fail (node != NULL && name != NULL);

  g_ptr_array_add (node->attr_names, g_strdup (name));
  g_ptr_array_add (node->attr_values, g_strdup (value ? value : ""));
}

void
priv_tocsin_config_node_add_child (TocsinConfigNode *node, TocsinConfigNode *child)
{
  g_return_if_fail (node != NULL && child != NULL);

  g_ptr_array_add (node->children, child);
}

char *
priv_tocsin_config_node_dup_location (const TocsinConfigNode *node)
{
  if (node->file != NULL)
    return g_strdup_printf ("%s:%u", node->file, node->line);
  if (node->line > 0)
    return g_strdup_printf ("<data>:%u", node->line);
  return g_strdup ("<code>");
}

/* ---- accessors (the plugin ABI) ---- */

const char *
tocsin_config_node_get_name (const TocsinConfigNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  return node->name;
}

const char *
tocsin_config_node_get_text (const TocsinConfigNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  return node->text;
}

gboolean
tocsin_config_node_is_secret (const TocsinConfigNode *node)
{
  g_return_val_if_fail (node != NULL, FALSE);
  return node->secret;
}

const char *
tocsin_config_node_get_attribute (const TocsinConfigNode *node, const char *name)
{
  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < node->attr_names->len; i++)
    if (g_str_equal (node->attr_names->pdata[i], name))
      return node->attr_values->pdata[i];
  return NULL;
}

const char *
tocsin_config_node_get_file (const TocsinConfigNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  return node->file;
}

guint
tocsin_config_node_get_line (const TocsinConfigNode *node)
{
  g_return_val_if_fail (node != NULL, 0);
  return node->line;
}

guint
tocsin_config_node_get_n_children (const TocsinConfigNode *node)
{
  g_return_val_if_fail (node != NULL, 0);
  return node->children->len;
}

const TocsinConfigNode *
tocsin_config_node_get_child_at (const TocsinConfigNode *node, guint index)
{
  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (index < node->children->len, NULL);
  return node->children->pdata[index];
}

const TocsinConfigNode *
tocsin_config_node_get_child (const TocsinConfigNode *node, const char *name)
{
  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < node->children->len; i++)
    {
      const TocsinConfigNode *child = node->children->pdata[i];
      if (g_str_equal (child->name, name))
        return child;
    }
  return NULL;
}

static const TocsinSettingSpec *
find_setting (const TocsinSettingSpec *settings, const char *name)
{
  for (const TocsinSettingSpec *s = settings; s != NULL && s->name != NULL; s++)
    if (g_str_equal (s->name, name))
      return s;
  return NULL;
}

/* The text a getter works on: the child's (an empty element is the empty string, not "absent"),
 * else the declared default. @where is the node an error about that text should cite. */
static const char *
lookup_value (const TocsinConfigNode *node, const char *name, const TocsinConfigNode **where)
{
  const TocsinConfigNode *child = tocsin_config_node_get_child (node, name);
  const TocsinSettingSpec *setting;

  *where = child ? child : node;
  if (child != NULL)
    return child->text ? child->text : "";
  setting = find_setting (node->spec, name);
  return setting ? setting->default_value : NULL;
}

const char *
tocsin_config_node_get_string (const TocsinConfigNode *node, const char *name)
{
  const TocsinConfigNode *where;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return lookup_value (node, name, &where);
}

static gboolean
parse_int (const char *text, gint64 *value)
{
  return g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, value, NULL);
}

static gboolean
parse_double (const char *text, double *value)
{
  char *end = NULL;
  double v;

  if (*text == '\0' || g_ascii_isspace (*text))
    return FALSE;
  v = g_ascii_strtod (text, &end);
  if (end == NULL || *end != '\0' || !isfinite (v))
    return FALSE;
  *value = v;
  return TRUE;
}

static const char *const boolean_true[] = { "true", "yes", "on", "1", NULL };
static const char *const boolean_false[] = { "false", "no", "off", "0", NULL };

static gboolean
parse_boolean (const char *text, gboolean *value)
{
  for (guint i = 0; boolean_true[i] != NULL; i++)
    {
      gboolean is_true = g_ascii_strcasecmp (text, boolean_true[i]) == 0;

      if (is_true || g_ascii_strcasecmp (text, boolean_false[i]) == 0)
        {
          *value = is_true;
          return TRUE;
        }
    }
  return FALSE;
}

/* The message says which setting, what was found and what is expected. A secret's text is never
 * quoted: it may be the credential, only slightly mistyped. */
static void
set_value_error (const TocsinConfigNode *node, const TocsinConfigNode *where, const char *name,
                 const char *text, const char *expected, GError **error)
{
  const TocsinSettingSpec *setting = find_setting (node->spec, name);

  if (where->secret || (setting && (setting->flags & TOCSIN_SETTING_SECRET)))
    tocsin_config_node_set_error (where, error, TOCSIN_ERROR_INVALID_VALUE,
                                  "setting <%s>: its value (a secret, not shown) is not %s",
                                  name, expected);
  else
    tocsin_config_node_set_error (where, error, TOCSIN_ERROR_INVALID_VALUE,
                                  "setting <%s>: '%s' is not %s", name, text, expected);
}

typedef gboolean (*ParseFunc) (const char *text, gpointer value);

/* The typed getters: the setting's text (or declared default) parsed into @value, which stays
 * unchanged when there is neither; an unparsable text is an error citing its line. */
static gboolean
get_parsed (const TocsinConfigNode *node, const char *name, ParseFunc parse, gpointer value,
            const char *expected, GError **error)
{
  const TocsinConfigNode *where;
  const char *text = lookup_value (node, name, &where);

  if (text == NULL || parse (text, value))
    return TRUE;
  set_value_error (node, where, name, text, expected, error);
  return FALSE;
}

gboolean
tocsin_config_node_get_int (const TocsinConfigNode *node, const char *name, gint64 *value,
                            GError **error)
{
  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (name != NULL && value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return get_parsed (node, name, (ParseFunc) parse_int, value, "an integer (e.g. 42)", error);
}

gboolean
tocsin_config_node_get_boolean (const TocsinConfigNode *node, const char *name, gboolean *value,
                                GError **error)
{
  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (name != NULL && value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return get_parsed (node, name, (ParseFunc) parse_boolean, value,
                     "a boolean (true|false|yes|no|on|off|1|0)", error);
}

gboolean
tocsin_config_node_get_double (const TocsinConfigNode *node, const char *name, double *value,
                               GError **error)
{
  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (name != NULL && value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return get_parsed (node, name, (ParseFunc) parse_double, value, "a number (e.g. 2.5)", error);
}

char *
tocsin_config_node_dup_path (const TocsinConfigNode *node, const char *name)
{
  const TocsinConfigNode *where;
  const char *text;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  text = lookup_value (node, name, &where);
  if (text == NULL || *text == '\0')
    return NULL;
  /* A default path is relative to the config file too, hence where->base_dir for both cases;
   * with no base_dir (a spec built in code) g_canonicalize_filename() uses the current folder. */
  return g_canonicalize_filename (text, where->base_dir);
}

void
tocsin_config_node_set_error (const TocsinConfigNode *node, GError **error, int code,
                              const char *format, ...)
{
  g_autofree char *location = NULL;
  g_autofree char *message = NULL;
  va_list args;

  g_return_if_fail (node != NULL);
  g_return_if_fail (format != NULL);

  if (error == NULL)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  location = priv_tocsin_config_node_dup_location (node);
  g_set_error (error, TOCSIN_ERROR, code, "%s: %s", location, message);
}

/* ---- checking settings against a class's declaration ---- */

static char *
dup_setting_names (const TocsinSettingSpec *settings)
{
  g_autoptr (GString) names = g_string_new (NULL);

  for (const TocsinSettingSpec *s = settings; s != NULL && s->name != NULL; s++)
    g_string_append_printf (names, "%s<%s>", names->len ? ", " : "", s->name);
  if (names->len == 0)
    return g_strdup ("none: this type takes no settings");
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static char *
dup_joined (const char *const *list)
{
  if (list == NULL || list[0] == NULL)
    return g_strdup ("none");
  return g_strjoinv (", ", (char **) list);
}

static char *
dup_choices (const char *const *choices)
{
  g_autofree char *joined = NULL;

  if (choices == NULL || choices[0] == NULL)
    return g_strdup ("one of the choices (the plugin declares none)");
  joined = g_strjoinv ("|", (char **) choices);
  return g_strconcat ("one of ", joined, NULL);
}

static gboolean
check_attributes (const TocsinConfigNode *child, const TocsinSettingSpec *setting,
                  const char *what, GError **error)
{
  for (guint i = 0; i < child->attr_names->len; i++)
    {
      const char *attr = child->attr_names->pdata[i];
      g_autofree char *allowed = NULL;

      /* credential= is consumed at load; a node built in code may still carry it. */
      if (g_str_equal (attr, "credential")
          || (setting->attributes && g_strv_contains (setting->attributes, attr)))
        continue;
      allowed = dup_joined (setting->attributes);
      tocsin_config_node_set_error (child, error, TOCSIN_ERROR_CONFIG_INVALID,
                                    "%s: setting <%s> does not take the attribute %s=; "
                                    "allowed attributes: %s (and credential=)",
                                    what, setting->name, attr, allowed);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_type (const TocsinConfigNode *child, const TocsinSettingSpec *setting, const char *what,
            GError **error)
{
  const char *text = child->text ? child->text : "";
  g_autofree char *expected = NULL;
  gint64 i;
  double d;
  gboolean b;

  if (setting->type != TOCSIN_SETTING_ELEMENT && child->children->len > 0)
    {
      tocsin_config_node_set_error (child, error, TOCSIN_ERROR_INVALID_VALUE,
                                    "%s: setting <%s> takes text, not child elements",
                                    what, setting->name);
      return FALSE;
    }
  switch (setting->type)
    {
    case TOCSIN_SETTING_INT:
      if (parse_int (text, &i))
        return TRUE;
      expected = g_strdup ("an integer (e.g. 42)");
      break;
    case TOCSIN_SETTING_DOUBLE:
      if (parse_double (text, &d))
        return TRUE;
      expected = g_strdup ("a number (e.g. 2.5)");
      break;
    case TOCSIN_SETTING_BOOLEAN:
      if (parse_boolean (text, &b))
        return TRUE;
      expected = g_strdup ("a boolean (true|false|yes|no|on|off|1|0)");
      break;
    case TOCSIN_SETTING_CHOICE:
      if (setting->choices && g_strv_contains (setting->choices, text))
        return TRUE;
      expected = dup_choices (setting->choices);
      break;
    case TOCSIN_SETTING_PATH:
      if (*text != '\0')
        return TRUE;
      expected = g_strdup ("a file name");
      break;
    default: /* STRING, ELEMENT and types of later ABI minors: the plugin checks them */
      return TRUE;
    }
  if (child->secret || (setting->flags & TOCSIN_SETTING_SECRET))
    tocsin_config_node_set_error (child, error, TOCSIN_ERROR_INVALID_VALUE,
                                  "%s: setting <%s>: its value (%s, not shown) is not %s", what,
                                  setting->name, child->secret ? "from a credential" : "a secret",
                                  expected);
  else
    tocsin_config_node_set_error (child, error, TOCSIN_ERROR_INVALID_VALUE,
                                  "%s: setting <%s>: '%s' is not %s", what, setting->name, text,
                                  expected);
  return FALSE;
}

/* A secret written into the config file leaks through backups, version control and anyone who
 * may read the config; it still works, so this is a warning, not an error. */
static void
warn_literal_secret (const TocsinConfigNode *node, const TocsinConfigNode *child,
                     const TocsinSettingSpec *setting, const char *what)
{
  g_autofree char *location = NULL;

  if (child->secret || child->text == NULL || !(setting->flags & TOCSIN_SETTING_SECRET))
    return;
  /* Literal or not, it is a secret: mask it everywhere from now on. */
  tocsin_redact_register_secret (child->text);
  location = priv_tocsin_config_node_dup_location (child);
  priv_tocsin_log (G_LOG_LEVEL_WARNING, tocsin_config_node_get_attribute (node, "key"),
                   "%s: %s: setting <%s> is a secret written as literal text; define it in "
                   "<credentials> and name it with a credential attribute on <%s> instead "
                   "(see etc/tocsin.xml)", location, what, setting->name, setting->name);
}

static gboolean
check_child (TocsinConfigNode *node, const TocsinConfigNode *child,
             const TocsinSettingSpec *settings, GHashTable *seen, const char *what, GError **error)
{
  const TocsinSettingSpec *setting = find_setting (settings, child->name);
  const TocsinConfigNode *first;

  if (setting == NULL)
    {
      g_autofree char *accepted = dup_setting_names (settings);
      tocsin_config_node_set_error (child, error, TOCSIN_ERROR_UNKNOWN_SETTING,
                                    "%s: unknown setting <%s>; accepted settings: %s",
                                    what, child->name, accepted);
      return FALSE;
    }
  first = g_hash_table_lookup (seen, setting->name);
  if (first != NULL && !(setting->flags & TOCSIN_SETTING_REPEATABLE))
    {
      tocsin_config_node_set_error (child, error, TOCSIN_ERROR_CONFIG_INVALID,
                                    "%s: setting <%s> is given twice (first on line %u); "
                                    "keep one", what, setting->name, first->line);
      return FALSE;
    }
  if (first == NULL)
    g_hash_table_insert (seen, (gpointer) setting->name, (gpointer) child);
  if (!check_attributes (child, setting, what, error) || !check_type (child, setting, what, error))
    return FALSE;
  warn_literal_secret (node, child, setting, what);
  return TRUE;
}

gboolean
priv_tocsin_config_node_validate (TocsinConfigNode *node, const TocsinSettingSpec *settings,
                                  const char *what, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (what != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < node->children->len; i++)
    if (!check_child (node, node->children->pdata[i], settings, seen, what, error))
      return FALSE;
  for (const TocsinSettingSpec *s = settings; s != NULL && s->name != NULL; s++)
    if ((s->flags & TOCSIN_SETTING_REQUIRED) && !g_hash_table_contains (seen, s->name))
      {
        tocsin_config_node_set_error (node, error, TOCSIN_ERROR_MISSING_SETTING,
                                      "%s: missing required setting <%s>%s%s%s", what, s->name,
                                      s->description ? " (" : "",
                                      s->description ? s->description : "",
                                      s->description ? ")" : "");
        return FALSE;
      }
  node->spec = settings;
  return TRUE;
}

/* A plugin usually cites the line of the setting at fault ("FILE:LINE: ..."); that location
 * stays first: "FILE:LINE: channel 'k' (type t): ...", never twice. */
void
priv_tocsin_propagate_after_location (GError **dest, GError *src, const char *file, const char *what)
{
  size_t n = file ? strlen (file) : 0;
  const char *rest;

  if (n > 0 && strncmp (src->message, file, n) == 0 && src->message[n] == ':'
      && (rest = strstr (src->message + n + 1, ": ")) != NULL)
    {
      char *message = g_strdup_printf ("%.*s: %s: %s", (int) (rest - src->message), src->message,
                                       what, rest + 2);
      g_free (src->message);
      src->message = message;
      g_propagate_error (dest, src);
      return;
    }
  g_propagate_prefixed_error (dest, src, "%s: ", what);
}
