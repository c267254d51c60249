/* fuzz-credentials.c: libFuzzer target for credential definitions (credentials.c), driven twice
 * by the same records: through the credential table directly, then as the <credentials> block of
 * a config given to tocsin_config_new_from_data() with settings that name the credentials.
 *
 * Why records rather than raw XML: raw documents are fuzz-config's job, and there most inputs
 * die in the XML parser or the schema. Here the XML is always well-formed (every value escaped),
 * so the fuzzer spends its time on what credentials do: env and file types, duplicate names,
 * unknown types, paths (relative, "..", trailing newlines, NUL bytes, invalid UTF-8, FIFOs,
 * folders, large files, world-readable files), names and references from settings.
 *
 * Input: up to MAX_RECORDS records, each an op byte and NUL-terminated fields: name, source and,
 * when the op asks for it, type. Op bits 0-1: type env (0), file (1) or the type field (2, 3);
 * bit 2: a setting of the channel names this credential; bit 3: that setting has text as well;
 * bit 4: a typed record puts its source in var= (else path=).
 *
 * Side effects are fenced in: "env" reads only variables named TOCSIN_FUZZ_<source>, set below;
 * "file" opens go through a wrapper of open() (fuzz-sandbox.c, ld --wrap) that refuses any path
 * outside a sandbox folder made at start-up, so no input can read /proc/kmsg, a huge file or a
 * real secret.
 *
 * Checked: the results of the table against what the environment and the sandbox hold
 * (duplicates refused, values exact, lookup and the sorted name list consistent); the config
 * gives every setting the value of the credential it names, marked secret; no error or log
 * message carries a value; nothing logs a critical.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE /* memmem */
#include "config-private.h"
#include "credentials-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"

#include "fuzz-sandbox.h"
#include <sys/stat.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define MAX_RECORDS 12
#define ENV_PREFIX "TOCSIN_FUZZ_"
/* Every secret value contains this; XML cannot carry U+0001 (not even as &#1;), so a config
 * message holding it took it from a credential's value. */
#define SECRET_MARK "fz\001"

typedef struct {
  const char *name;     /* relative to the sandbox */
  const char *contents; /* NULL: not a regular file (made separately) */
  gssize length;
  int mode;
  const char *value;    /* what a credential naming it resolves to; NULL: refused */
} SandboxFile;

static const SandboxFile sandbox_files[] = {
  { "token", SECRET_MARK "file-token\n", -1, 0600, SECRET_MARK "file-token" },
  { "crlf", SECRET_MARK "crlf\r\n\r\n", -1, 0640, SECRET_MARK "crlf" },
  { "world", SECRET_MARK "world\n", -1, 0644, SECRET_MARK "world" },
  { "dir", NULL, 0, 0700, NULL },  /* a folder */
  { "dir/inner", SECRET_MARK "inner", -1, 0600, SECRET_MARK "inner" },
  { "empty", "", -1, 0600, NULL },
  { "newlines", "\n\r\n", -1, 0600, NULL },
  { "nul", SECRET_MARK "a\0b\n", 7, 0600, NULL },
  { "latin1", SECRET_MARK "caf\351\n", -1, 0600, NULL },
  { "big", NULL, -1, 0600, NULL }, /* 70000 bytes: over the 64 KiB limit */
  { "fifo", NULL, 0, 0600, NULL }, /* refused before it is opened */
};

static const struct {
  const char *name;
  const char *value;
} env_vars[] = {
  { ENV_PREFIX "TOKEN", SECRET_MARK "env-token" },
  { ENV_PREFIX "UTF8", SECRET_MARK "p\303\244ssw\303\266rd \342\234\223" },
  { ENV_PREFIX "SPACES", "  " SECRET_MARK " spaced  " },
  { ENV_PREFIX "NEWLINE", SECRET_MARK "line\nbreak" },
  { ENV_PREFIX "EMPTY", "" },
};




/* Whether the current input contains the secret mark itself (then a message may echo it). */
static gboolean input_has_mark;

/* Warnings (world-readable files) are dropped once checked for secrets; a critical (a failed
 * g_return_if_fail) is a bug, so it aborts. */
static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  fuzz_abort_on_critical (level, fields, n_fields, user_data);
  for (gsize i = 0; i < n_fields && !input_has_mark; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
      CHECK (strstr (fields[i].value, SECRET_MARK) == NULL);
  return G_LOG_WRITER_HANDLED;
}

/* The sandbox: a folder next to the fuzzer's executable, (re)made at each start. A fixed place,
 * rather than a temporary folder, leaves nothing behind when a run ends in a crash, and
 * parallel runs (-fork, -jobs) share it safely: each file is rewritten atomically with the same
 * contents. */
