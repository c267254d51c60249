/* stats-private.h
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "channel-private.h"

G_BEGIN_DECLS

/* A snapshot of the counters of @channels (element-type TocsinChannel). (transfer full) */
TocsinStats *priv_tocsin_stats_new (GPtrArray *channels);

G_END_DECLS
