/* sigv4.c: AWS Signature Version 4 with GLib's GHmac and GChecksum (see sigv4.h for the rules).
 *
 * The steps are those of the AWS documentation: canonical request, string to sign, derived key,
 * signature, Authorization header. Each intermediate is kept in the result so that a wrong
 * signature (which AWS answers with nothing but SignatureDoesNotMatch) can be traced to the step
 * that differs from the published test suite.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _DEFAULT_SOURCE /* explicit_bzero, also under -std=c11 */

#include "sigv4.h"

#include <string.h>

#define ALGORITHM "AWS4-HMAC-SHA256"
#define SCOPE_TERMINATOR "aws4_request"

/* Not G_DEFINE_QUARK, whose unsynchronised cache is a data race between workers; GLib's own
 * table is locked, and this is only looked up when signing fails. */
GQuark
priv_tocsin_sigv4_error_quark (void)
{
  return g_quark_from_static_string ("priv-tocsin-sigv4-error-quark");
}

void
priv_tocsin_sigv4_wipe (void *data, gsize length)
{
  if (data != NULL && length > 0)
    explicit_bzero (data, length);
}

static void
wipe_free (char *text)
{
  if (text != NULL)
    priv_tocsin_sigv4_wipe (text, strlen (text));
  g_free (text);
}

static gboolean
is_unreserved (guchar c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_' || c == '.' || c == '~';
}

char *
priv_tocsin_sigv4_uri_encode (const char *text, gboolean keep_slash)
{
  GString *out;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_sized_new (strlen (text) + 1);
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (is_unreserved (*p) || (keep_slash && *p == '/'))
        g_string_append_c (out, (char) *p);
      else
        g_string_append_printf (out, "%%%02X", (unsigned int) *p);
    }
  return g_string_free (out, FALSE);
}

static void
hex_encode (const guint8 *bytes, gsize length, char *out)
{
  static const char digits[] = "0123456789abcdef";

  for (gsize i = 0; i < length; i++)
    {
      out[2 * i] = digits[bytes[i] >> 4];
      out[2 * i + 1] = digits[bytes[i] & 0x0f];
    }
  out[2 * length] = '\0';
}

static void
hmac_sha256 (const guint8 *key, gsize key_length, const char *data,
             guint8 out[PRIV_TOCSIN_SIGV4_KEY_SIZE])
{
  GHmac *hmac = g_hmac_new (G_CHECKSUM_SHA256, key, key_length);
  gsize out_length = PRIV_TOCSIN_SIGV4_KEY_SIZE;

  g_hmac_update (hmac, (const guchar *) data, (gssize) strlen (data));
  g_hmac_get_digest (hmac, out, &out_length);
  g_hmac_unref (hmac);
  g_assert (out_length == PRIV_TOCSIN_SIGV4_KEY_SIZE);
}

void
priv_tocsin_sigv4_derive_key (const char *secret_access_key, const char *date, const char *region,
                              const char *service, guint8 key[PRIV_TOCSIN_SIGV4_KEY_SIZE])
{
  char *prefixed;
  guint8 k_date[PRIV_TOCSIN_SIGV4_KEY_SIZE];
  guint8 k_region[PRIV_TOCSIN_SIGV4_KEY_SIZE];
  guint8 k_service[PRIV_TOCSIN_SIGV4_KEY_SIZE];

  g_return_if_fail (secret_access_key != NULL && date != NULL);
  g_return_if_fail (region != NULL && service != NULL && key != NULL);

  prefixed = g_strconcat ("AWS4", secret_access_key, NULL);
  hmac_sha256 ((const guint8 *) prefixed, strlen (prefixed), date, k_date);
  wipe_free (prefixed);
  hmac_sha256 (k_date, sizeof k_date, region, k_region);
  hmac_sha256 (k_region, sizeof k_region, service, k_service);
  hmac_sha256 (k_service, sizeof k_service, SCOPE_TERMINATOR, key);
  priv_tocsin_sigv4_wipe (k_date, sizeof k_date);
  priv_tocsin_sigv4_wipe (k_region, sizeof k_region);
  priv_tocsin_sigv4_wipe (k_service, sizeof k_service);
}

/* ---- validation: every error names the field, never its value ---- */

static gboolean
fail (GError **error, const char *what)
{
  g_set_error (error, PRIV_TOCSIN_SIGV4_ERROR, PRIV_TOCSIN_SIGV4_ERROR_INVALID,
               "cannot sign the request: %s", what);
  return FALSE;
}