static void
make_sandbox (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = NULL;
  g_autofree char *big = g_strnfill (70000, 'x');

  if (exe == NULL)
    g_error ("cannot find the fuzzer's executable");
  dir = g_strconcat (exe, "-sandbox", NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0 || (fuzz_sandbox = realpath (dir, NULL)) == NULL)
    g_error ("cannot create %s", dir);
  for (gsize i = 0; i < G_N_ELEMENTS (sandbox_files); i++)
    {
      const SandboxFile *f = &sandbox_files[i];
      g_autofree char *path = g_build_filename (fuzz_sandbox, f->name, NULL);
      gboolean ok;

      if (g_str_equal (f->name, "dir"))
        ok = g_mkdir (path, f->mode) == 0 || errno == EEXIST;
      else if (g_str_equal (f->name, "fifo"))
        ok = mkfifo (path, f->mode) == 0 || errno == EEXIST;
      else
        ok = g_file_set_contents_full (path, f->contents ? f->contents : big, f->length,
                                       G_FILE_SET_CONTENTS_NONE, f->mode, NULL);
      if (!ok)
        g_error ("cannot make %s", path);
    }
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_log_set_writer_func (log_writer, NULL, NULL);
  make_sandbox ();
  for (gsize i = 0; i < G_N_ELEMENTS (env_vars); i++)
    g_setenv (env_vars[i].name, env_vars[i].value, TRUE);
  return 0;
}

typedef struct {
  guint8 op;
  char *name;
  char *type;
  char *source; /* the variable's full name for env */
} Record;

static void
record_clear (Record *r)
{
  g_free (r->name);
  g_free (r->type);
  g_free (r->source);
}


/* Whether the source goes in var= (else path=). */
static gboolean
uses_var (const Record *r)
{
  return g_str_equal (r->type, "env") || ((r->op & 3) >= 2 && (r->op & 16));
}

static guint
read_records (const guint8 *data, gsize size, Record *records)
{
  FuzzReader in = { data, size };
  guint n = 0;

  while (in.left > 0 && n < MAX_RECORDS)
    {
      Record *r = &records[n++];
      g_autofree char *source = NULL;

      r->op = *in.p++;
      in.left--;
      r->name = fuzz_next_field (&in);
      source = fuzz_next_field (&in);
      switch (r->op & 3)
        {
        case 0:
          r->type = g_strdup ("env");
          break;
        case 1:
          r->type = g_strdup ("file");
          break;
        default:
          r->type = fuzz_next_field (&in);
        }
      /* Only TOCSIN_FUZZ_* variables can be read: the fuzzer's findings must not depend on the
       * environment it runs in. */
      if (uses_var (r))
        r->source = g_strconcat (ENV_PREFIX, source, NULL);
      else
        r->source = g_steal_pointer (&source);
    }
  return n;
}

/* What a file credential naming @source resolves to: NULL when it must be refused. */
static const char *
expected_file_value (const char *source)
{
  g_autofree char *path = g_canonicalize_filename (source, fuzz_sandbox);

  for (gsize i = 0; i < G_N_ELEMENTS (sandbox_files); i++)
    {
      g_autofree char *file = g_build_filename (fuzz_sandbox, sandbox_files[i].name, NULL);
      if (g_str_equal (path, file))
        return sandbox_files[i].value;
    }
  return NULL;
}

static void
check_message (const char *message)
{
  CHECK (message != NULL);
  if (!input_has_mark)
    CHECK (strstr (message, SECRET_MARK) == NULL);
}

/* One record through the table, checked against what it should resolve to. */
static void
add_record (TocsinCredentials *creds, GHashTable *added, const Record *r, guint index)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *where = g_strdup_printf ("fuzz:%u", index + 1);
  const char *expected = NULL;
  gboolean known_type = TRUE;
  gboolean ok;

  if (g_str_equal (r->type, "env"))
    expected = g_getenv (r->source);
  else if (g_str_equal (r->type, "file"))
    expected = expected_file_value (r->source);
  else
    known_type = FALSE;
  if (expected != NULL && *expected == '\0')
    expected = NULL;

  ok = priv_tocsin_credentials_add (creds, r->name, r->type, r->source, fuzz_sandbox, where, &error);
  CHECK (ok == (error == NULL));
  if (g_hash_table_contains (added, r->name))
    CHECK (!ok && g_error_matches (error, TOCSIN_ERROR, TOCSIN_ERROR_CONFIG_INVALID));
  else if (!known_type)
    CHECK (!ok && g_error_matches (error, TOCSIN_ERROR, TOCSIN_ERROR_CONFIG_INVALID));
  else if (expected == NULL)
    CHECK (!ok && g_error_matches (error, TOCSIN_ERROR, TOCSIN_ERROR_CREDENTIAL));
  else
    {
      CHECK (ok);
      CHECK (g_strcmp0 (priv_tocsin_credentials_lookup (creds, r->name), expected) == 0);
      g_hash_table_insert (added, g_strdup (r->name), g_strdup (expected));
    }
  if (!ok)
    {
      check_message (error->message);
      CHECK (g_str_has_prefix (error->message, where));
    }
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
check_table (const Record *records, guint n)
{
  g_autoptr (TocsinCredentials) creds = priv_tocsin_credentials_new ();
  g_autoptr (GHashTable) added = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *names = NULL;
  g_autofree char *want_names = NULL;
  g_autofree gpointer *keys = NULL;
  guint n_keys;

  for (guint i = 0; i < n; i++)
    add_record (creds, added, &records[i], i);
  for (guint i = 0; i < n; i++)
    CHECK (g_strcmp0 (priv_tocsin_credentials_lookup (creds, records[i].name),
                      g_hash_table_lookup (added, records[i].name)) == 0);
  keys = g_hash_table_get_keys_as_array (added, &n_keys);
  qsort (keys, n_keys, sizeof (gpointer), compare_strings);
  want_names = n_keys ? g_strjoinv (", ", (char **) keys) : g_strdup ("none");
  names = priv_tocsin_credentials_dup_names (creds);
  CHECK (g_str_equal (names, want_names));
}

