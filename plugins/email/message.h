/* message.h: the e-mail an alert becomes (built with GMime).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tocsin/tocsin-plugin.h>

G_BEGIN_DECLS

/* One mailbox of the configuration, kept as text so that every message builds its own GMime
 * objects: GMime's address objects carry signal connections and are not shared across threads. */
typedef struct {
  char *name;    /* (nullable) display name, UTF-8 */
  char *address; /* the address as written, UTF-8 */
  char *envelope; /* the address for SMTP's envelope (an IDN domain in its ASCII form) */
} EmailMailbox;

typedef struct {
  EmailMailbox sender;
  char *from;           /* the sender as From text, "Name <address>" (built once: GMime's
                           formatting costs about 6% of a message) */
  GArray *recipients;   /* (element-type EmailMailbox) at least one */
  char *subject_prefix; /* "[ALERT]" by default; may be empty */
  char *channel_key;
} EmailTemplate;

/* Initialises GMime once per process (thread-safe). */
G_GNUC_INTERNAL void priv_tocsin_email_init (void);

/* Parses @text as exactly one mailbox ("ops@example.com" or "Ops <ops@example.com>") into
 * @mailbox; FALSE with a sentence saying what is wrong (transfer full) in @why otherwise. */
G_GNUC_INTERNAL gboolean priv_tocsin_email_parse_mailbox (const char *text, EmailMailbox *mailbox,
                                                          char **why);
G_GNUC_INTERNAL void priv_tocsin_email_mailbox_clear (EmailMailbox *mailbox);
/* (transfer full) "Name <address>" as UTF-8 text, or the address alone. */
G_GNUC_INTERNAL char *priv_tocsin_email_dup_mailbox_text (const EmailMailbox *mailbox);

/* The subject and body of @alert, exactly as the message carries them before encoding. */
G_GNUC_INTERNAL char *priv_tocsin_email_dup_subject (const EmailTemplate *template,
                                                     TocsinAlert *alert);
G_GNUC_INTERNAL char *priv_tocsin_email_dup_text (TocsinAlert *alert);

/* (transfer full) The message for @alert: headers From, To, Subject, Date, Message-ID,
 * MIME-Version, a text/plain; charset=utf-8 body, CRLF line endings. */
G_GNUC_INTERNAL TocsinMailMessage *priv_tocsin_email_build (const EmailTemplate *template,
                                                            TocsinAlert *alert);

G_END_DECLS
