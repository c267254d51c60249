/* test-email.c: the email channel: its configuration and the message each alert becomes.
 *
 * The messages are caught by "capture", a transport class this test registers itself, and parsed
 * back with GMime, so every header and the body are checked as a mail reader sees them (and the
 * raw bytes as a server receives them). Delivery over real SMTP and HTTP mail APIs is tested in
 * test-smtp.c and test-mailapi.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <tocsin/tocsin-plugin.h>

#include <gmime/gmime.h>
#include <string.h>

/* GMime 3.2 declares no g_autoptr cleanups of its own. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)

/* With no preamble the channel is on line 3 and its settings start on line 4. */
#define CHANNEL_LINE "tocsin.xml:3: "
#define CAPTURE "    <transport type=\"capture\"/>\n"
#define SENDER "    <sender>alerts@example.com</sender>\n"
#define RECIPIENT "    <recipient>oncall@example.com</recipient>\n"

/* ---- the capture transport ------------------------------------------------------------------ */

static GMutex captured_lock;
static GPtrArray *captured; /* (element-type TocsinMailMessage) */

static const char *const fail_choices[] = { "no", "retryable", "permanent", NULL };

static const TocsinSettingSpec capture_settings[] = {
  { "fail", TOCSIN_SETTING_CHOICE, 0, "no", "make every send fail", fail_choices, NULL, { NULL } },
  { "message-id", TOCSIN_SETTING_STRING, 0, NULL, "an id to report", NULL, NULL, { NULL } },
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

typedef struct {
  char *fail;
  char *message_id;
} Capture;

static gpointer
capture_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  Capture *self = g_new0 (Capture, 1);

  self->fail = g_strdup (tocsin_config_node_get_string (config, "fail"));
  self->message_id = g_strdup (tocsin_config_node_get_string (config, "message-id"));
  return self;
}

static gboolean
capture_send (gpointer instance, TocsinMailMessage *message, TocsinResult *result, GError **error)
{
  Capture *self = instance;

  if (g_strcmp0 (self->fail, "no") != 0)
    {
      tocsin_result_set_retryable (result, g_str_equal (self->fail, "retryable"));
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_DELIVERY, "capture: told to fail");
      return FALSE;
    }
  g_mutex_lock (&captured_lock);
  g_ptr_array_add (captured, tocsin_mail_message_ref (message));
  g_mutex_unlock (&captured_lock);
  if (self->message_id != NULL)
    tocsin_result_set_message_id (result, self->message_id);
  return TRUE;
}

static void
capture_destroy (gpointer instance)
{
  Capture *self = instance;

  g_free (self->fail);
  g_free (self->message_id);
  g_free (self);
}

static const TocsinTransportClass capture_class = {
  .struct_size = sizeof (TocsinTransportClass),
  .flags = TOCSIN_TRANSPORT_CLASS_THREAD_SAFE,
  .type_name = "capture",
  .description = "keeps every message for the test",
  .settings = capture_settings,
  .create = capture_create,
  .send = capture_send,
  .destroy = capture_destroy,
};

/* The @index-th message caught (transfer none). */
static TocsinMailMessage *
captured_at (guint index)
{
  TocsinMailMessage *message;

  g_mutex_lock (&captured_lock);
  g_assert_cmpuint (captured->len, >, index);
  message = captured->pdata[index];
  g_mutex_unlock (&captured_lock);
  return message;
}

/* ---- helpers ---------------------------------------------------------------------------------- */

typedef TtDirFixture Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  tt_dir_fixture_setup (f, data);
  g_mutex_lock (&captured_lock);
  g_ptr_array_set_size (captured, 0);
  g_mutex_unlock (&captured_lock);
}

/* A manager with one email channel "mail" of @settings. */
static TocsinManager *
load_mail (Fixture *f, const char *settings)
{
  return tt_load_config_ok (f->dir, NULL, "key=\"mail\" type=\"email\"", settings);
}