/* (transfer full) @text (made valid UTF-8) escaped for an attribute value. Tabs and line breaks
 * become character references: written raw, XML would turn them into spaces. */
static char *
dup_attribute (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_autofree char *markup = g_markup_escape_text (valid, -1);
  GString *escaped = g_string_new (markup);

  g_string_replace (escaped, "\t", "&#9;", 0);
  g_string_replace (escaped, "\n", "&#10;", 0);
  g_string_replace (escaped, "\r", "&#13;", 0);
  return g_string_free (escaped, FALSE);
}

/* (transfer full) @text as the config loader reads the attribute written by dup_attribute(). */
static char *
dup_loaded (const char *text)
{
  return g_strstrip (g_utf8_make_valid (text, -1));
}

/* (transfer full) The records as a config: each one a <credential>, each referenced one named
 * by a setting <sN credential="NAME"> of channel "c". */
static char *
dup_config (const Record *records, guint n)
{
  GString *xml = g_string_new ("<tocsin version=\"1\">\n  <credentials>\n");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = dup_attribute (records[i].name);
      g_autofree char *type = dup_attribute (records[i].type);
      g_autofree char *source = dup_attribute (records[i].source);

      g_string_append_printf (xml, "    <credential name=\"%s\" type=\"%s\" %s=\"%s\"/>\n",
                              name, type, uses_var (&records[i]) ? "var" : "path", source);
    }
  g_string_append (xml, "  </credentials>\n  <channel key=\"c\" type=\"console\">\n");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = NULL;

      if (!(records[i].op & 4))
        continue;
      name = dup_attribute (records[i].name);
      g_string_append_printf (xml, "    <s%u credential=\"%s\">%s</s%u>\n", i, name,
                              records[i].op & 8 ? "text" : "", i);
    }
  g_string_append (xml, "  </channel>\n</tocsin>\n");
  return g_string_free (xml, FALSE);
}

/* The value the config must give a setting naming credential @name: that of the first record
 * so named, as the loader reads it. */
static const char *
expected_config_value (const Record *records, guint n, const char *name)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *record_name = dup_loaded (records[i].name);
      g_autofree char *type = dup_loaded (records[i].type);
      g_autofree char *source = dup_loaded (records[i].source);

      if (!g_str_equal (record_name, name))
        continue;
      if (g_str_equal (type, "env"))
        return g_getenv (source);
      return expected_file_value (source);
    }
  return NULL;
}

static void
check_config (const Record *records, guint n)
{
  g_autofree char *xml = dup_config (records, n);
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = tocsin_config_new_from_data (xml, -1, fuzz_sandbox, &error);
  const TocsinConfigNode *channel;

  if (config == NULL)
    {
      CHECK (error != NULL && error->domain == TOCSIN_ERROR);
      CHECK (g_utf8_validate (error->message, -1, NULL));
      check_message (error->message);
      return;
    }
  CHECK (error == NULL && config->channels->len == 1);
  channel = ((TocsinChannelSpec *) config->channels->pdata[0])->node;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *setting = g_strdup_printf ("s%u", i);
      g_autofree char *name = dup_loaded (records[i].name);
      const TocsinConfigNode *node = tocsin_config_node_get_child (channel, setting);
      const char *want;

      if (!(records[i].op & 4))
        continue;
      /* Text and a credential together are refused, so the config would not have loaded. */
      CHECK (!(records[i].op & 8));
      CHECK (node != NULL && tocsin_config_node_is_secret (node));
      want = expected_config_value (records, n, name);
      CHECK (want != NULL && g_strcmp0 (tocsin_config_node_get_text (node), want) == 0);
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  Record records[MAX_RECORDS] = { { 0 } };
  guint n = read_records (data, size, records);

  input_has_mark = memmem (data, size, SECRET_MARK, strlen (SECRET_MARK)) != NULL;
  check_table (records, n);
  check_config (records, n);
  for (guint i = 0; i < n; i++)
    record_clear (&records[i]);
  return 0;
}
