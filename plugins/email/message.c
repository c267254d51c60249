/* message.c: the e-mail an alert becomes, built with GMime (never by pasting headers), so that
 * encoding (RFC 2047 for non-ASCII subjects and names), folding of long headers and the body's
 * transfer encoding follow the RFCs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "message.h"

#include <gmime/gmime.h>
#include <string.h>

/* GMime 3.2 declares no g_autoptr cleanups of its own. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeObject, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InternetAddress, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InternetAddressList, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeFormatOptions, g_mime_format_options_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeDataWrapper, g_object_unref)

static gpointer
init_once (gpointer data)
{
  g_mime_init ();
  return NULL;
}

void
priv_tocsin_email_init (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, init_once, NULL);
}

/* ---- mailboxes ------------------------------------------------------------------------------ */

/* RFC 5322 "atext": the characters of a dot-atom local part besides the dots. */
static gboolean
is_atext (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

/* A dot-atom: atext runs separated by single dots, not starting or ending with one. */
static gboolean
is_dot_atom (const char *text, gsize length)
{
  if (length == 0 || text[0] == '.' || text[length - 1] == '.')
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (text[i] == '.' ? text[i + 1] == '.' : !is_atext (text[i]))
      return FALSE;
  return TRUE;
}

/* Host name labels of letters, digits and inner hyphens, 1 to 63 characters each. */
static gboolean
is_host_name (const char *domain)
{
  g_auto (GStrv) labels = g_strsplit (domain, ".", -1);

  if (*domain == '\0' || strlen (domain) > 253)
    return FALSE;
  for (guint i = 0; labels[i] != NULL; i++)
    {
      gsize n = strlen (labels[i]);
      if (n == 0 || n > 63 || labels[i][0] == '-' || labels[i][n - 1] == '-')
        return FALSE;
      for (gsize j = 0; j < n; j++)
        if (!g_ascii_isalnum (labels[i][j]) && labels[i][j] != '-')
          return FALSE;
    }
  return TRUE;
}

/* An address every relay and mail reader takes as it is: ASCII (an international domain in its
 * IDNA form), a dot-atom local part, one @, a host name. Quoted local parts and address
 * literals are refused: they are rare in alerting and easy to get wrong in headers (the fuzzer
 * found both mangled). */
static gboolean
is_plain_address (const char *address)
{
  const char *at = strrchr (address, '@');

  return at != NULL && strlen (address) <= 254 && is_dot_atom (address, (gsize) (at - address))
         && is_host_name (at + 1);
}

static gboolean
has_control (const char *text)
{
  for (const guchar *p = (const guchar *) text; p != NULL && *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return TRUE;
  return FALSE;
}

/* Whether some "(" in @text has no unescaped ")" after it to close it. Deliberately coarse: quotes
 * and address literals are not told apart, and an escaped "(" counts too, so every comment GMime
 * could find open is caught (its tokenizer is what must be kept away from), at the price of
 * refusing a lone "(" inside a quoted display name. */
static gboolean
has_open_comment (const char *text)
{
  guint depth = 0;

  for (const char *p = text; *p; p++)
    if (*p == '\\' && p[1] != '\0')
      {
        p++;
        /* An escaped "(" may still open a comment where GMime does not honour the escape. */
        depth += *p == '(';
      }
    else if (*p == '(')
      depth++;
    else if (*p == ')' && depth > 0)
      depth--;
  return depth > 0;
}

gboolean
priv_tocsin_email_parse_mailbox (const char *text, EmailMailbox *mailbox, char **why)
{
  g_autoptr (InternetAddressList) list = NULL;
  InternetAddress *first;
  InternetAddressMailbox *box;
  const char *name;

  memset (mailbox, 0, sizeof *mailbox);
  if (text == NULL || *text == '\0')
    {
      *why = g_strdup ("is empty; give an address such as alerts@example.com");
      return FALSE;
    }
  /* Checked before parsing: a line break in an address could otherwise start a header. */
  if (has_control (text))
    {
      *why = g_strdup ("contains a line break or another control character");
      return FALSE;
    }
  if (!g_utf8_validate (text, -1, NULL))
    {
      *why = g_strdup ("is not valid UTF-8");
      return FALSE;
    }
  /* Refused before GMime sees it: 3.2.13 leaks a string parsing an address literal followed by
   * an open comment ("d@[127.0.0.1] (x"), and an open comment is never a valid address. */
  if (has_open_comment (text))
    {
      *why = g_strdup ("has a \"(\" that is never closed (a comment; in a quoted name too, "
                       "close it with \")\")");
      return FALSE;
    }
  list = internet_address_list_parse (NULL, text);
  if ((list == NULL || internet_address_list_length (list) != 1) && strpbrk (text, ",;") == NULL)
    {
      *why = g_strdup ("is not a valid mailbox; write it as name@domain, e.g. alerts@example.com");
      return FALSE;
    }
  if (list == NULL || internet_address_list_length (list) != 1)
    {
      *why = g_strdup ("is not one mailbox; write a single address such as alerts@example.com "
                       "or \"Alerts <alerts@example.com>\" (repeat the element for more)");
      return FALSE;
    }
  first = internet_address_list_get_address (list, 0);
  if (!INTERNET_ADDRESS_IS_MAILBOX (first)
      || !is_plain_address (internet_address_mailbox_get_idn_addr (INTERNET_ADDRESS_MAILBOX (first))))
    {
      *why = g_strdup ("is not a valid mailbox; write it as name@domain with a plain local part "
                       "(letters, digits, dots and !#$%&'*+/=?^_`{|}~-) and a host name, e.g. "
                       "alerts@example.com");
      return FALSE;
    }
  box = INTERNET_ADDRESS_MAILBOX (first);
  name = internet_address_get_name (first);
  /* Checked again once decoded: an encoded word (=?utf-8?q?...=0D=0A?=) can hide a line break. */
  if (has_control (name))
    {
      *why = g_strdup ("has a display name with a line break or another control character");
      return FALSE;
    }
  mailbox->name = name && *name ? g_strdup (name) : NULL;
  /* The ASCII form in headers and envelope alike: no relay has to support SMTPUTF8. */
  mailbox->address = g_strdup (internet_address_mailbox_get_idn_addr (box));
  mailbox->envelope = g_strdup (mailbox->address);
  return TRUE;
}

void
priv_tocsin_email_mailbox_clear (EmailMailbox *mailbox)
{
  g_clear_pointer (&mailbox->name, g_free);
  g_clear_pointer (&mailbox->address, g_free);
  g_clear_pointer (&mailbox->envelope, g_free);
}

/* ---- subject and text ----------------------------------------------------------------------- */

/* (transfer full) The alert's title (with its timestamp prefix when it asks for one) on one
 * line: a line break or other control character becomes a space, invalid UTF-8 is repaired. */
static char *
dup_title_line (TocsinAlert *alert)
{
  g_autofree char *formatted = tocsin_alert_dup_formatted_title (alert);
  char *title = g_utf8_make_valid (formatted, -1);

  for (char *p = title; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return title;
}

static char *
dup_level_tag (TocsinAlert *alert)
{
  return g_ascii_strup (tocsin_level_to_string (tocsin_alert_get_level (alert)), -1);
}

char *
priv_tocsin_email_dup_subject (const EmailTemplate *template, TocsinAlert *alert)
{
  g_autofree char *title = dup_title_line (alert);
  g_autofree char *level = dup_level_tag (alert);
  const char *prefix = template->subject_prefix ? template->subject_prefix : "";

  return g_strdup_printf ("%s%s[%s] %s", prefix, *prefix ? " " : "", level, title);
}

char *
priv_tocsin_email_dup_text (TocsinAlert *alert)
{
  g_autofree char *title = dup_title_line (alert);
  g_autofree char *level = dup_level_tag (alert);
  g_autofree char *body = g_utf8_make_valid (tocsin_alert_get_body (alert), -1);
  g_autofree char *rule = g_strnfill (g_utf8_strlen (title, -1), '=');
  GString *text;

  /* One line ending inside: GMime writes CRLF for every LF on output, so a CR left here would
   * double it. */
  text = g_string_new (body);
  g_string_replace (text, "\r\n", "\n", 0);
  g_string_replace (text, "\r", "\n", 0);
  g_string_prepend (text, "\n\n");
  g_string_prepend (text, rule);
  g_string_prepend_c (text, '\n');
  g_string_prepend (text, title);
  g_string_prepend (text, "\n\n");
  g_string_prepend (text, level);
  g_string_prepend (text, "Alert Level: ");
  g_string_append (text, "\n\n---\nSent by tocsin\n");
  return g_string_free (text, FALSE);
}

/* ---- the subject on the wire ---------------------------------------------------------------- */

/* The most encoded text one encoded-word carries: "Subject: =?UTF-8?Q?" + 56 + "?=" is 77
 * characters, within RFC 5322's 78 a line (and RFC 2047's 75 a word). */
#define Q_TEXT_MAX 56

/* Bytes a Q encoded-word carries as they are: letters and digits; a space is "_". */
static gsize
q_width (guchar c)
{
  return g_ascii_isalnum (c) || c == ' ' ? 1 : 3;
}

static void
append_q (GString *out, guchar c)
{
  if (g_ascii_isalnum (c))
    g_string_append_c (out, (char) c);
  else if (c == ' ')
    g_string_append_c (out, '_');
  else
    g_string_append_printf (out, "=%02X", c);
}

/* (transfer full) @text as a raw header value (GMime's form: a leading space, lines ending in
 * LF) of UTF-8 Q encoded-words, one a line, each ending between two characters as RFC 2047 asks
 * (a character is its lead byte and the continuation bytes after it). The white space between
 * encoded-words is not text, so a reader decodes exactly @text. */
static char *
dup_q_encoded_value (const char *text)
{
  GString *out = g_string_new (" =?UTF-8?Q?");
  gsize width = 0;

  for (const guchar *p = (const guchar *) text; *p;)
    {
      const guchar *end = p + 1;
      gsize char_width = q_width (*p);

      for (; (*end & 0xc0) == 0x80; end++)
        char_width += q_width (*end);
      if (width > 0 && width + char_width > Q_TEXT_MAX)
        {
          g_string_append (out, "?=\n =?UTF-8?Q?");
          width = 0;
        }
      for (; p < end; p++)
        append_q (out, *p);
      width += char_width;
    }
  g_string_append (out, "?=\n");
  return g_string_free (out, FALSE);
}

/* Sets @message's Subject so that a mail reader decodes exactly @subject. GMime encodes the words
 * that need it (non-ASCII, overlong) and writes other ASCII as it is, an encoded-word included:
 * a title "=?utf-8?q?=0D=0AX:y?=" would reach the reader as a line break and "X:y". A subject
 * with "=?" is therefore written whole as encoded-words of our own (GMime 3.2 cannot be asked to
 * encode ASCII text); other subjects stay as GMime writes them, plain ASCII readable as it is. */
static void
set_subject (GMimeMessage *message, const char *subject)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (message));
  g_autofree char *encoded = NULL;

  g_mime_message_set_subject (message, subject, "utf-8");
  if (strstr (subject, "=?") == NULL)
    return;
  encoded = dup_q_encoded_value (subject);
  g_mime_header_set_raw_value (g_mime_header_list_get_header (headers, "Subject"), encoded);
}

/* ---- the message ----------------------------------------------------------------------------- */

/* Characters a Message-ID's left part may keep as they are (RFC 5322 dot-atom text, minus a few
 * that confuse simple parsers). */
static gboolean
is_id_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_';
}

