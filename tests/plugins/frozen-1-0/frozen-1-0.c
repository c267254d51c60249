/* frozen-1-0.c: a plugin built against the tocsin plugin ABI 1.0, with the 1.0 structures
 * copied here verbatim (never edit them: they are what plugins in the field were built with).
 * One channel class has the full 1.0 size, the other ends where the 1.0 methods end.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>

/* --- frozen copy of the tocsin plugin ABI 1.0 ------------------------------------------- */
typedef struct _TocsinPluginContext TocsinPluginContext;
typedef struct _TocsinConfigNode TocsinConfigNode;
typedef struct _TocsinAlert TocsinAlert;
typedef struct _TocsinResult TocsinResult;
typedef struct _TocsinMailMessage TocsinMailMessage;

typedef struct {
  const char *name;
  guint32 type;
  guint32 flags;
  const char *default_value;
  const char *description;
  const char *const *choices;
  const char *const *attributes;
  gpointer reserved[4];
} TocsinSettingSpec;

typedef struct _TocsinChannelClass {
  guint32 struct_size;
  guint32 flags;
  const char *type_name;
  const char *description;
  const TocsinSettingSpec *settings;
  gpointer (*create) (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error);
  gboolean (*send) (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error);
  void (*destroy) (gpointer instance);
  gpointer reserved[8];
} TocsinChannelClass;

typedef struct _TocsinTransportClass TocsinTransportClass;

typedef struct _TocsinPluginDescriptor {
  guint32 abi_major;
  guint32 abi_minor;
  guint32 struct_size;
  guint32 flags;
  const char *name;
  const char *version;
  const char *license;
  const char *description;
  const TocsinChannelClass *const *channel_classes;
  const TocsinTransportClass *const *transport_classes;
  gpointer reserved[8];
} TocsinPluginDescriptor;

/* Core functions of the TOCSIN_1.0 symbol node. */
extern void tocsin_result_set_message_id (TocsinResult *result, const char *message_id);
/* --- end of the frozen copy -------------------------------------------------------------- */

static gpointer
frozen_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  return g_new0 (int, 1);
}

static gboolean
frozen_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
  tocsin_result_set_message_id (result, "frozen-1.0");
  return TRUE;
}

static void
frozen_destroy (gpointer instance)
{
  g_free (instance);
}

static const TocsinChannelClass frozen_class = {
  sizeof (TocsinChannelClass), 0, "frozen-1-0", "Built against the 1.0 headers", NULL,
  frozen_create, frozen_send, frozen_destroy, { NULL }
};

/* A class whose author stopped before reserved[]: the smallest size ABI 1.0 accepts. */
static const TocsinChannelClass frozen_short_class = {
  G_STRUCT_OFFSET (TocsinChannelClass, reserved), 0, "frozen-1-0-short", "Without reserved[]",
  NULL, frozen_create, frozen_send, frozen_destroy, { NULL }
};

static const TocsinChannelClass *const channel_classes[] = {
  &frozen_class, &frozen_short_class, NULL
};

__attribute__ ((visibility ("default"))) const TocsinPluginDescriptor *
tocsin_plugin_get_descriptor (void);

__attribute__ ((visibility ("default"))) const TocsinPluginDescriptor *
tocsin_plugin_get_descriptor (void)
{
  static const TocsinPluginDescriptor descriptor = {
    1, 0, sizeof (TocsinPluginDescriptor), 0, "frozen-1-0", "1.0.0", "LGPL-2.1-or-later",
    "A plugin built against the tocsin plugin ABI 1.0", channel_classes, NULL, { NULL }
  };
  return &descriptor;
}
