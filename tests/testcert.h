/* testcert.h: a self-signed certificate for the tests' TLS servers on loopback.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Makes @dir/cert.pem and @dir/key.pem with the openssl command-line tool: an EC key (made in
 * milliseconds, unlike RSA), CN=localhost, subjectAltName IP:127.0.0.1 and DNS:localhost, valid
 * two days. Returns the certificate's path, which is also the CA a client must trust (transfer
 * full), or NULL with @error saying what failed and which package to install. */
char *tt_make_test_certificate (const char *dir, GError **error);

G_END_DECLS
