/* alert.c: immutable, refcounted alerts and their builder.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>

#include <string.h>

typedef struct {
  char *key;
  char *value;
} Label;

struct _TocsinAlert {
  gatomicrefcount ref;
  char *title;
  char *body;
  TocsinLevel level;
  gboolean timestamp;
  gint64 time;
  char *id;
  Label *labels; /* sorted by key */
  guint n_labels;
};

struct _TocsinAlertBuilder {
  char *title;
  char *body;
  TocsinLevel level;
  gboolean timestamp;
  gint64 time; /* 0: the time of build */
  char *id;
  GHashTable *labels;
};

/* Channels serialise alerts into JSON, e-mail and terminals; invalid UTF-8 there either breaks
 * the output or is refused by the remote side, so it is repaired once, here. */
static char *
dup_valid_utf8 (const char *text)
{
  if (text == NULL)
    return g_strdup ("");
  if (g_utf8_validate (text, -1, NULL))
    return g_strdup (text);
  return g_utf8_make_valid (text, -1);
}

TocsinAlert *
tocsin_alert_new (const char *title, const char *body, TocsinLevel level)
{
  g_autoptr (TocsinAlertBuilder) builder = NULL;

  g_return_val_if_fail (title != NULL, NULL);
  g_return_val_if_fail (tocsin_level_is_valid (level), NULL);

  builder = tocsin_alert_builder_new (title);
  tocsin_alert_builder_set_body (builder, body);
  tocsin_alert_builder_set_level (builder, level);
  return tocsin_alert_builder_build (builder);
}

TocsinAlert *
tocsin_alert_ref (TocsinAlert *alert)
{
  g_return_val_if_fail (alert != NULL, NULL);
  g_atomic_ref_count_inc (&alert->ref);
  return alert;
}

void
tocsin_alert_unref (TocsinAlert *alert)
{
  g_return_if_fail (alert != NULL);
  if (!g_atomic_ref_count_dec (&alert->ref))
    return;
  for (guint i = 0; i < alert->n_labels; i++)
    {
      g_free (alert->labels[i].key);
      g_free (alert->labels[i].value);
    }
  g_free (alert->labels);
  g_free (alert->title);
  g_free (alert->body);
  g_free (alert->id);
  g_free (alert);
}

const char *
tocsin_alert_get_title (const TocsinAlert *alert)
{
  g_return_val_if_fail (alert != NULL, NULL);
  return alert->title;
}

const char *
tocsin_alert_get_body (const TocsinAlert *alert)
{
  g_return_val_if_fail (alert != NULL, NULL);
  return alert->body;
}

TocsinLevel
tocsin_alert_get_level (const TocsinAlert *alert)
{
  g_return_val_if_fail (alert != NULL, TOCSIN_LEVEL_INFO);
  return alert->level;
}

gboolean
tocsin_alert_get_timestamp (const TocsinAlert *alert)
{
  g_return_val_if_fail (alert != NULL, FALSE);
  return alert->timestamp;
}

gint64
tocsin_alert_get_time (const TocsinAlert *alert)
{
  g_return_val_if_fail (alert != NULL, 0);
  return alert->time;
}

const char *
tocsin_alert_get_id (const TocsinAlert *alert)
{
  g_return_val_if_fail (alert != NULL, NULL);
  return alert->id;
}

char *
tocsin_alert_dup_formatted_title (const TocsinAlert *alert)
{
  g_autoptr (GDateTime) utc = NULL;
  g_autoptr (GDateTime) local = NULL;
  g_autofree char *stamp = NULL;

  g_return_val_if_fail (alert != NULL, NULL);
  if (!alert->timestamp)
    return g_strdup (alert->title);
  utc = g_date_time_new_from_unix_utc (alert->time / G_USEC_PER_SEC);
  local = utc ? g_date_time_to_local (utc) : NULL;
  stamp = local ? g_date_time_format (local, "%Y-%m-%d %H:%M:%S") : g_strdup ("0000-00-00 00:00:00");
  return g_strdup_printf ("%s ::: %s", stamp, alert->title);
}

static int
compare_label_key (const void *key, const void *label)
{
  return strcmp (key, ((const Label *) label)->key);
}