/* Sends @alert through a channel of CAPTURE SENDER RECIPIENT @extra; returns the message. */
static TocsinMailMessage *
deliver (Fixture *f, const char *extra, TocsinAlert *alert)
{
  g_autofree char *settings = g_strconcat (CAPTURE SENDER RECIPIENT, extra ? extra : "", NULL);
  g_autoptr (TocsinManager) manager = load_mail (f, settings);

  tt_send_ok (manager, alert);
  return captured_at (0);
}

/* @message's MIME form parsed back (transfer full). */
static GMimeMessage *
parse (TocsinMailMessage *message)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (tocsin_mail_message_get_mime (message), &length);
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data, length);
  g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *parsed = g_mime_parser_construct_message (parser, NULL);

  g_assert_nonnull (parsed);
  return parsed;
}

/* The raw header block of @message (transfer full), up to the blank line. */
static char *
dup_raw_head (TocsinMailMessage *message)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (tocsin_mail_message_get_mime (message), &length);
  const char *end = g_strstr_len (data, (gssize) length, "\r\n\r\n");

  g_assert_nonnull (end);
  return g_strndup (data, (gsize) (end - data) + 2);
}

/* The decoded text of @parsed's single text/plain part (transfer full). */
static char *
dup_body_text (GMimeMessage *parsed)
{
  GMimeObject *part = g_mime_message_get_mime_part (parsed);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  g_assert_true (GMIME_IS_TEXT_PART (part));
  /* The wire has CRLF line endings; compare texts with LF. */
  text = g_mime_text_part_get_text (GMIME_TEXT_PART (part));
  lines = g_strsplit (text, "\r\n", -1);
  return g_strjoinv ("\n", lines);
}

static char *
dup_addresses (GMimeMessage *parsed, GMimeAddressType type)
{
  return internet_address_list_to_string (g_mime_message_get_addresses (parsed, type), NULL, FALSE);
}

/* ---- the message ------------------------------------------------------------------------------ */

static void
test_message_headers (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Disk almost full", "/var at 91%",
                                                 TOCSIN_LEVEL_WARNING, FALSE);
  TocsinMailMessage *message = deliver (f, "    <recipient>Backup &lt;backup@example.com&gt;</recipient>\n"
                                           "    <subject-prefix>[PROD]</subject-prefix>\n", alert);
  g_autoptr (GMimeMessage) parsed = parse (message);
  g_autofree char *from = dup_addresses (parsed, GMIME_ADDRESS_TYPE_FROM);
  g_autofree char *to = dup_addresses (parsed, GMIME_ADDRESS_TYPE_TO);
  g_autofree char *head = dup_raw_head (message);
  GMimeContentType *type = g_mime_object_get_content_type (g_mime_message_get_mime_part (parsed));
  GDateTime *date = g_mime_message_get_date (parsed);
  g_autofree char *expected_id = g_strdup_printf ("%s.mail@example.com", tocsin_alert_get_id (alert));

  g_assert_cmpstr (g_mime_message_get_subject (parsed), ==, "[PROD] [WARNING] Disk almost full");
  g_assert_cmpstr (from, ==, "alerts@example.com");
  g_assert_cmpstr (to, ==, "oncall@example.com, Backup <backup@example.com>");
  g_assert_cmpstr (g_mime_message_get_message_id (parsed), ==, expected_id);
  g_assert_nonnull (date);
  g_assert_cmpint (g_date_time_to_unix (date), ==, TT_ALERT_TIME / G_USEC_PER_SEC);
  g_assert_cmpstr (g_mime_object_get_header (GMIME_OBJECT (parsed), "MIME-Version"), ==, "1.0");
  g_assert_cmpstr (g_mime_content_type_get_media_type (type), ==, "text");
  g_assert_cmpstr (g_mime_content_type_get_media_subtype (type), ==, "plain");
  g_assert_cmpstr (g_mime_content_type_get_parameter (type, "charset"), ==, "utf-8");
  /* Every line of the wire form ends in CRLF, and the head has no bare LF. */
  for (const char *p = strchr (head, '\n'); p != NULL; p = strchr (p + 1, '\n'))
    g_assert_cmpint (p[-1], ==, '\r');

  /* The message's own accessors: the envelope and the parts HTTP mail APIs take. */
  g_assert_cmpstr (tocsin_mail_message_get_sender (message), ==, "alerts@example.com");
  g_assert_cmpstr (tocsin_mail_message_get_from (message), ==, "alerts@example.com");
  g_assert_cmpstr (tocsin_mail_message_get_recipients (message)[0], ==, "oncall@example.com");
  g_assert_cmpstr (tocsin_mail_message_get_recipients (message)[1], ==, "backup@example.com");
  g_assert_null (tocsin_mail_message_get_recipients (message)[2]);
  g_assert_cmpstr (tocsin_mail_message_get_subject (message), ==, "[PROD] [WARNING] Disk almost full");
  g_assert_cmpstr (tocsin_mail_message_get_message_id (message), ==, expected_id);
}

