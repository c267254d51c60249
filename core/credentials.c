/* credentials.c: resolving the <credential> entries of a config file.
 *
 * <credential name="N" type="env" var="VAR"/>    the value of environment variable VAR
 * <credential name="N" type="file" path="P"/>    the content of file P (relative to the config's
 *                                                 folder), trailing newlines removed
 *
 * Every credential is resolved when the config loads, used or not, so `tocsin check` reports a
 * missing variable or file before the first alert needs it. Values never appear in an error or
 * log message; each one is registered with tocsin_redact_register_secret() so that a plugin's
 * error text that happens to echo it is masked too.
 *
 * The file must be a regular file of at most 64 KiB; a path to a device or a FIFO is refused
 * without being opened (see file-read-private.h).
 *
 * File permissions: a credential file that every user may read (o+r), or that its group or
 * every user may write (g+w, o+w), is accepted with a warning naming the chmod that fixes it. A
 * group-readable file is accepted silently, because the usual deployment is root:tocsin 0640
 * with the daemon in group tocsin; refusing it would push people to make the config itself less
 * strict.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <sys/stat.h>

#include "credentials-private.h"
#include "file-read-private.h"
#include "log-private.h"

/* A credential is a token, a password or a URL, not a document; a bigger file is a wrong path. */
#define CREDENTIAL_FILE_MAX (64 * 1024)

typedef struct {
  char *value;    /* (owned) */
  char *location; /* (owned) "FILE:LINE" of the definition */
} Credential;

struct _TocsinCredentials {
  GHashTable *table; /* (element-type utf8 Credential) (owned) */
};

static void
credential_free (Credential *cred)
{
  if (cred->value != NULL)
    explicit_bzero (cred->value, strlen (cred->value));
  g_free (cred->value);
  g_free (cred->location);
  g_free (cred);
}

TocsinCredentials *
priv_tocsin_credentials_new (void)
{
  TocsinCredentials *creds = g_new0 (TocsinCredentials, 1);

  creds->table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) credential_free);
  return creds;
}

void
priv_tocsin_credentials_free (TocsinCredentials *creds)
{
  if (creds == NULL)
    return;
  g_hash_table_unref (creds->table);
  g_free (creds);
}

static char *
resolve_env (const char *name, const char *var, const char *location, GError **error)
{
  const char *value = g_getenv (var);

  if (value == NULL || *value == '\0')
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_CREDENTIAL,
                   "%s: credential '%s': the environment variable %s is %s; set it in the "
                   "environment tocsin runs in (export %s=...) or point var=\"...\" at another one",
                   location, name, var, value == NULL ? "not set" : "empty", var);
      return NULL;
    }
  return g_strdup (value);
}

/* A readable file is warned about, not refused: see the top of this file. A writable one too,
 * since a deployment may let a group of admins rotate the secret; but whoever may write it can
 * swap the secret (a webhook URL of their own, say) without touching the config. */
static void
warn_about_mode (const char *name, const char *path, const char *location, mode_t mode)
{
  if (mode & S_IROTH)
    priv_tocsin_log (G_LOG_LEVEL_WARNING, NULL,
                     "%s: credential '%s': every user of this machine may read %s (mode %04o); "
                     "restrict it with: chmod o-rwx '%s'",
                     location, name, path, (unsigned) (mode & 07777), path);
  if (mode & (S_IWGRP | S_IWOTH))
    priv_tocsin_log (G_LOG_LEVEL_WARNING, NULL,
                     "%s: credential '%s': %s may write %s (mode %04o) and so replace the "
                     "secret; restrict it with: chmod go-w '%s'",
                     location, name,
                     (mode & S_IWOTH) ? "every user of this machine" : "its group", path,
                     (unsigned) (mode & 07777), path);
}

/* How to fix a credential file priv_tocsin_file_read() refused. */
static const char *
file_error_fix (const GError *error)
{
  if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
      || g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
    return "fix path=\"...\" (relative paths start at the config file's folder) or create the file";
  if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_INVAL))
    return "path=\"...\" must name a small file holding only the secret";
  return "check that the user running tocsin may read it";
}

