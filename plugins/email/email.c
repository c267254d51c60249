/* email.c: the "email" channel: each alert becomes an e-mail (message.c) handed to a transport
 * plugin (smtp, resend, ses, gmail, sendmail, or a third party's) named by <transport type>.
 *
 *   <channel key="oncall" type="email" min-level="critical">
 *     <transport type="smtp">...the transport's own settings...</transport>
 *     <sender>alerts@example.com</sender>
 *     <recipient>oncall@example.com</recipient>        (repeatable, at least one)
 *     <subject-prefix>[PROD]</subject-prefix>           (default "[ALERT]")
 *   </channel>
 *
 * Addresses are checked at load, so a typo fails the configuration rather than every alert.
 * The class is thread-safe; the core serialises the sends of a transport that is not.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin-plugin.h>

#include "message.h"

static const char *const transport_attributes[] = { "type", NULL };

static const TocsinSettingSpec email_settings[] = {
  { "transport", TOCSIN_SETTING_ELEMENT, TOCSIN_SETTING_REQUIRED, NULL,
    "how mail leaves: <transport type=\"smtp|resend|ses|gmail|sendmail\"> with that "
    "transport's settings inside", NULL, transport_attributes, { NULL } },
  { "sender", TOCSIN_SETTING_STRING, TOCSIN_SETTING_REQUIRED, NULL,
    "the From address, e.g. alerts@example.com or \"Alerts <alerts@example.com>\"",
    NULL, NULL, { NULL } },
  { "recipient", TOCSIN_SETTING_STRING, TOCSIN_SETTING_REQUIRED | TOCSIN_SETTING_REPEATABLE, NULL,
    "an address to send to; repeat the element for each", NULL, NULL, { NULL } },
  { "subject-prefix", TOCSIN_SETTING_STRING, 0, "[ALERT]",
    "text put before \"[LEVEL] title\" in the subject", NULL, NULL, { NULL } },
  { NULL, 0, 0, NULL, NULL, NULL, NULL, { NULL } },
};

typedef struct {
  const TocsinPluginContext *ctx;
  TocsinTransport *transport;
  EmailTemplate template;
} Email;

static void
clear_recipient (gpointer data)
{
  priv_tocsin_email_mailbox_clear (data);
}

static void
email_destroy (gpointer instance)
{
  Email *self = instance;

  g_clear_pointer (&self->transport, tocsin_transport_free);
  priv_tocsin_email_mailbox_clear (&self->template.sender);
  g_free (self->template.from);
  g_clear_pointer (&self->template.recipients, g_array_unref);
  g_free (self->template.subject_prefix);
  g_free (self->template.channel_key);
  g_free (self);
}

static gboolean
parse_mailbox (const TocsinConfigNode *node, EmailMailbox *mailbox, GError **error)
{
  g_autofree char *why = NULL;

  if (priv_tocsin_email_parse_mailbox (tocsin_config_node_get_text (node), mailbox, &why))
    return TRUE;
  tocsin_config_node_set_error (node, error, TOCSIN_ERROR_INVALID_VALUE, "email: <%s> '%s' %s",
                                tocsin_config_node_get_name (node),
                                tocsin_config_node_get_text (node), why);
  return FALSE;
}

/* The sender and every recipient, each a valid mailbox. */
static gboolean
load_addresses (Email *self, const TocsinConfigNode *config, GError **error)
{
  self->template.recipients = g_array_new (FALSE, TRUE, sizeof (EmailMailbox));
  g_array_set_clear_func (self->template.recipients, clear_recipient);
  if (!parse_mailbox (tocsin_config_node_get_child (config, "sender"), &self->template.sender,
                      error))
    return FALSE;
  self->template.from = priv_tocsin_email_dup_mailbox_text (&self->template.sender);
  for (guint i = 0; i < tocsin_config_node_get_n_children (config); i++)
    {
      const TocsinConfigNode *child = tocsin_config_node_get_child_at (config, i);
      EmailMailbox mailbox;

      if (g_strcmp0 (tocsin_config_node_get_name (child), "recipient") != 0)
        continue;
      if (!parse_mailbox (child, &mailbox, error))
        return FALSE;
      g_array_append_val (self->template.recipients, mailbox);
    }
  return TRUE;
}

static gpointer
email_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  Email *self = g_new0 (Email, 1);
  const char *prefix = tocsin_config_node_get_string (config, "subject-prefix");

  priv_tocsin_email_init ();
  self->ctx = ctx;
  self->template.channel_key = g_strdup (tocsin_plugin_context_get_channel_key (ctx));
  /* The prefix goes into the subject: one line, like the title. */
  self->template.subject_prefix = g_strdup (prefix ? prefix : "");
  g_strdelimit (self->template.subject_prefix, "\r\n\t", ' ');
  if (!load_addresses (self, config, error))
    {
      email_destroy (self);
      return NULL;
    }
  self->transport = tocsin_transport_new (ctx, tocsin_config_node_get_child (config, "transport"),
                                          error);
  if (self->transport == NULL)
    {
      email_destroy (self);
      return NULL;
    }
  tocsin_plugin_context_log (ctx, G_LOG_LEVEL_DEBUG, "email: from %s to %u recipient(s) via %s",
                             self->template.sender.envelope, self->template.recipients->len,
                             tocsin_transport_get_type_name (self->transport));
  return self;
}

static gboolean
email_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  Email *self = instance;
  g_autoptr (TocsinMailMessage) message = priv_tocsin_email_build (&self->template, alert);

  if (!tocsin_transport_send (self->transport, message, result, error))
    {
      g_prefix_error (error, "email via %s: ", tocsin_transport_get_type_name (self->transport));
      return FALSE;
    }
  /* A transport that reports no id of its own (SMTP, sendmail) leaves the Message-ID. */
  if (result != NULL && tocsin_result_get_message_id (result) == NULL)
    tocsin_result_set_message_id (result, tocsin_mail_message_get_message_id (message));
  return TRUE;
}

static const TocsinChannelClass email_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .flags = TOCSIN_CHANNEL_CLASS_THREAD_SAFE,
  .type_name = "email",
  .description = "sends each alert as an e-mail through a transport plugin (smtp, resend, ses, "
                 "gmail, sendmail)",
  .settings = email_settings,
  .create = email_create,
  .send = email_send,
  .destroy = email_destroy,
};

static const TocsinChannelClass *const email_classes[] = { &email_class, NULL };

TOCSIN_PLUGIN_DEFINE ("email", "1.0.0", "LGPL-2.1-or-later",
                      "e-mail alerts through pluggable transports", email_classes, NULL)
