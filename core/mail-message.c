/* mail-message.c: TocsinMailMessage, an immutable e-mail message handed to a transport.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin-plugin.h>

#include <string.h>

struct _TocsinMailMessage {
  gatomicrefcount ref;
  char *sender;
  char *from;
  char **recipients;
  char *subject;
  char *text;
  GBytes *mime;
  char *message_id; /* (nullable) */
};

/* A header-bound value with a line break would let its text start a header of its own. */
static gboolean
is_one_line (const char *text)
{
  return text == NULL || strpbrk (text, "\r\n") == NULL;
}

static gboolean
are_one_line (const char *const *list)
{
  for (guint i = 0; list[i] != NULL; i++)
    if (*list[i] == '\0' || !is_one_line (list[i]))
      return FALSE;
  return TRUE;
}

TocsinMailMessage *
tocsin_mail_message_new (const char *sender, const char *from, const char *const *recipients,
                         const char *subject, const char *text, GBytes *mime,
                         const char *message_id)
{
  TocsinMailMessage *message;

  g_return_val_if_fail (sender != NULL && *sender != '\0' && is_one_line (sender), NULL);
  g_return_val_if_fail (is_one_line (from), NULL);
  g_return_val_if_fail (recipients != NULL && recipients[0] != NULL && are_one_line (recipients),
                        NULL);
  g_return_val_if_fail (subject != NULL && is_one_line (subject), NULL);
  g_return_val_if_fail (text != NULL && mime != NULL, NULL);
  g_return_val_if_fail (is_one_line (message_id), NULL);

  message = g_new0 (TocsinMailMessage, 1);
  g_atomic_ref_count_init (&message->ref);
  message->sender = g_strdup (sender);
  message->from = g_strdup (from ? from : sender);
  message->recipients = g_strdupv ((char **) recipients);
  message->subject = g_strdup (subject);
  message->text = g_strdup (text);
  message->mime = g_bytes_ref (mime);
  message->message_id = g_strdup (message_id);
  return message;
}

TocsinMailMessage *
tocsin_mail_message_ref (TocsinMailMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  g_atomic_ref_count_inc (&message->ref);
  return message;
}

void
tocsin_mail_message_unref (TocsinMailMessage *message)
{
  g_return_if_fail (message != NULL);
  if (!g_atomic_ref_count_dec (&message->ref))
    return;
  g_free (message->sender);
  g_free (message->from);
  g_strfreev (message->recipients);
  g_free (message->subject);
  g_free (message->text);
  g_bytes_unref (message->mime);
  g_free (message->message_id);
  g_free (message);
}

const char *
tocsin_mail_message_get_sender (const TocsinMailMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  return message->sender;
}

const char *
tocsin_mail_message_get_from (const TocsinMailMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  return message->from;
}

const char *const *
tocsin_mail_message_get_recipients (const TocsinMailMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  return (const char *const *) message->recipients;
}

const char *
tocsin_mail_message_get_subject (const TocsinMailMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  return message->subject;
}

const char *
tocsin_mail_message_get_text (const TocsinMailMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  return message->text;
}

GBytes *
tocsin_mail_message_get_mime (const TocsinMailMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  return message->mime;
}

const char *
tocsin_mail_message_get_message_id (const TocsinMailMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  return message->message_id;
}