/* A display name (non-ASCII here) is kept in From, encoded on the wire; the envelope is bare. */
static void
test_message_sender_name (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_mail (f, CAPTURE "    <sender>Équipe Alertes "
                                                    "&lt;alerts@example.com&gt;</sender>\n" RECIPIENT);
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (GMimeMessage) parsed = NULL;
  g_autofree char *from = NULL;

  tt_send_ok (manager, alert);
  parsed = parse (captured_at (0));
  from = dup_addresses (parsed, GMIME_ADDRESS_TYPE_FROM);
  g_assert_cmpstr (from, ==, "Équipe Alertes <alerts@example.com>");
  g_assert_cmpstr (tocsin_mail_message_get_from (captured_at (0)), ==,
                   "Équipe Alertes <alerts@example.com>");
  g_assert_cmpstr (tocsin_mail_message_get_sender (captured_at (0)), ==, "alerts@example.com");
}

static void
test_message_body (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Disk almost full", "/var at 91%\nsecond line",
                                                 TOCSIN_LEVEL_CRITICAL, FALSE);
  TocsinMailMessage *message = deliver (f, NULL, alert);
  g_autoptr (GMimeMessage) parsed = parse (message);
  g_autofree char *text = dup_body_text (parsed);
  const char *expected = "Alert Level: CRITICAL\n"
                         "\n"
                         "Disk almost full\n"
                         "================\n"
                         "\n"
                         "/var at 91%\n"
                         "second line\n"
                         "\n"
                         "---\n"
                         "Sent by tocsin\n";

  g_assert_cmpstr (text, ==, expected);
  g_assert_cmpstr (tocsin_mail_message_get_text (message), ==, expected);
}

static void
test_message_levels (Fixture *f, gconstpointer data)
{
  static const struct { TocsinLevel level; const char *subject; } cases[] = {
    { TOCSIN_LEVEL_INFO, "[ALERT] [INFO] Level" },
    { TOCSIN_LEVEL_SUCCESS, "[ALERT] [SUCCESS] Level" },
    { TOCSIN_LEVEL_WARNING, "[ALERT] [WARNING] Level" },
    { TOCSIN_LEVEL_CRITICAL, "[ALERT] [CRITICAL] Level" },
  };
  g_autoptr (TocsinManager) manager = load_mail (f, CAPTURE SENDER RECIPIENT);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (TocsinAlert) alert = tt_make_alert ("Level", NULL, cases[i].level, FALSE);
      g_autoptr (GMimeMessage) parsed = NULL;
      g_autofree char *text = NULL;
      g_autofree char *first_line = NULL;

      tt_send_ok (manager, alert);
      parsed = parse (captured_at ((guint) i));
      g_assert_cmpstr (g_mime_message_get_subject (parsed), ==, cases[i].subject);
      text = dup_body_text (parsed);
      first_line = g_strdup_printf ("Alert Level: %s\n", strchr (cases[i].subject, ' ') + 2);
      *strchr (first_line + 13, ']') = '\n';
      *(strchr (first_line + 13, '\n') + 1) = '\0';
      g_assert_true (g_str_has_prefix (text, first_line));
    }
}

static void
test_message_timestamp_prefix (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Backup done", "", TOCSIN_LEVEL_SUCCESS, TRUE);
  g_autofree char *formatted = tocsin_alert_dup_formatted_title (alert);
  g_autofree char *expected = g_strdup_printf ("[ALERT] [SUCCESS] %s", formatted);
  g_autoptr (GMimeMessage) parsed = parse (deliver (f, NULL, alert));

  g_assert_true (g_str_has_suffix (formatted, " ::: Backup done"));
  g_assert_cmpstr (g_mime_message_get_subject (parsed), ==, expected);
}