/* An HTTP token (RFC 9110 tchar): methods and header names. */
static gboolean
is_token (const char *text)
{
  if (text == NULL || *text == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("!#$%&'*+-.^_`|~", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* Region, service and key id go into the credential scope, where '/', ',' or a space would
 * change its meaning. */
static gboolean
is_scope_part (const char *text)
{
  if (text == NULL || *text == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

/* No control character but tab: a CR or LF would inject a header, or forge a canonical line. */
static gboolean
is_field_value (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
      return FALSE;
  return TRUE;
}

static gboolean
is_signer_header (const char *name)
{
  return g_ascii_strcasecmp (name, "authorization") == 0
         || g_ascii_strcasecmp (name, "x-amz-date") == 0
         || g_ascii_strcasecmp (name, "x-amz-security-token") == 0;
}

static gboolean
validate_headers (const PrivTocsinSigv4Request *r, GError **error)
{
  gboolean have_host = FALSE;

  if (r->n_headers > 0 && r->headers == NULL)
    return fail (error, "headers missing");
  for (gsize i = 0; i < r->n_headers; i++)
    {
      const char *name = r->headers[i].name;

      if (!is_token (name))
        return fail (error, "a header name is empty or not an HTTP token");
      if (is_signer_header (name))
        return fail (error, "authorization, x-amz-date and x-amz-security-token are the "
                            "signer's to set");
      if (r->headers[i].value != NULL && !is_field_value (r->headers[i].value))
        return fail (error, "a header value contains a control character");
      have_host = have_host || g_ascii_strcasecmp (name, "host") == 0;
    }
  if (!have_host)
    return fail (error, "no host header");
  return TRUE;
}

static gboolean
validate_request (const PrivTocsinSigv4Request *r, GError **error)
{
  if (!is_token (r->method))
    return fail (error, "method missing or not an HTTP token");
  if (r->path != NULL && r->path[0] != '\0' && r->path[0] != '/')
    return fail (error, "path does not start with '/'");
  if (r->n_query > 0 && r->query == NULL)
    return fail (error, "query parameters missing");
  for (gsize i = 0; i < r->n_query; i++)
    if (r->query[i].name == NULL)
      return fail (error, "a query parameter has no name");
  if (r->payload_length > 0 && r->payload == NULL)
    return fail (error, "payload missing");
  if (!is_scope_part (r->region) || !is_scope_part (r->service))
    return fail (error, "region or service missing or not of A-Za-z0-9-_.");
  if (!is_scope_part (r->access_key_id))
    return fail (error, "access key id missing or not of A-Za-z0-9-_.");
  if (r->secret_access_key == NULL || r->secret_access_key[0] == '\0')
    return fail (error, "secret access key missing");
  if (r->session_token != NULL && !is_field_value (r->session_token))
    return fail (error, "the session token contains a control character");
  return validate_headers (r, error);
}

/* ---- canonical request ---- */

typedef struct {
  char *name;  /* (owned) lower case, or encoded for the query */
  char *value; /* (owned) canonical form */
  gsize order; /* position given, so equal names keep their order (g_array_sort is not stable) */
} Entry;

static void
entry_clear (gpointer data)
{
  Entry *e = data;

  g_free (e->name);
  wipe_free (e->value); /* may be the session token */
}

static GArray *
entries_new (void)
{
  GArray *entries = g_array_new (FALSE, FALSE, sizeof (Entry));

  g_array_set_clear_func (entries, entry_clear);
  return entries;
}

static void
entries_add (GArray *entries, char *name, char *value)
{
  Entry e = { name, value, entries->len };

  g_array_append_val (entries, e);
}

static int
compare_by_name (gconstpointer a, gconstpointer b)
{
  const Entry *x = a, *y = b;
  int c = strcmp (x->name, y->name);

  if (c != 0)
    return c;
  return x->order < y->order ? -1 : x->order > y->order;
}

static int
compare_by_name_value (gconstpointer a, gconstpointer b)
{
  const Entry *x = a, *y = b;
  int c = strcmp (x->name, y->name);

  return c != 0 ? c : strcmp (x->value, y->value);
}

/* Leading and trailing blanks dropped, each inner run of blanks made one space. */
static char *
canonical_header_value (const char *value)
{
  GString *out = g_string_new (NULL);
  gboolean pending_space = FALSE;

  for (const char *p = value != NULL ? value : ""; *p != '\0'; p++)
    {
      if (*p == ' ' || *p == '\t')
        {
          pending_space = out->len > 0;
          continue;
        }
      if (pending_space)
        g_string_append_c (out, ' ');
      pending_space = FALSE;
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* Appends "name:value[,value...]\n" lines to @canonical and "name;..." to @signed_names. */
static void
build_headers (const PrivTocsinSigv4Request *r, const char *amz_date, GString *canonical,
               GString *signed_names)
{
  g_autoptr (GArray) entries = entries_new ();
  const char *previous = NULL;

  for (gsize i = 0; i < r->n_headers; i++)
    entries_add (entries, g_ascii_strdown (r->headers[i].name, -1),
                 canonical_header_value (r->headers[i].value));
  entries_add (entries, g_strdup ("x-amz-date"), g_strdup (amz_date));
  if (r->session_token != NULL && r->session_token[0] != '\0')
    entries_add (entries, g_strdup ("x-amz-security-token"),
                 canonical_header_value (r->session_token));
  g_array_sort (entries, compare_by_name);

  for (guint i = 0; i < entries->len; i++)
    {
      const Entry *e = &g_array_index (entries, Entry, i);

      if (previous != NULL && strcmp (previous, e->name) == 0)
        {
          /* Overwrite the '\n' of the line started for this name. */
          g_string_truncate (canonical, canonical->len - 1);
          g_string_append_printf (canonical, ",%s\n", e->value);
          continue;
        }
      g_string_append_printf (canonical, "%s:%s\n", e->name, e->value);
      if (signed_names->len > 0)
        g_string_append_c (signed_names, ';');
      g_string_append (signed_names, e->name);
      previous = e->name;
    }
}

static void
build_query (const PrivTocsinSigv4Request *r, GString *out)
{
  g_autoptr (GArray) entries = entries_new ();

  for (gsize i = 0; i < r->n_query; i++)
    {
      const char *value = r->query[i].value != NULL ? r->query[i].value : "";

      entries_add (entries, priv_tocsin_sigv4_uri_encode (r->query[i].name, FALSE),
                   priv_tocsin_sigv4_uri_encode (value, FALSE));
    }
  g_array_sort (entries, compare_by_name_value);
  for (guint i = 0; i < entries->len; i++)
    {
      const Entry *e = &g_array_index (entries, Entry, i);

      g_string_append_printf (out, "%s%s=%s", i > 0 ? "&" : "", e->name, e->value);
    }
}

static char *
build_canonical_request (const PrivTocsinSigv4Request *r, PrivTocsinSigv4Result *result)
{
  GString *creq = g_string_new (NULL);
  GString *signed_names = g_string_new (NULL);
  const char *path = r->path != NULL && r->path[0] != '\0' ? r->path : "/";
  g_autofree char *encoded_path = priv_tocsin_sigv4_uri_encode (path, TRUE);

  g_string_append_printf (creq, "%s\n%s\n", r->method, encoded_path);
  build_query (r, creq);
  g_string_append_c (creq, '\n');
  build_headers (r, result->amz_date, creq, signed_names);
  result->signed_headers = g_string_free (signed_names, FALSE);
  g_string_append_printf (creq, "\n%s\n%s", result->signed_headers, result->payload_hash);
  return g_string_free (creq, FALSE);
}

/* ---- signing ---- */

/* (transfer full) "YYYYMMDDTHHMMSSZ", or NULL for a time without a four-digit year. */
static char *
format_amz_date (gint64 unix_time)
{
  g_autoptr (GDateTime) when = g_date_time_new_from_unix_utc (unix_time);
  char *text;

  if (when == NULL)
    return NULL;
  text = g_date_time_format (when, "%Y%m%dT%H%M%SZ");
  if (text != NULL && strlen (text) != 16)
    g_clear_pointer (&text, g_free);
  return text;
}

static char *
sign_string (const PrivTocsinSigv4Request *r, const char *date, const char *string_to_sign)
{
  guint8 key[PRIV_TOCSIN_SIGV4_KEY_SIZE];
  guint8 mac[PRIV_TOCSIN_SIGV4_KEY_SIZE];
  char *hex = g_malloc (2 * PRIV_TOCSIN_SIGV4_KEY_SIZE + 1);

  priv_tocsin_sigv4_derive_key (r->secret_access_key, date, r->region, r->service, key);
  hmac_sha256 (key, sizeof key, string_to_sign, mac);
  priv_tocsin_sigv4_wipe (key, sizeof key);
  hex_encode (mac, sizeof mac, hex);
  return hex;
}

PrivTocsinSigv4Result *
priv_tocsin_sigv4_sign (const PrivTocsinSigv4Request *request, GError **error)
{
  g_autoptr (PrivTocsinSigv4Result) result = NULL;
  g_autofree char *creq_hash = NULL;
  char date[9];

  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!validate_request (request, error))
    return NULL;
  result = g_new0 (PrivTocsinSigv4Result, 1);
  result->amz_date = format_amz_date (request->unix_time);
  if (result->amz_date == NULL)
    {
      fail (error, "the time is outside the years 1000 to 9999");
      return NULL;
    }
  g_strlcpy (date, result->amz_date, sizeof date);
  result->credential_scope = g_strdup_printf ("%s/%s/%s/" SCOPE_TERMINATOR, date,
                                              request->region, request->service);
  result->payload_hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, request->payload,
                                                      request->payload_length);
  result->canonical_request = build_canonical_request (request, result);
  creq_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, result->canonical_request, -1);
  result->string_to_sign = g_strdup_printf (ALGORITHM "\n%s\n%s\n%s", result->amz_date,
                                            result->credential_scope, creq_hash);
  result->signature = sign_string (request, date, result->string_to_sign);
  result->authorization = g_strdup_printf (ALGORITHM " Credential=%s/%s, SignedHeaders=%s, "
                                           "Signature=%s", request->access_key_id,
                                           result->credential_scope, result->signed_headers,
                                           result->signature);
  return g_steal_pointer (&result);
}

void
priv_tocsin_sigv4_result_free (PrivTocsinSigv4Result *result)
{
  if (result == NULL)
    return;
  g_free (result->amz_date);
  g_free (result->credential_scope);
  g_free (result->payload_hash);
  g_free (result->signed_headers);
  wipe_free (result->canonical_request);
  g_free (result->string_to_sign);
  g_free (result->signature);
  g_free (result->authorization);
  g_free (result);
}
