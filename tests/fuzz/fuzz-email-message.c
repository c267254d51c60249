/* fuzz-email-message.c: libFuzzer target for the e-mail channel's messages (message.c, GMime).
 *
 * Input: one flags byte, then NUL-separated fields: title, body, alert id, time (decimal Unix
 * seconds), subject prefix, channel key, sender, then up to MAX_RECIPIENTS recipients (missing
 * fields are empty). Flags: bits 0-1 the level, bit 2 the timestamp prefix, bit 3 use the id
 * field (else a generated id), bit 4 use the time field (else a fixed time).
 *
 * The sender and recipients go through priv_tocsin_email_parse_mailbox() as the channel's
 * config text does; a message is built when the sender and at least one recipient parse, with a
 * template made as email.c makes it (the subject prefix on one line, the channel key valid as
 * the config requires, else "oncall").
 *
 * Checked: a mailbox that parses has a plain address and no control character; the message's
 * header block (up to the first CRLF CRLF) holds only the headers the channel writes (From, To,
 * Subject, Date, Message-Id, MIME-Version, Content-Type, Content-Transfer-Encoding), each once,
 * in lines of printable ASCII no longer than RFC 5322's 998 characters, so no alert text can add
 * a header (Bcc:, a second Subject:...); the body is 7-bit with CRLF line ends; GMime parses the
 * message back with the same sender, recipients, Message-Id and body text.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "message.h"

#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)

#define MAX_RECIPIENTS 4
#define LINE_MAX_CHARS 998
/* A fixed alert time, so the Date header does not depend on when the fuzzer runs. */
#define ALERT_TIME_USEC (G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC)

static const TocsinLevel levels[] = {
  TOCSIN_LEVEL_INFO, TOCSIN_LEVEL_SUCCESS, TOCSIN_LEVEL_WARNING, TOCSIN_LEVEL_CRITICAL,
};

/* The headers priv_tocsin_email_build() writes, each exactly once. */
static const char *const headers[] = {
  "From", "To", "Subject", "Date", "Message-Id", "MIME-Version", "Content-Type",
  "Content-Transfer-Encoding",
};

/* The message being checked, shown when a check fails. */
static const char *current_mime;

static void
print_current_mime (void)
{
  if (current_mime != NULL)
    fprintf (stderr, "in the message:\n%s\n", current_mime);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_setenv ("TZ", "UTC", TRUE);
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
  fuzz_failure_context = print_current_mime;
  priv_tocsin_email_init ();
  return 0;
}


static gboolean
has_control (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return TRUE;
  return FALSE;
}

/* Parses @text into @mailbox as the channel's config does, checking what a success promises. */
static gboolean
parse_mailbox (const char *text, EmailMailbox *mailbox)
{
  g_autofree char *why = NULL;

  if (!priv_tocsin_email_parse_mailbox (text, mailbox, &why))
    {
      CHECK (why != NULL && mailbox->address == NULL);
      return FALSE;
    }
  CHECK (why == NULL);
  CHECK (mailbox->address != NULL && mailbox->envelope != NULL);
  CHECK (g_utf8_validate (mailbox->address, -1, NULL));
  CHECK (!has_control (mailbox->address) && !has_control (mailbox->envelope));
  CHECK (strchr (mailbox->envelope, '@') != NULL);
  CHECK (mailbox->name == NULL || g_utf8_validate (mailbox->name, -1, NULL));
  return TRUE;
}

/* The channel key as the config would give it: [A-Za-z0-9_][A-Za-z0-9_.-]*, else "oncall". */
static char *
dup_channel_key (const char *text)
{
  const char *chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";

  if (text[0] == '\0' || strchr (chars, text[0]) == NULL
      || strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
           != strlen (text))
    return g_strdup ("oncall");
  return g_strdup (text);
}

static int
header_index (const char *line, gsize name_len)
{
  for (gsize i = 0; i < G_N_ELEMENTS (headers); i++)
    if (strlen (headers[i]) == name_len && g_ascii_strncasecmp (line, headers[i], name_len) == 0)
      return (int) i;
  return -1;
}

/* CRLF-terminated lines of at most RFC 5322's 998 characters, each character accepted by
 * @allowed. */
static void
check_lines (const char *text, gsize len, gboolean (*allowed) (guchar c))
{
  gsize line_len = 0;

  for (gsize i = 0; i < len; i++)
    {
      guchar c = text[i];

      if (c == '\r')
        {
          CHECK (i + 1 < len && text[i + 1] == '\n');
          i++;
          line_len = 0;
          continue;
        }
      CHECK (allowed (c));
      CHECK (++line_len <= LINE_MAX_CHARS);
    }
}

