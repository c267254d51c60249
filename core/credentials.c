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
 * File permissions: a credential file that every user may read (o+r) is accepted with a warning
 * naming the chmod that fixes it. A group-readable file is accepted silently, because the usual
 * deployment is root:tocsin 0640 with the daemon in group tocsin; refusing it would push people
 * to make the config itself less strict.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "credentials-private.h"
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

static void
warn_if_world_readable (const char *name, const char *path, const char *location, mode_t mode)
{
  if (!(mode & S_IROTH))
    return;
  priv_tocsin_log (G_LOG_LEVEL_WARNING, NULL,
                   "%s: credential '%s': every user of this machine may read %s (mode %04o); "
                   "restrict it with: chmod o-rwx '%s'",
                   location, name, path, (unsigned) (mode & 07777), path);
}

/* Reads at most CREDENTIAL_FILE_MAX + 1 bytes of @fd into a new string (transfer full), or NULL
 * with errno set. Bounded and non-blocking (the descriptor is O_NONBLOCK): a file under /proc
 * or /sys that looks regular but streams or waits (/proc/kmsg) can neither hang nor flood it. */
static char *
read_bounded (int fd, gsize *length)
{
  char *buffer = g_malloc (CREDENTIAL_FILE_MAX + 2);
  gsize total = 0;

  for (;;)
    {
      gssize n = read (fd, buffer + total, CREDENTIAL_FILE_MAX + 1 - total);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;
          explicit_bzero (buffer, total);
          g_free (buffer);
          errno = saved_errno;
          return NULL;
        }
      total += (gsize) n;
      if (n == 0 || total > CREDENTIAL_FILE_MAX)
        break;
    }
  buffer[total] = '\0';
  *length = total;
  return buffer;
}

/* Reads @path, checking on the way that it is a plausible credential file. The checks are made
 * on the opened descriptor, so the file read is the file checked. */
static char *
read_credential_file (const char *name, const char *path, const char *location, GError **error)
{
  GStatBuf st;
  char *contents = NULL;
  gsize length = 0;
  int fd, saved_errno;

  /* O_NONBLOCK: opening a FIFO with no writer, or a device, must not block. */
  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      saved_errno = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_CREDENTIAL,
                   "%s: credential '%s': cannot read %s: %s; fix path=\"...\" (relative paths "
                   "start at the config file's folder) or create the file",
                   location, name, path, g_strerror (saved_errno));
      return NULL;
    }
  if (!S_ISREG (st.st_mode) || st.st_size > CREDENTIAL_FILE_MAX)
    {
      close (fd);
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_CREDENTIAL,
                   "%s: credential '%s': %s is %s; path=\"...\" must name a small file holding "
                   "only the secret", location, name, path,
                   S_ISREG (st.st_mode) ? "larger than 64 KiB" : "not a regular file");
      return NULL;
    }
  warn_if_world_readable (name, path, location, st.st_mode);
  contents = read_bounded (fd, &length);
  saved_errno = errno;
  close (fd);
  if (contents == NULL || length > CREDENTIAL_FILE_MAX)
    {
      if (contents != NULL)
        explicit_bzero (contents, length);
      g_free (contents);
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_CREDENTIAL,
                   "%s: credential '%s': cannot read %s: %s; check that the user running tocsin "
                   "may read it and that it is a small file holding only the secret",
                   location, name, path,
                   contents == NULL ? g_strerror (saved_errno) : "more than 64 KiB");
      return NULL;
    }
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
