/* tocsin-redact.h: removing secrets from text before it is logged or shown.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-macros.h>

G_BEGIN_DECLS

/**
 * tocsin_redact:
 * @text: (nullable): any text: an error message, a URL, a response excerpt
 *
 * Masks what must never be printed: the value of every credential the process has resolved
 * (and every secret registered with tocsin_redact_register_secret()), Slack webhook URLs
 * (https://hooks.slack.com/services/T***&#47;B***&#47;***), the password of a URL's user
 * information, Authorization and other credential-bearing headers, bearer tokens and
 * "password=", "token=", "api_key=" style assignments.
 *
 * Returns: (transfer full) (nullable): the redacted copy, %NULL for %NULL
 */
TOCSIN_AVAILABLE_IN_1_0
char *tocsin_redact (const char *text);

/**
 * tocsin_redact_register_secret:
 * @secret: a value that must never appear in logs, results or output
 *
 * Adds @secret (when at least 4 bytes long) to the process-wide set that tocsin_redact() masks.
 * The core registers every credential it resolves; plugins register secrets they derive.
 */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_redact_register_secret (const char *secret);

G_END_DECLS