/* A non-ASCII subject travels RFC 2047-encoded (the raw header is ASCII) and reads back whole. */
static void
test_message_non_ascii_subject (Fixture *f, gconstpointer data)
{
  const char *title = "Température critique — 東京 ✓";
  g_autoptr (TocsinAlert) alert = tt_make_alert (title, "Ça chauffe", TOCSIN_LEVEL_CRITICAL, FALSE);
  TocsinMailMessage *message = deliver (f, NULL, alert);
  g_autoptr (GMimeMessage) parsed = parse (message);
  g_autofree char *expected = g_strdup_printf ("[ALERT] [CRITICAL] %s", title);
  g_autofree char *head = dup_raw_head (message);
  g_autofree char *text = dup_body_text (parsed);

  for (const guchar *p = (const guchar *) head; *p; p++)
    g_assert_cmpuint (*p, <, 0x80);
  tt_assert_contains (head, "=?");
  g_assert_cmpstr (g_mime_message_get_subject (parsed), ==, expected);
  tt_assert_contains (text, "Ça chauffe");
  /* The rule under the title counts characters (27), not bytes. */
  tt_assert_contains (text, "\n===========================\n\n");
  g_assert_cmpint (g_utf8_strlen (title, -1), ==, 27);
}

/* A long subject is folded: no header line over 78 characters, and it reads back whole. */
static void
test_message_long_subject (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) title = g_string_new (NULL);
  g_autoptr (TocsinAlert) alert = NULL;
  TocsinMailMessage *message;
  g_autoptr (GMimeMessage) parsed = NULL;
  g_autofree char *head = NULL;
  g_autofree char *expected = NULL;
  g_auto (GStrv) lines = NULL;

  for (int i = 0; i < 30; i++)
    g_string_append_printf (title, "word%02d ", i);
  g_string_append (title, "end");
  alert = tt_make_alert (title->str, NULL, TOCSIN_LEVEL_INFO, FALSE);
  message = deliver (f, NULL, alert);
  parsed = parse (message);
  head = dup_raw_head (message);
  lines = g_strsplit (head, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_cmpuint (strlen (lines[i]), <=, 78);
  expected = g_strdup_printf ("[ALERT] [INFO] %s", title->str);
  g_assert_cmpstr (g_mime_message_get_subject (parsed), ==, expected);
}

/* Characters of 1 to 4 bytes, long enough to span several encoded-words, so that some word
 * boundary falls next to a multi-byte character. */
#define LONG_NON_ASCII_TEXT \
  "Spéicher voll: 東京の ディスク 𝄞 a_b=c? é 𝄞𝄞 naïve ÅÄÖ 東京 — 99% 𝄞 fin"

/* A title holding RFC 2047 encoded-word syntax reads back as that very text: the subject a
 * reader decodes is the title, never text (a line break here) the title spelled as an
 * encoded-word. The head stays ASCII in folded lines of at most 78 characters. */
static void
test_message_encoded_word_title (Fixture *f, gconstpointer data)
{
  const char *title = data;
  g_autoptr (TocsinAlert) alert = tt_make_alert (title, NULL, TOCSIN_LEVEL_INFO, FALSE);
  TocsinMailMessage *message = deliver (f, NULL, alert);
  g_autoptr (GMimeMessage) parsed = parse (message);
  g_autofree char *head = dup_raw_head (message);
  g_autofree char *expected = g_strdup_printf ("[ALERT] [INFO] %s", title);
  g_auto (GStrv) lines = g_strsplit (head, "\r\n", -1);
  const char *subject = g_mime_message_get_subject (parsed);

  g_assert_cmpstr (subject, ==, expected);
  g_assert_cmpstr (tocsin_mail_message_get_subject (message), ==, expected);
  for (const guchar *p = (const guchar *) subject; *p; p++)
    g_assert_cmpuint (*p, >=, 0x20);
  for (const guchar *p = (const guchar *) head; *p; p++)
    g_assert_cmpuint (*p, <, 0x80);
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_cmpuint (strlen (lines[i]), <=, 78);
  g_assert_null (strstr (head, "\r\nX:"));
}

