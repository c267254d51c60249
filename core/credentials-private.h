/* credentials-private.h: the <credentials> of a config file, resolved while it loads.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tocsin/tocsin.h>

G_BEGIN_DECLS

/* A table of named secrets. It lives only while a config loads: each value is copied into the
 * settings that name it (TocsinConfigNode.text, secret), and the table overwrites its copies
 * when freed. */
typedef struct _TocsinCredentials TocsinCredentials;

TocsinCredentials *priv_tocsin_credentials_new (void);
void priv_tocsin_credentials_free (TocsinCredentials *creds);

/* Resolves one <credential> and adds it under @name.
 * @type: "env" (@source is the variable's name) or "file" (@source is a path, relative ones
 *   taken from @base_dir; trailing newlines are removed)
 * @location: "FILE:LINE" of the definition, for messages
 * Every value is registered with tocsin_redact_register_secret(). Errors are
 * TOCSIN_ERROR_CREDENTIAL naming the credential, @location and the fix; they never contain the
 * value. A name defined twice is TOCSIN_ERROR_CONFIG_INVALID citing both locations. */
gboolean priv_tocsin_credentials_add (TocsinCredentials *creds, const char *name, const char *type,
                                      const char *source, const char *base_dir,
                                      const char *location, GError **error);

/* Returns: (transfer none) (nullable): the value of credential @name */
const char *priv_tocsin_credentials_lookup (TocsinCredentials *creds, const char *name);

/* Returns: (transfer full): "a, b, c" (sorted), or "none" when no credential is defined */
char *priv_tocsin_credentials_dup_names (TocsinCredentials *creds);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinCredentials, priv_tocsin_credentials_free)

G_END_DECLS
