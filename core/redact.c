/* redact.c: masking secrets in text before anyone sees it.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>

#include <string.h>

/* Secrets shorter than this would mask ordinary words and numbers all over the output. */
#define MIN_SECRET_LENGTH 4

static GRWLock secrets_lock;
static GPtrArray *secrets; /* (element-type utf8), longest first so a secret containing another
                              is masked whole */

typedef struct {
  const char *pattern;
  const char *replacement;
} Rule;

#define SECRET_NAMES                                                                         \
  "password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|"       \
  "client[_-]?secret|signature"

/* Ordered: the Slack rule must run before the generic URL and token rules. */
static const Rule rules[] = {
  /* Slack webhook: keep the first character of the team and bot ids, as the original did. */
  { "https://hooks\\.slack(?:-gov)?\\.com/services/([A-Za-z0-9])[A-Za-z0-9]*/([A-Za-z0-9])[A-Za-z0-9]*/[A-Za-z0-9]+",
    "https://hooks.slack.com/services/\\1***/\\2***/***" },
  /* ... any other Slack webhook URL, unless the rule above already masked it */
  { "https://hooks\\.slack(?:-gov)?\\.com/services/(?![A-Za-z0-9]\\*\\*\\*/[A-Za-z0-9]\\*\\*\\*/\\*\\*\\*)[^\\s\"'<>]*",
    "https://hooks.slack.com/services/***" },
  /* Token formats of the services tocsin talks to, wherever they appear (an API that echoes a
   * refused key, a config value quoted in an error): Slack (xoxb-, xoxp-...), Resend (re_...),
   * Google OAuth access tokens (ya29....). */
  { "\\b(xox[abposr])-[A-Za-z0-9-]{8,}", "\\1-***" },
  { "\\bre_[A-Za-z0-9_]{8,}", "re_***" },
  { "\\bya29\\.[A-Za-z0-9._-]{8,}", "ya29.***" },
  /* user:password@ in any URL (a scheme is short: bounded, so that a long run of letters is not
   * scanned again from each of its positions) */
  { "([a-zA-Z][a-zA-Z0-9+.-]{0,31}://[^/\\s:@]*):[^@/\\s]*@", "\\1:***@" },
  /* Credential-bearing headers, up to the end of the line */
  { "(?i)\\b(authorization|proxy-authorization|x-api-key|api-key|cookie|set-cookie)\\s*:\\s*[^\\r\\n]*",
    "\\1: ***" },
  { "(?i)\\b(bearer|basic)\\s+[A-Za-z0-9._~+/=-]{4,}", "\\1 ***" },
  /* key=value, key: value and "key": "value" assignments of secret-looking names: a quoted
   * value is masked whole (up to its closing quote, past escaped quotes, or to the end of the
   * line when it has none), a bare one up to a separator. The name's prefix is bounded: tried
   * from every word boundary, an unbounded one made a long hyphenated text quadratic. */
  { "(?im)\\b((?:[a-z0-9_-]{0,32}?)(?:" SECRET_NAMES ")s?)([\"']?\\s*[=:]\\s*)([\"'])"
    "(?:\\\\.|(?!\\3).)*(?:\\3|$)",
    "\\1\\2\\3***\\3" },
  { "(?i)\\b((?:[a-z0-9_-]{0,32}?)(?:" SECRET_NAMES ")s?)([\"']?\\s*[=:]\\s*)[^\\s\"'&,;}]+",
    "\\1\\2***" },
};

static GRegex *compiled[G_N_ELEMENTS (rules)];

static void
compile_rules_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      for (gsize i = 0; i < G_N_ELEMENTS (rules); i++)
        {
          g_autoptr (GError) error = NULL;
          /* No G_REGEX_OPTIMIZE: PCRE2's JIT reads past the end of strings on purpose, which
           * valgrind reports on every log line; redaction only runs on lines actually logged. */
          compiled[i] = g_regex_new (rules[i].pattern, 0, 0, &error);
          g_assert_no_error (error);
        }
      g_once_init_leave (&done, 1);
    }
}

static int
compare_length_desc (gconstpointer a, gconstpointer b)
{
  size_t la = strlen (*(const char *const *) a), lb = strlen (*(const char *const *) b);
  return la < lb ? 1 : la > lb ? -1 : 0;
}

void
tocsin_redact_register_secret (const char *secret)
{
  if (secret == NULL || strlen (secret) < MIN_SECRET_LENGTH)
    return;
  g_rw_lock_writer_lock (&secrets_lock);
  if (secrets == NULL)
    secrets = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < secrets->len; i++)
    if (strcmp (secrets->pdata[i], secret) == 0)
      {
        g_rw_lock_writer_unlock (&secrets_lock);
        return;
      }
  g_ptr_array_add (secrets, g_strdup (secret));
  g_ptr_array_sort (secrets, compare_length_desc);
  g_rw_lock_writer_unlock (&secrets_lock);
}

static gboolean
contains_known_secret (const char *text)
{
  gboolean found = FALSE;

  g_rw_lock_reader_lock (&secrets_lock);
  for (guint i = 0; secrets != NULL && i < secrets->len && !found; i++)
    found = strstr (text, secrets->pdata[i]) != NULL;
  g_rw_lock_reader_unlock (&secrets_lock);
  return found;
}

/* Marks in @masked every byte of @text that a registered secret covers. All occurrences are
 * found on the original text and masked as merged runs, so overlapping secrets leave nothing of
 * either. */
static void
mark_known_secrets (const char *text, guint8 *masked)
{
  g_rw_lock_reader_lock (&secrets_lock);
  for (guint i = 0; secrets != NULL && i < secrets->len; i++)
    {
      const char *secret = secrets->pdata[i];
      gsize length = strlen (secret);

      for (const char *p = strstr (text, secret); p != NULL; p = strstr (p + 1, secret))
        memset (masked + (p - text), 1, length);
    }
  g_rw_lock_reader_unlock (&secrets_lock);
}

/* (transfer full) @text with each run of registered secrets replaced by "***". */
static char *
mask_known_secrets (const char *text)
{
  gsize length = strlen (text);
  g_autofree guint8 *masked = NULL;
  GString *out;

  /* Most texts hold no secret: no mask is allocated for them. */
  if (!contains_known_secret (text))
    return g_strdup (text);
  masked = g_malloc0 (length + 1);
  mark_known_secrets (text, masked);
  out = g_string_sized_new (length);
  for (gsize i = 0; i < length; i++)
    if (!masked[i])
      g_string_append_c (out, text[i]);
    else if (i == 0 || !masked[i - 1])
      g_string_append (out, "***");
  return g_string_free (out, FALSE);
}

char *
tocsin_redact (const char *text)
{
  char *result;

  if (text == NULL)
    return NULL;
  compile_rules_once ();
  /* The patterns need UTF-8: on an invalid byte PCRE2 refuses the whole text, which would go
   * out unmasked. Invalid bytes become U+FFFD first. */
  result = g_utf8_make_valid (text, -1);
  /* Known secrets first: a secret may be cut in two by a later pattern otherwise. */
  {
    char *masked = mask_known_secrets (result);
    g_free (result);
    result = masked;
  }
  for (gsize i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      g_autoptr (GError) error = NULL;
      char *next = g_regex_replace (compiled[i], result, -1, 0, rules[i].replacement, 0, &error);

      g_free (result);
      /* A rule that cannot run (PCRE2 out of memory on a huge text) must not let the text out
       * unchecked. */
      if (next == NULL)
        return g_strdup ("[text withheld: it could not be checked for secrets]");
      result = next;
    }
  return result;
}