/* A CR or LF in a title can never start a header of its own (or end the head early). */
static void
test_message_title_line_breaks (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Disk\r\nBcc: attacker@evil.example\r\n\r\nfake body",
                                                 "real body", TOCSIN_LEVEL_WARNING, FALSE);
  TocsinMailMessage *message = deliver (f, NULL, alert);
  g_autoptr (GMimeMessage) parsed = parse (message);
  g_autofree char *head = dup_raw_head (message);
  g_autofree char *text = dup_body_text (parsed);
  InternetAddressList *bcc = g_mime_message_get_addresses (parsed, GMIME_ADDRESS_TYPE_BCC);

  g_assert_cmpint (internet_address_list_length (bcc), ==, 0);
  g_assert_null (strstr (head, "\r\nBcc:"));
  g_assert_cmpstr (g_mime_message_get_subject (parsed), ==,
                   "[ALERT] [WARNING] Disk  Bcc: attacker@evil.example    fake body");
  g_assert_true (g_str_has_prefix (text, "Alert Level: WARNING\n\n"
                                         "Disk  Bcc: attacker@evil.example    fake body\n"));
  tt_assert_contains (text, "\n\nreal body\n\n---\n");
}

/* Invalid UTF-8 in an alert is repaired, never sent as a broken header or body. */
static void
test_message_invalid_utf8 (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("bad \xff\xfe title", "bad \xc3 body",
                                                 TOCSIN_LEVEL_INFO, FALSE);
  TocsinMailMessage *message = deliver (f, NULL, alert);
  g_autoptr (GMimeMessage) parsed = parse (message);
  g_autofree char *text = dup_body_text (parsed);
  const char *subject = g_mime_message_get_subject (parsed);

  g_assert_true (g_utf8_validate (subject, -1, NULL));
  g_assert_true (g_str_has_prefix (subject, "[ALERT] [INFO] bad "));
  g_assert_true (g_str_has_suffix (subject, " title"));
  g_assert_true (g_utf8_validate (text, -1, NULL));
  tt_assert_contains (text, "bad \xef\xbf\xbd body");
}

/* Every send of one alert through one channel has the same Message-ID (a retry is recognisably
 * the same message); another alert has another. The result carries it as the message id. */
static void
test_message_id (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_mail (f, CAPTURE SENDER RECIPIENT);
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinAlert) other = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) first = tt_send_one (manager, alert);
  g_autoptr (TocsinResult) again = tt_send_one (manager, alert);
  g_autoptr (TocsinResult) third = tt_send_one (manager, other);
  const char *id = tocsin_mail_message_get_message_id (captured_at (0));

  g_assert_cmpstr (tocsin_result_get_message_id (first), ==, id);
  g_assert_cmpstr (tocsin_mail_message_get_message_id (captured_at (1)), ==, id);
  g_assert_cmpstr (tocsin_result_get_message_id (again), ==, id);
  g_assert_cmpstr (tocsin_mail_message_get_message_id (captured_at (2)), !=, id);
  g_assert_cmpstr (tocsin_result_get_message_id (third), !=, id);
}

/* An application's own alert id with characters a Message-ID cannot hold is hashed. */
static void
test_message_id_custom (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("x");
  g_autoptr (TocsinAlert) alert = NULL;
  g_autoptr (GMimeMessage) parsed = NULL;
  const char *id;

  tocsin_alert_builder_set_id (builder, "order 42 <urgent>@shop");
  alert = tocsin_alert_builder_build (builder);
  parsed = parse (deliver (f, NULL, alert));
  id = g_mime_message_get_message_id (parsed);
  g_assert_true (g_regex_match_simple ("^[0-9a-f]{32}\\.tocsin@example\\.com$", id, 0, 0));
}

