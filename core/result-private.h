/* result-private.h: the core's side of TocsinResult.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tocsin/tocsin.h>

G_BEGIN_DECLS

struct _TocsinResult {
  gatomicrefcount ref;
  char *channel;      /* (owned) key */
  TocsinAlert *alert; /* (owned) */
  gboolean success;
  gboolean throttled;
  char *message_id;   /* (owned) (nullable) */
  char *error;        /* (owned) (nullable), redacted */
  gboolean retryable;
  double retry_after;
  guint attempts;
  gint64 elapsed;     /* µs */
};

/* (transfer full) a pending result: not successful, no error yet */
TocsinResult *priv_tocsin_result_new (const char *channel, TocsinAlert *alert);
/* Records a failure; @message is redacted before it is stored. */
void priv_tocsin_result_set_failure (TocsinResult *result, const char *message);

G_END_DECLS