/* (transfer full) "<alert id>.<channel>@<sender's domain>": the same for every send of one alert
 * through one channel, so a retry that reaches the mailbox twice is recognisably the same
 * message. An id with other characters is replaced by its SHA-256. */
static char *
dup_message_id (const EmailTemplate *template, TocsinAlert *alert)
{
  const char *id = tocsin_alert_get_id (alert);
  const char *domain = strrchr (template->sender.envelope, '@') + 1;
  g_autofree char *local = g_strdup_printf ("%s.%s", id, template->channel_key);

  for (const char *p = local; *p; p++)
    if (!is_id_char (*p) || (p == local && *p == '.'))
      {
        g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, local, -1);
        return g_strdup_printf ("%.32s.tocsin@%s", hash, domain);
      }
  return g_strdup_printf ("%s@%s", local, domain);
}

static GMimeObject *
make_body (const char *text)
{
  GMimeTextPart *part = g_mime_text_part_new_with_subtype ("plain");
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (text, strlen (text));
  g_autoptr (GMimeDataWrapper) content = g_mime_data_wrapper_new_with_stream (
    stream, GMIME_CONTENT_ENCODING_DEFAULT);

  /* The UTF-8 bytes as they are: g_mime_text_part_set_text() would convert text that fits
   * ISO-8859-1 to Latin-1 bytes, which the utf-8 label would then misdescribe. */
  g_mime_part_set_content (GMIME_PART (part), content);
  g_mime_text_part_set_charset (part, "utf-8");
  /* 7-bit clean (quoted-printable or base64 when the text needs it) so any relay carries it,
   * and so that no body line can be a lone "." or exceed SMTP's line length. */
  g_mime_part_set_content_encoding (GMIME_PART (part),
                                    g_mime_part_get_best_content_encoding (
                                      GMIME_PART (part), GMIME_ENCODING_CONSTRAINT_7BIT));
  return GMIME_OBJECT (part);
}