/* The transport's own id wins over the Message-ID. */
static void
test_message_id_from_transport (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_mail (f, "    <transport type=\"capture\">"
                                                    "<message-id>api-77</message-id></transport>\n"
                                                    SENDER RECIPIENT);
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = tt_send_one (manager, alert);

  tt_assert_success (result);
  g_assert_cmpstr (tocsin_result_get_message_id (result), ==, "api-77");
}

/* Text that fits ISO-8859-1 travels as UTF-8 bytes under its utf-8 label (GMime would have
 * converted it to Latin-1; found by fuzzing). */
static void
test_message_latin1_text (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlert) alert = tt_make_alert ("Café", "Jürgen's café", TOCSIN_LEVEL_INFO, FALSE);
  TocsinMailMessage *message = deliver (f, NULL, alert);
  g_autoptr (GMimeMessage) parsed = parse (message);
  g_autofree char *text = dup_body_text (parsed);
  const char *wire = g_bytes_get_data (tocsin_mail_message_get_mime (message), NULL);

  tt_assert_contains (wire, "J=C3=BCrgen's caf=C3=A9");
  g_assert_null (strstr (wire, "=E9"));
  tt_assert_contains (text, "Jürgen's café");
}

/* An alert time past what GLib's dates hold still gets a Date header (found by fuzzing). */
static void
test_message_far_time (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinAlertBuilder) builder = tocsin_alert_builder_new ("far");
  g_autoptr (TocsinAlert) alert = NULL;
  g_autoptr (GMimeMessage) parsed = NULL;

  tocsin_alert_builder_set_time (builder, G_GINT64_CONSTANT (300000000000) * G_USEC_PER_SEC);
  alert = tocsin_alert_builder_build (builder);
  parsed = parse (deliver (f, NULL, alert));
  g_assert_nonnull (g_mime_message_get_date (parsed));
}

/* An international domain goes in its ASCII (IDNA) form, in headers and envelope alike. */
static void
test_message_idn_domain (Fixture *f, gconstpointer data)
{
  g_autoptr (TocsinManager) manager = load_mail (f, CAPTURE SENDER
                                                 "    <recipient>ops@bücher.example</recipient>\n");
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  const char *wire;

  tt_send_ok (manager, alert);
  wire = g_bytes_get_data (tocsin_mail_message_get_mime (captured_at (0)), NULL);
  g_assert_cmpstr (tocsin_mail_message_get_recipients (captured_at (0))[0], ==,
                   "ops@xn--bcher-kva.example");
  tt_assert_contains (wire, "\r\nTo: ops@xn--bcher-kva.example\r\n");
}

/* ---- delivery failures ------------------------------------------------------------------------ */

static void
test_send_failure (Fixture *f, gconstpointer data)
{
  const char *mode = data;
  g_autofree char *settings = g_strdup_printf ("    <transport type=\"capture\"><fail>%s</fail>"
                                               "</transport>\n" SENDER RECIPIENT, mode);
  g_autoptr (TocsinManager) manager = load_mail (f, settings);
  g_autoptr (TocsinAlert) alert = tt_make_alert ("x", NULL, TOCSIN_LEVEL_INFO, FALSE);
  g_autoptr (TocsinResult) result = tt_send_one (manager, alert);

  tt_assert_failed_with (result, "email via capture: capture: told to fail",
                         g_str_equal (mode, "retryable"));
}

/* ---- configuration ---------------------------------------------------------------------------- */

typedef struct {
  const char *settings;
  int code;
  const char *where;
  const char *what;
} ConfigCase;

