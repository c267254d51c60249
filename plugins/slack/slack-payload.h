/* slack-payload.h: the JSON document the slack channel posts, as the original built it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-plugin.h>

G_BEGIN_DECLS

/* Slack shows at most this much of an attachment's title and text; longer ones are cut to
 * exactly these numbers of characters, the last three being "...". */
#define SLACK_TITLE_MAX_CHARS 150
#define SLACK_TEXT_MAX_CHARS  3000

/* (transfer full) @text cut to at most @max_chars Unicode characters (@max_chars > 3): when it is
 * longer, its first @max_chars - 3 characters and "...". Invalid UTF-8 is repaired first, so the
 * result is always valid UTF-8 and never ends inside a sequence. */
char *priv_tocsin_slack_truncate (const char *text, gsize max_chars);

/* (transfer full) The payload for @alert:
 *   {"username": U, "icon_emoji": E, "attachments": [{"color": C, "title": "<emoji> <title>",
 *    "text": <body>, "footer": "Alert Level: <LEVEL>"}]} */
char *priv_tocsin_slack_payload_new (const char *username, const char *icon_emoji,
                                     const TocsinAlert *alert);

G_END_DECLS
