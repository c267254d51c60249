/* registry-private.h: the core's side of the process-wide plugin registry.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tocsin/tocsin.h>
#include <tocsin/tocsin-plugin.h>

G_BEGIN_DECLS

/* The registered class of @type_name: the core's own zero-filled copy (so methods newer than the
 * plugin read NULL), at an address stable for the life of the process; NULL if none. */
const TocsinChannelClass *priv_tocsin_registry_lookup_channel (const char *type_name);
const TocsinTransportClass *priv_tocsin_registry_lookup_transport (const char *type_name);

/* (transfer full) sorted, NULL-terminated list of registered channel type names. */
char **priv_tocsin_registry_list_channel_types (void);
/* (transfer full) The transport type names registered so far, sorted. */
char **priv_tocsin_registry_list_transport_types (void);

G_END_DECLS
