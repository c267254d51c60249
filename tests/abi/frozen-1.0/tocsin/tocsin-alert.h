/* tocsin-alert.h: an alert, immutable once built, refcounted, safe to share across threads.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-level.h>

G_BEGIN_DECLS

typedef struct _TocsinAlert TocsinAlert;
typedef struct _TocsinAlertBuilder TocsinAlertBuilder;

/**
 * TocsinLabelFunc:
 * Called by tocsin_alert_foreach_label() once per label, in key order.
 */
typedef void (*TocsinLabelFunc) (const char *key, const char *value, gpointer user_data);

/**
 * tocsin_alert_new:
 * @title: (not nullable): the title, UTF-8
 * @body: (nullable): the body, UTF-8; %NULL is the empty string
 * @level: the level
 *
 * Builds an alert with no labels and no timestamp prefix. Text that is not valid UTF-8 is
 * repaired (each invalid byte becomes U+FFFD), so every channel receives valid UTF-8.
 *
 * Returns: (transfer full): a new alert; release it with tocsin_alert_unref()
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinAlert *tocsin_alert_new (const char *title, const char *body, TocsinLevel level);

/** tocsin_alert_ref: Returns: (transfer full): @alert, with one more reference */
TOCSIN_AVAILABLE_IN_1_0
TocsinAlert *tocsin_alert_ref (TocsinAlert *alert);

/** tocsin_alert_unref: drops a reference; the last one frees the alert. */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_alert_unref (TocsinAlert *alert);

/** tocsin_alert_get_title: Returns: (transfer none): the title as given, without timestamp prefix */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_alert_get_title (const TocsinAlert *alert);

/** tocsin_alert_get_body: Returns: (transfer none): the body (never %NULL) */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_alert_get_body (const TocsinAlert *alert);

TOCSIN_AVAILABLE_IN_1_0
TocsinLevel tocsin_alert_get_level (const TocsinAlert *alert);

/** tocsin_alert_get_timestamp: Returns: whether the title is shown with the time prefix */
TOCSIN_AVAILABLE_IN_1_0
gboolean tocsin_alert_get_timestamp (const TocsinAlert *alert);

/**
 * tocsin_alert_get_time:
 * Returns: when the alert was built (or the time set on its builder), in microseconds since
 * the Unix epoch. The timestamp prefix shows this time, so every channel and every retry
 * shows the same one.
 */
TOCSIN_AVAILABLE_IN_1_0
gint64 tocsin_alert_get_time (const TocsinAlert *alert);

/**
 * tocsin_alert_get_id:
 * Returns: (transfer none): a unique id (a random UUID, lower-case, 36 characters) given when
 * the alert was built; channels use it as an idempotency key.
 */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_alert_get_id (const TocsinAlert *alert);

/**
 * tocsin_alert_dup_formatted_title:
 * Returns: (transfer full): the title, or "YYYY-MM-DD HH:MM:SS ::: title" (local time of
 * tocsin_alert_get_time()) when the alert asks for a timestamp. Free with g_free().
 */
TOCSIN_AVAILABLE_IN_1_0
char *tocsin_alert_dup_formatted_title (const TocsinAlert *alert);

/** tocsin_alert_get_label: Returns: (transfer none) (nullable): the label's value, or %NULL */
TOCSIN_AVAILABLE_IN_1_0
const char *tocsin_alert_get_label (const TocsinAlert *alert, const char *key);

/** tocsin_alert_get_n_labels: Returns: how many labels the alert carries */
TOCSIN_AVAILABLE_IN_1_0
guint tocsin_alert_get_n_labels (const TocsinAlert *alert);

/** tocsin_alert_foreach_label: calls @func for each label, sorted by key */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_alert_foreach_label (const TocsinAlert *alert, TocsinLabelFunc func, gpointer user_data);

/**
 * tocsin_alert_builder_new:
 * @title: (not nullable): the title
 * Returns: (transfer full): a builder for an alert of level info with an empty body
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinAlertBuilder *tocsin_alert_builder_new (const char *title);

TOCSIN_AVAILABLE_IN_1_0
void tocsin_alert_builder_set_body (TocsinAlertBuilder *builder, const char *body);

TOCSIN_AVAILABLE_IN_1_0
void tocsin_alert_builder_set_level (TocsinAlertBuilder *builder, TocsinLevel level);

TOCSIN_AVAILABLE_IN_1_0
void tocsin_alert_builder_set_timestamp (TocsinAlertBuilder *builder, gboolean timestamp);

/**
 * tocsin_alert_builder_set_time:
 * Overrides the alert's time (µs since the Unix epoch), e.g. for replay; 0 (the default) means
 * the moment tocsin_alert_builder_build() is called.
 */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_alert_builder_set_time (TocsinAlertBuilder *builder, gint64 unix_usec);

/** tocsin_alert_builder_set_id: overrides the generated id, e.g. for an alert restored from disk */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_alert_builder_set_id (TocsinAlertBuilder *builder, const char *id);

/** tocsin_alert_builder_add_label: sets label @key to @value (a later call replaces it) */
TOCSIN_AVAILABLE_IN_1_0
void tocsin_alert_builder_add_label (TocsinAlertBuilder *builder, const char *key, const char *value);

/**
 * tocsin_alert_builder_build:
 * Returns: (transfer full): a new alert with what was set so far; the builder stays usable.
 */
TOCSIN_AVAILABLE_IN_1_0
TocsinAlert *tocsin_alert_builder_build (TocsinAlertBuilder *builder);

TOCSIN_AVAILABLE_IN_1_0
void tocsin_alert_builder_free (TocsinAlertBuilder *builder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinAlert, tocsin_alert_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TocsinAlertBuilder, tocsin_alert_builder_free)

G_END_DECLS
