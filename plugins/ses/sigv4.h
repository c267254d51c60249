/* sigv4.h: AWS Signature Version 4 (header-based, AWS4-HMAC-SHA256) for the ses transport.
 *
 * Compiled into the plugin, never exported from it: every declaration is hidden. GLib only (GHmac,
 * GChecksum), no OpenSSL.
 *
 * Canonicalisation follows the published rules, with these choices of scope:
 *  - the path is given decoded ("/example space/") and each byte other than A-Za-z0-9-_.~ and
 *    '/' is written %XX (upper case). Dot segments and repeated slashes are NOT normalised: the
 *    SES endpoints have fixed paths, and a caller that builds its own path should not find it
 *    silently rewritten.
 *  - query parameters are given decoded as name/value pairs; they are encoded (everything but
 *    A-Za-z0-9-_.~ becomes %XX, '/' included) and sorted by encoded name, then encoded value.
 *  - header names are lower-cased; values are trimmed and runs of spaces/tabs collapse to one
 *    space; headers of the same name are joined with ',' in the order given; the list is sorted.
 *  - the signer adds and signs x-amz-date, and x-amz-security-token when a session token is
 *    given. The caller sends them as well (the values are in the result / its own token).
 *
 * Nothing here logs. The derived keys are wiped before their memory is released; the canonical
 * request, which holds the session token, is wiped when the result is freed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Bytes of a SHA-256 digest: a derived key and a raw signature. */
#define PRIV_TOCSIN_SIGV4_KEY_SIZE 32

#define PRIV_TOCSIN_SIGV4_ERROR (priv_tocsin_sigv4_error_quark ())

/* Every error is an input outside what can be signed safely; the ses transport reports it as a
 * configuration or delivery error of its own (TOCSIN_ERROR domain). Messages never quote a
 * secret, a token or a header value. */
typedef enum {
  PRIV_TOCSIN_SIGV4_ERROR_INVALID = 0,
} PrivTocsinSigv4Error;

G_GNUC_INTERNAL GQuark priv_tocsin_sigv4_error_quark (void);

typedef struct {
  const char *name;
  const char *value; /* NULL is taken as "" */
} PrivTocsinSigv4Pair;

/* Everything one request signature depends on. All pointers are (transfer none). */
typedef struct {
  const char *method;                  /* "POST" */
  const char *path;                    /* decoded, starts with '/'; NULL or "" is "/" */
  const PrivTocsinSigv4Pair *query;    /* (array length=n_query) (nullable) */
  gsize n_query;
  const PrivTocsinSigv4Pair *headers;  /* (array length=n_headers); must include host */
  gsize n_headers;
  const void *payload;                 /* (nullable when payload_length is 0) */
  gsize payload_length;
  const char *region;                  /* "us-east-1" */
  const char *service;                 /* "ses" */
  const char *access_key_id;
  const char *secret_access_key;
  const char *session_token;           /* (nullable) NULL or "" for long-term credentials */
  gint64 unix_time;                    /* seconds since the epoch, UTC: injectable for tests */
} PrivTocsinSigv4Request;

/* Every step of a signature, so tests can check each one. All strings are owned. */
typedef struct {
  char *amz_date;          /* "20150830T123600Z": the X-Amz-Date header to send */
  char *credential_scope;  /* "20150830/us-east-1/service/aws4_request" */
  char *payload_hash;      /* lower-case hex SHA-256 of the payload */
  char *signed_headers;    /* "host;x-amz-date" */
  char *canonical_request;
  char *string_to_sign;
  char *signature;         /* lower-case hex, 64 characters */
  char *authorization;     /* the Authorization header value */
} PrivTocsinSigv4Result;

/* (transfer full) The signature of @request, or NULL with @error set when an input cannot be
 * signed (missing or malformed field, a header value with CR or LF, a header the signer owns:
 * authorization, x-amz-date, x-amz-security-token). */
G_GNUC_INTERNAL PrivTocsinSigv4Result *
priv_tocsin_sigv4_sign (const PrivTocsinSigv4Request *request, GError **error);

/* Frees @result (nullable), wiping the canonical request first. */
G_GNUC_INTERNAL void priv_tocsin_sigv4_result_free (PrivTocsinSigv4Result *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PrivTocsinSigv4Result, priv_tocsin_sigv4_result_free)

/* Writes kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
 * into @key. @date is YYYYMMDD. The caller wipes @key when done (priv_tocsin_sigv4_wipe()). */
G_GNUC_INTERNAL void priv_tocsin_sigv4_derive_key (const char *secret_access_key, const char *date,
                                                   const char *region, const char *service,
                                                   guint8 key[PRIV_TOCSIN_SIGV4_KEY_SIZE]);

/* (transfer full) RFC 3986 encoding the SigV4 way: A-Za-z0-9-_.~ kept, every other byte %XX in
 * upper case; '/' is kept too when @keep_slash (paths) and encoded otherwise (query parts). */
G_GNUC_INTERNAL char *priv_tocsin_sigv4_uri_encode (const char *text, gboolean keep_slash);

/* Overwrites @length bytes at @data with zeros in a way the compiler may not drop as a dead
 * store before free(). */
G_GNUC_INTERNAL void priv_tocsin_sigv4_wipe (void *data, gsize length);

G_END_DECLS