/* A header holds printable ASCII and folding white space. */
static gboolean
is_header_char (guchar c)
{
  return c == '\t' || (c >= 0x20 && c < 0x7f);
}

/* A 7bit body (RFC 2045): ASCII without NUL, CR and LF only as CRLF. */
static gboolean
is_7bit_body_char (guchar c)
{
  return c != '\0' && c != '\n' && c < 0x80;
}

static void
check_header_block (const char *mime, gsize len)
{
  guint seen[G_N_ELEMENTS (headers)] = { 0 };
  g_auto (GStrv) lines = NULL;

  check_lines (mime, len, is_header_char);
  lines = g_strsplit (mime, "\r\n", -1);
  CHECK (lines[0] != NULL && lines[0][0] != ' ' && lines[0][0] != '\t');
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *colon;
      int index;

      if (lines[i][0] == ' ' || lines[i][0] == '\t')
        continue; /* folded: the rest of the header above */
      colon = strchr (lines[i], ':');
      if (colon == NULL || (index = header_index (lines[i], colon - lines[i])) < 0)
        {
          fprintf (stderr, "unexpected header line: %s\n", lines[i]);
          abort ();
        }
      seen[index]++;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (headers); i++)
    CHECK (seen[i] == 1 || (seen[i] == 0 && g_str_equal (headers[i], "Content-Transfer-Encoding")));
}

/* (transfer full) @address as IDNA compares domains: NFKC, case-folded. */
static char *
dup_folded (const char *address)
{
  g_autofree char *nfkc = g_utf8_normalize (address, -1, G_NORMALIZE_NFKC);

  return g_utf8_casefold (nfkc ? nfkc : address, -1);
}

static gboolean
same_address (const char *a, const char *b)
{
  g_autofree char *fa = dup_folded (a);
  g_autofree char *fb = dup_folded (b);

  return g_str_equal (fa, fb);
}

/* The addresses a reader sees are those the message goes to: the address as configured or its
 * ASCII (IDN) form. Compared as IDNA compares domains: GMime writes the IDN form and its parser
 * turns it back into Unicode, lower-cased and normalised. */
static void
check_address_list (InternetAddressList *list, const EmailMailbox *mailboxes, guint n)
{
  CHECK (list != NULL && internet_address_list_length (list) == (int) n);
  for (guint i = 0; i < n; i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, (int) i);
      const char *addr;

      CHECK (INTERNET_ADDRESS_IS_MAILBOX (address));
      addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));
      /* GMime's parser turns an IDNA domain back into Unicode: compare its ASCII form too. */
      if (!same_address (addr, mailboxes[i].envelope) && !same_address (addr, mailboxes[i].address)
          && !same_address (internet_address_mailbox_get_idn_addr (INTERNET_ADDRESS_MAILBOX (address)),
                            mailboxes[i].envelope))
        {
          fprintf (stderr, "header address <%s>, configured <%s>, envelope <%s>\n", addr,
                   mailboxes[i].address, mailboxes[i].envelope);
          fuzz_check_failed (__FILE__, __LINE__, "the header shows the address the message goes to");
        }
    }
}

/* (transfer full) @text with CRLF and lone CR as LF, as a reader sees a decoded body. */
static char *
dup_lf_text (const char *text)
{
  GString *s = g_string_new (text);

  g_string_replace (s, "\r\n", "\n", 0);
  g_string_replace (s, "\r", "\n", 0);
  return g_string_free (s, FALSE);
}

static void
check_parsed (GBytes *mime, const EmailTemplate *template, TocsinMailMessage *message)
{
  gsize len;
  const char *data = g_bytes_get_data (mime, &len);
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data, len);
  g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  g_autoptr (GMimeMessage) parsed = g_mime_parser_construct_message (parser, NULL);
  GMimeObject *body;
  g_autofree char *decoded = NULL, *text = NULL, *want_text = NULL;

  CHECK (parsed != NULL);
  check_address_list (g_mime_message_get_from (parsed), &template->sender, 1);
  check_address_list (g_mime_message_get_to (parsed),
                      (const EmailMailbox *) template->recipients->data, template->recipients->len);
  CHECK (g_strcmp0 (g_mime_message_get_message_id (parsed),
                    tocsin_mail_message_get_message_id (message)) == 0);
  body = g_mime_message_get_mime_part (parsed);
  CHECK (body != NULL && GMIME_IS_TEXT_PART (body));
  decoded = g_mime_text_part_get_text (GMIME_TEXT_PART (body));
  text = dup_lf_text (decoded);
  want_text = dup_lf_text (tocsin_mail_message_get_text (message));
  CHECK (g_str_equal (text, want_text));
}