static const ConfigCase missing_transport = {
  SENDER RECIPIENT, TOCSIN_ERROR_MISSING_SETTING, CHANNEL_LINE, "missing required setting <transport>"
};
static const ConfigCase missing_sender = {
  CAPTURE RECIPIENT, TOCSIN_ERROR_MISSING_SETTING, CHANNEL_LINE, "missing required setting <sender>"
};
static const ConfigCase missing_recipient = {
  CAPTURE SENDER, TOCSIN_ERROR_MISSING_SETTING, CHANNEL_LINE, "missing required setting <recipient>"
};
static const ConfigCase bad_sender = {
  CAPTURE "    <sender>not an address</sender>\n" RECIPIENT, TOCSIN_ERROR_INVALID_VALUE,
  "tocsin.xml:5: ", "<sender> 'not an address' is not a valid mailbox"
};
static const ConfigCase bad_recipient_no_domain = {
  CAPTURE SENDER "    <recipient>oncall@</recipient>\n", TOCSIN_ERROR_INVALID_VALUE,
  "tocsin.xml:6: ", "<recipient> 'oncall@' is not"
};
static const ConfigCase bad_recipient_two = {
  CAPTURE SENDER "    <recipient>a@example.com, b@example.com</recipient>\n",
  TOCSIN_ERROR_INVALID_VALUE, "tocsin.xml:6: ", "is not one mailbox"
};
static const ConfigCase bad_recipient_line_break = {
  CAPTURE SENDER "    <recipient>a@example.com&#10;Bcc: b@example.com</recipient>\n",
  TOCSIN_ERROR_INVALID_VALUE, "tocsin.xml:6: ", "contains a line break"
};
static const ConfigCase bad_recipient_utf8_local = {
  CAPTURE SENDER "    <recipient>jürgen@example.com</recipient>\n", TOCSIN_ERROR_INVALID_VALUE,
  "tocsin.xml:6: ", "is not a valid mailbox"
};
static const ConfigCase bad_recipient_quoted = {
  CAPTURE SENDER "    <recipient>\"a@b\"@example.com</recipient>\n", TOCSIN_ERROR_INVALID_VALUE,
  "tocsin.xml:6: ", "is not a valid mailbox"
};
static const ConfigCase bad_recipient_literal = {
  CAPTURE SENDER "    <recipient>ops@[127.0.0.1]</recipient>\n", TOCSIN_ERROR_INVALID_VALUE,
  "tocsin.xml:6: ", "is not a valid mailbox"
};
/* GMime 3.2.13 leaked parsing this one (an address literal, then a comment left open). */
static const ConfigCase bad_recipient_open_comment = {
  CAPTURE SENDER "    <recipient>ops@[127.0.0.1] (x</recipient>\n", TOCSIN_ERROR_INVALID_VALUE,
  "tocsin.xml:6: ", "has a \"(\" that is never closed"
};
static const ConfigCase bad_sender_encoded_line_break = {
  CAPTURE "    <sender>=?utf-8?q?Ops=0D=0ABcc=3A_x=40evil=2Eexample?= &lt;alerts@example.com&gt;"
  "</sender>\n" RECIPIENT, TOCSIN_ERROR_INVALID_VALUE, "tocsin.xml:5: ",
  "has a display name with a line break"
};
static const ConfigCase unknown_transport = {
  "    <transport type=\"pigeon\"/>\n" SENDER RECIPIENT, TOCSIN_ERROR_UNKNOWN_TYPE,
  "tocsin.xml:4: ", "unknown transport type; types loaded: capture"
};
static const ConfigCase transport_without_type = {
  "    <transport/>\n" SENDER RECIPIENT, TOCSIN_ERROR_CONFIG_INVALID, "tocsin.xml:4: ",
  "needs a type=\"...\" attribute"
};
static const ConfigCase transport_unknown_setting = {
  "    <transport type=\"capture\">\n      <colour>blue</colour>\n    </transport>\n"
  SENDER RECIPIENT, TOCSIN_ERROR_UNKNOWN_SETTING, "tocsin.xml:5: ", "transport 'capture'"
};
static const ConfigCase transport_bad_choice = {
  "    <transport type=\"capture\"><fail>maybe</fail></transport>\n" SENDER RECIPIENT,
  TOCSIN_ERROR_INVALID_VALUE, "tocsin.xml:4: ", "maybe"
};

static void
test_config_error (Fixture *f, gconstpointer data)
{
  const ConfigCase *c = data;
  g_autofree char *message = tt_load_config_fails (f->dir, NULL, "key=\"mail\" type=\"email\"",
                                                   c->settings, c->code, c->where, c->what,
                                                   "channel 'mail'", NULL);
}