/* Reads @path, checking on the way that it is a plausible credential file; the checks and the
 * permissions looked at are those of the file read (see priv_tocsin_file_read()). */
static char *
read_credential_file (const char *name, const char *path, const char *location, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  struct stat st;
  gsize length = 0;
  char *contents = priv_tocsin_file_read (path, CREDENTIAL_FILE_MAX, &st, &length, &local_error);

  if (contents == NULL)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_CREDENTIAL, "%s: credential '%s': %s; %s",
                   location, name, local_error->message, file_error_fix (local_error));
      return NULL;
    }
  warn_about_mode (name, path, location, st.st_mode);
  if (strlen (contents) != length)
    {
      explicit_bzero (contents, length);
      g_free (contents);
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_CREDENTIAL,
                   "%s: credential '%s': %s contains a NUL byte; a credential file holds text",
                   location, name, path);
      return NULL;
    }
  return contents;
}

static char *
resolve_file (const char *name, const char *source, const char *base_dir, const char *location,
              GError **error)
{
  g_autofree char *path = g_canonicalize_filename (source, base_dir);
  char *value = read_credential_file (name, path, location, error);
  gsize length;

  if (value == NULL)
    return NULL;
  /* `echo secret > file` and most editors end the file with a newline that is not part of it. */
  length = strlen (value);
  while (length > 0 && (value[length - 1] == '\n' || value[length - 1] == '\r'))
    value[--length] = '\0';
  if (length == 0 || !g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_CREDENTIAL,
                   "%s: credential '%s': %s is %s; write the secret into it as one line of text",
                   location, name, path, length == 0 ? "empty" : "not UTF-8 text");
      explicit_bzero (value, length);
      g_free (value);
      return NULL;
    }
  return value;
}

gboolean
priv_tocsin_credentials_add (TocsinCredentials *creds, const char *name, const char *type,
                             const char *source, const char *base_dir, const char *location,
                             GError **error)
{
  Credential *previous, *cred;
  char *value;

  g_return_val_if_fail (creds != NULL && name != NULL && type != NULL, FALSE);
  g_return_val_if_fail (source != NULL && location != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  previous = g_hash_table_lookup (creds->table, name);
  if (previous != NULL)
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_CONFIG_INVALID,
                   "%s: credential '%s' is already defined at %s; give each credential its own "
                   "name", location, name, previous->location);
      return FALSE;
    }
  if (g_str_equal (type, "env"))
    value = resolve_env (name, source, location, error);
  else if (g_str_equal (type, "file"))
    value = resolve_file (name, source, base_dir, location, error);
  else
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_CONFIG_INVALID,
                   "%s: credential '%s': unknown type=\"%s\"; use type=\"env\" var=\"VARIABLE\" "
                   "or type=\"file\" path=\"FILE\"", location, name, type);
      return FALSE;
    }
  if (value == NULL)
    return FALSE;
  tocsin_redact_register_secret (value);
  cred = g_new0 (Credential, 1);
  cred->value = value;
  cred->location = g_strdup (location);
  g_hash_table_insert (creds->table, g_strdup (name), cred);
  return TRUE;
}

const char *
priv_tocsin_credentials_lookup (TocsinCredentials *creds, const char *name)
{
  Credential *cred;

  g_return_val_if_fail (creds != NULL && name != NULL, NULL);

  cred = g_hash_table_lookup (creds->table, name);
  return cred ? cred->value : NULL;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

char *
priv_tocsin_credentials_dup_names (TocsinCredentials *creds)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer name;

  g_return_val_if_fail (creds != NULL, NULL);

  if (g_hash_table_size (creds->table) == 0)
    return g_strdup ("none");
  g_hash_table_iter_init (&iter, creds->table);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    g_ptr_array_add (names, name);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (", ", (char **) names->pdata);
}