char *
priv_tocsin_email_dup_mailbox_text (const EmailMailbox *mailbox)
{
  g_autoptr (InternetAddress) address = internet_address_mailbox_new (mailbox->name,
                                                                      mailbox->address);

  return internet_address_to_string (address, NULL, FALSE);
}

TocsinMailMessage *
priv_tocsin_email_build (const EmailTemplate *template, TocsinAlert *alert)
{
  g_autoptr (GMimeMessage) message = g_mime_message_new (TRUE);
  g_autoptr (GMimeObject) body = NULL;
  g_autoptr (GMimeFormatOptions) options = g_mime_format_options_new ();
  g_autoptr (GDateTime) date = NULL;
  g_autoptr (GPtrArray) recipients = g_ptr_array_new ();
  g_autofree char *subject = priv_tocsin_email_dup_subject (template, alert);
  g_autofree char *text = priv_tocsin_email_dup_text (alert);
  g_autofree char *id = dup_message_id (template, alert);
  g_autoptr (GBytes) mime = NULL;
  char *wire;

  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, template->sender.name,
                              template->sender.address);
  for (guint i = 0; i < template->recipients->len; i++)
    {
      const EmailMailbox *to = &g_array_index (template->recipients, EmailMailbox, i);
      g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, to->name, to->address);
      g_ptr_array_add (recipients, to->envelope);
    }
  g_ptr_array_add (recipients, NULL);
  set_subject (message, subject);
  date = g_date_time_new_from_unix_local (tocsin_alert_get_time (alert) / G_USEC_PER_SEC);
  /* An alert time GLib cannot represent (after the year 9999) dates the message now. */
  if (date == NULL)
    date = g_date_time_new_now_local ();
  g_mime_message_set_date (message, date);
  g_mime_message_set_message_id (message, id);
  body = make_body (text);
  g_mime_message_set_mime_part (message, body);
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  wire = g_mime_object_to_string (GMIME_OBJECT (message), options);
  mime = g_bytes_new_take (wire, strlen (wire));
  return tocsin_mail_message_new (template->sender.envelope, template->from,
                                  (const char *const *) recipients->pdata, subject, text, mime,
                                  id);
}