/* ---- main ------------------------------------------------------------------------------------- */

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, tt_dir_fixture_teardown)
#define ADD_DATA(path, data, func) \
  g_test_add (path, Fixture, data, fixture_setup, func, tt_dir_fixture_teardown)

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;

  tt_init (&argc, &argv);
  g_mime_init ();
  captured = g_ptr_array_new_with_free_func ((GDestroyNotify) tocsin_mail_message_unref);
  if (!tocsin_register_transport_class (&capture_class, &error))
    g_error ("%s", error->message);

  ADD ("/email/message/headers", test_message_headers);
  ADD ("/email/message/body", test_message_body);
  ADD ("/email/message/sender-name", test_message_sender_name);
  ADD ("/email/message/levels", test_message_levels);
  ADD ("/email/message/timestamp-prefix", test_message_timestamp_prefix);
  ADD ("/email/message/non-ascii-subject", test_message_non_ascii_subject);
  ADD ("/email/message/long-subject", test_message_long_subject);
  ADD ("/email/message/title-line-breaks", test_message_title_line_breaks);
  ADD_DATA ("/email/message/encoded-word-title/line-break", "a =?utf-8?q?=0D=0AX:y?= word",
            test_message_encoded_word_title);
  ADD_DATA ("/email/message/encoded-word-title/in-word", "disk=?utf-8?q?=46ULL?=x.y=?z",
            test_message_encoded_word_title);
  ADD_DATA ("/email/message/encoded-word-title/non-ascii",
            "Température =?utf-8?b?w6k=?= — 東京 ✓ =?iso-8859-1?q?=E9?=",
            test_message_encoded_word_title);
  ADD_DATA ("/email/message/encoded-word-title/long",
            "=?utf-8?q?=0D=0A?= " LONG_NON_ASCII_TEXT "  trailing spaces  ",
            test_message_encoded_word_title);
  ADD ("/email/message/invalid-utf8", test_message_invalid_utf8);
  ADD ("/email/message/latin1-text", test_message_latin1_text);
  ADD ("/email/message/far-time", test_message_far_time);
  ADD ("/email/message/idn-domain", test_message_idn_domain);
  ADD ("/email/message/id/stable", test_message_id);
  ADD ("/email/message/id/custom", test_message_id_custom);
  ADD ("/email/message/id/from-transport", test_message_id_from_transport);

  ADD_DATA ("/email/send/fails-retryable", "retryable", test_send_failure);
  ADD_DATA ("/email/send/fails-permanent", "permanent", test_send_failure);

  ADD_DATA ("/email/config/missing-transport", &missing_transport, test_config_error);
  ADD_DATA ("/email/config/missing-sender", &missing_sender, test_config_error);
  ADD_DATA ("/email/config/missing-recipient", &missing_recipient, test_config_error);
  ADD_DATA ("/email/config/bad-sender", &bad_sender, test_config_error);
  ADD_DATA ("/email/config/bad-recipient/no-domain", &bad_recipient_no_domain, test_config_error);
  ADD_DATA ("/email/config/bad-recipient/two", &bad_recipient_two, test_config_error);
  ADD_DATA ("/email/config/bad-recipient/line-break", &bad_recipient_line_break, test_config_error);
  ADD_DATA ("/email/config/bad-recipient/utf8-local-part", &bad_recipient_utf8_local, test_config_error);
  ADD_DATA ("/email/config/bad-recipient/quoted", &bad_recipient_quoted, test_config_error);
  ADD_DATA ("/email/config/bad-recipient/address-literal", &bad_recipient_literal, test_config_error);
  ADD_DATA ("/email/config/bad-recipient/open-comment", &bad_recipient_open_comment, test_config_error);
  ADD_DATA ("/email/config/bad-sender-name/encoded-line-break", &bad_sender_encoded_line_break,
            test_config_error);
  ADD_DATA ("/email/config/transport/unknown-type", &unknown_transport, test_config_error);
  ADD_DATA ("/email/config/transport/no-type", &transport_without_type, test_config_error);
  ADD_DATA ("/email/config/transport/unknown-setting", &transport_unknown_setting, test_config_error);
  ADD_DATA ("/email/config/transport/bad-choice", &transport_bad_choice, test_config_error);

  return g_test_run ();
}