static void
check_message (const EmailTemplate *template, TocsinAlert *alert)
{
  g_autoptr (TocsinMailMessage) message = priv_tocsin_email_build (template, alert);
  GBytes *mime;
  const char *data, *end;
  gsize len;

  CHECK (message != NULL);
  mime = tocsin_mail_message_get_mime (message);
  data = g_bytes_get_data (mime, &len);
  CHECK (data != NULL && memchr (data, '\0', len) == NULL);
  current_mime = data;
  end = g_strstr_len (data, len, "\r\n\r\n");
  CHECK (end != NULL);
  {
    g_autofree char *block = g_strndup (data, end - data);
    check_header_block (block, end - data);
  }
  /* The body: 7-bit, CRLF lines of at most 998 characters (quoted-printable or base64). */
  check_lines (end + 4, len - (end + 4 - data), is_7bit_body_char);
  check_parsed (mime, template, message);
  current_mime = NULL;
}

/* The subject prefix as the channel gets it from config text (valid UTF-8 without the control
 * characters XML cannot carry), put on one line as email.c does. */
static char *
dup_prefix (const char *text)
{
  char *prefix = g_utf8_make_valid (text, -1);

  for (char *p = prefix; *p; p++)
    if ((guchar) *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
      *p = '?';
  return g_strdelimit (prefix, "\r\n\t", ' ');
}

static TocsinAlert *
build_alert (guint8 flags, const char *title, const char *body, const char *id, const char *time)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new (title);
  gint64 seconds = g_ascii_strtoll (time, NULL, 10);

  tocsin_alert_builder_set_body (builder, body);
  tocsin_alert_builder_set_level (builder, levels[flags & 3]);
  tocsin_alert_builder_set_timestamp (builder, (flags & 4) != 0);
  if (flags & 8)
    tocsin_alert_builder_set_id (builder, id);
  /* A time of 0 means "now" to the builder; keep the runs reproducible. */
  if ((flags & 16) && seconds != 0 && seconds > G_MININT64 / G_USEC_PER_SEC
      && seconds < G_MAXINT64 / G_USEC_PER_SEC)
    tocsin_alert_builder_set_time (builder, seconds * G_USEC_PER_SEC);
  else
    tocsin_alert_builder_set_time (builder, ALERT_TIME_USEC);
  return tocsin_alert_builder_build (builder);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  FuzzReader r = { data, size };
  guint8 flags = 0;
  g_autofree char *title = NULL, *body = NULL, *id = NULL, *time = NULL, *prefix = NULL;
  g_autofree char *key = NULL, *sender = NULL;
  g_autoptr (TocsinAlert) alert = NULL;
  EmailTemplate template = { { 0 } };
  gboolean have_sender;

  if (size > 0)
    {
      flags = data[0];
      r.p++;
      r.left--;
    }
  title = fuzz_next_field (&r);
  body = fuzz_next_field (&r);
  id = fuzz_next_field (&r);
  time = fuzz_next_field (&r);
  prefix = fuzz_next_field (&r);
  key = fuzz_next_field (&r);
  sender = fuzz_next_field (&r);

  template.recipients = g_array_new (FALSE, TRUE, sizeof (EmailMailbox));
  g_array_set_clear_func (template.recipients, (GDestroyNotify) priv_tocsin_email_mailbox_clear);
  have_sender = parse_mailbox (sender, &template.sender);
  for (guint i = 0; i < MAX_RECIPIENTS && r.left > 0; i++)
    {
      g_autofree char *text = fuzz_next_field (&r);
      EmailMailbox mailbox;

      if (parse_mailbox (text, &mailbox))
        g_array_append_val (template.recipients, mailbox);
    }

  if (have_sender && template.recipients->len > 0)
    {
      template.from = priv_tocsin_email_dup_mailbox_text (&template.sender);
      template.subject_prefix = dup_prefix (prefix);
      template.channel_key = dup_channel_key (key);
      alert = build_alert (flags, title, body, id, time);
      check_message (&template, alert);
    }

  priv_tocsin_email_mailbox_clear (&template.sender);
  g_free (template.from);
  g_free (template.subject_prefix);
  g_free (template.channel_key);
  g_array_unref (template.recipients);
  return 0;
}
