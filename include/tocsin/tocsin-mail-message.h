/* tocsin-mail-message.h: an e-mail message on its way from the e-mail channel to a transport.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-macros.h>

G_BEGIN_DECLS

/**
 * TocsinMailMessage:
 * An e-mail message, immutable and reference-counted: the envelope (sender and recipient
 * addresses), the parts an HTTP mail API asks for separately (From, subject, plain text), and
 * the complete RFC 5322 form (headers and body, CRLF line endings, 7-bit or 8-bit clean as
 * built) that SMTP, SES, Gmail and sendmail carry as it is.
 *
 * The `email` channel builds one per alert (with GMime) and hands it to its transport's send
 * method; a transport plugin only reads it. Safe to read from several threads.
 */
typedef struct _TocsinMailMessage TocsinMailMessage;

/**
 * tocsin_mail_message_new:
 * @sender: the envelope sender, a bare address ("alerts@example.com")
 * @from: the From header's mailbox as text, e.g. "Tocsin <alerts@example.com>" (UTF-8, not
 *   encoded); %NULL means @sender
 * @recipients: (array zero-terminated=1): bare recipient addresses, at least one
 * @subject: the subject as UTF-8 text (not RFC 2047-encoded)
 * @text: the plain-text body as UTF-8 (LF line endings)
 * @mime: the whole RFC 5322 message, CRLF line endings
 * @message_id: (nullable): the Message-ID header's value without the angle brackets
 *
 * Everything is copied (@mime is referenced). No argument may contain a CR or LF except @text
 * and @mime.
 *
 * Returns: (transfer full): a new message, or %NULL (with a critical warning) for arguments
 * out of their domain.
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinMailMessage *tocsin_mail_message_new (const char *sender, const char *from,
                                            const char *const *recipients, const char *subject,
                                            const char *text, GBytes *mime,
                                            const char *message_id);

/** tocsin_mail_message_ref: Returns: (transfer full): @message */
TOCSIN_AVAILABLE_IN_1_0
TocsinMailMessage *tocsin_mail_message_ref (TocsinMailMessage *message);

TOCSIN_AVAILABLE_IN_1_0
void tocsin_mail_message_unref (TocsinMailMessage *message);

/** tocsin_mail_message_get_sender: Returns: (transfer none): the envelope sender address */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_mail_message_get_sender (const TocsinMailMessage *message);

/** tocsin_mail_message_get_from: Returns: (transfer none): the From mailbox as UTF-8 text */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_mail_message_get_from (const TocsinMailMessage *message);

/**
 * tocsin_mail_message_get_recipients:
 * Returns: (transfer none) (array zero-terminated=1): the recipient addresses, in order
 */
TOCSIN_AVAILABLE_IN_1_0
const char *const *tocsin_mail_message_get_recipients (const TocsinMailMessage *message);

/** tocsin_mail_message_get_subject: Returns: (transfer none): the subject, UTF-8, not encoded */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_mail_message_get_subject (const TocsinMailMessage *message);

/** tocsin_mail_message_get_text: Returns: (transfer none): the plain-text body, UTF-8 */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_mail_message_get_text (const TocsinMailMessage *message);

/** tocsin_mail_message_get_mime: Returns: (transfer none): the RFC 5322 message, CRLF lines */
TOCSIN_AVAILABLE_IN_1_0
GBytes *tocsin_mail_message_get_mime (const TocsinMailMessage *message);

/** tocsin_mail_message_get_message_id: Returns: (transfer none) (nullable): the Message-ID */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_mail_message_get_message_id (const TocsinMailMessage *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinMailMessage, tocsin_mail_message_unref)

G_END_DECLS
