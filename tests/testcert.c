/* testcert.c: see testcert.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testcert.h"

char *
tt_make_test_certificate (const char *dir, GError **error)
{
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  const char *argv[] = {
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-nodes", "-days", "2", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "-keyout", key, "-out", cert, NULL
  };
  g_autoptr (GError) local = NULL;
  g_autofree char *err_text = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err_text, &status, &local))
    {
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                   "cannot run openssl to make a test certificate (install the Debian package "
                   "openssl): %s", local->message);
      return NULL;
    }
  if (!g_spawn_check_wait_status (status, &local))
    {
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                   "openssl failed to make a test certificate: %s\n%s", local->message, err_text);
      return NULL;
    }
  return g_steal_pointer (&cert);
}