const char *
tocsin_alert_get_label (const TocsinAlert *alert, const char *key)
{
  const Label *found;

  g_return_val_if_fail (alert != NULL && key != NULL, NULL);
  if (alert->n_labels == 0)
    return NULL;
  found = bsearch (key, alert->labels, alert->n_labels, sizeof (Label), compare_label_key);
  return found ? found->value : NULL;
}

guint
tocsin_alert_get_n_labels (const TocsinAlert *alert)
{
  g_return_val_if_fail (alert != NULL, 0);
  return alert->n_labels;
}

void
tocsin_alert_foreach_label (const TocsinAlert *alert, TocsinLabelFunc func, gpointer user_data)
{
  g_return_if_fail (alert != NULL && func != NULL);
  for (guint i = 0; i < alert->n_labels; i++)
    func (alert->labels[i].key, alert->labels[i].value, user_data);
}

TocsinAlertBuilder *
tocsin_alert_builder_new (const char *title)
{
  TocsinAlertBuilder *builder;

  g_return_val_if_fail (title != NULL, NULL);
  builder = g_new0 (TocsinAlertBuilder, 1);
  builder->title = dup_valid_utf8 (title);
  builder->body = g_strdup ("");
  builder->level = TOCSIN_LEVEL_INFO;
  builder->labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return builder;
}

void
tocsin_alert_builder_set_body (TocsinAlertBuilder *builder, const char *body)
{
  g_return_if_fail (builder != NULL);
  g_free (builder->body);
  builder->body = dup_valid_utf8 (body);
}

void
tocsin_alert_builder_set_level (TocsinAlertBuilder *builder, TocsinLevel level)
{
  g_return_if_fail (builder != NULL);
  g_return_if_fail (tocsin_level_is_valid (level));
  builder->level = level;
}

void
tocsin_alert_builder_set_timestamp (TocsinAlertBuilder *builder, gboolean timestamp)
{
  g_return_if_fail (builder != NULL);
  builder->timestamp = !!timestamp;
}

void
tocsin_alert_builder_set_time (TocsinAlertBuilder *builder, gint64 unix_usec)
{
  g_return_if_fail (builder != NULL);
  builder->time = unix_usec;
}

void
tocsin_alert_builder_set_id (TocsinAlertBuilder *builder, const char *id)
{
  g_return_if_fail (builder != NULL);
  g_free (builder->id);
  builder->id = id ? dup_valid_utf8 (id) : NULL;
}

void
tocsin_alert_builder_add_label (TocsinAlertBuilder *builder, const char *key, const char *value)
{
  g_return_if_fail (builder != NULL && key != NULL && value != NULL);
  g_hash_table_replace (builder->labels, dup_valid_utf8 (key), dup_valid_utf8 (value));
}

static int
compare_labels (const void *a, const void *b)
{
  return strcmp (((const Label *) a)->key, ((const Label *) b)->key);
}

TocsinAlert *
tocsin_alert_builder_build (TocsinAlertBuilder *builder)
{
  TocsinAlert *alert;
  GHashTableIter iter;
  gpointer key, value;
  guint i = 0;

  g_return_val_if_fail (builder != NULL, NULL);
  alert = g_new0 (TocsinAlert, 1);
  g_atomic_ref_count_init (&alert->ref);
  alert->title = g_strdup (builder->title);
  alert->body = g_strdup (builder->body);
  alert->level = builder->level;
  alert->timestamp = builder->timestamp;
  alert->time = builder->time ? builder->time : g_get_real_time ();
  alert->id = builder->id ? g_strdup (builder->id) : g_uuid_string_random ();
  alert->n_labels = g_hash_table_size (builder->labels);
  alert->labels = g_new (Label, alert->n_labels);
  g_hash_table_iter_init (&iter, builder->labels);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      alert->labels[i].key = g_strdup (key);
      alert->labels[i].value = g_strdup (value);
      i++;
    }
  if (alert->n_labels > 1)
    qsort (alert->labels, alert->n_labels, sizeof (Label), compare_labels);
  return alert;
}

void
tocsin_alert_builder_free (TocsinAlertBuilder *builder)
{
  if (builder == NULL)
    return;
  g_free (builder->title);
  g_free (builder->body);
  g_free (builder->id);
  g_hash_table_unref (builder->labels);
  g_free (builder);
}
