/* tocsin-transport-class.h: the vtable of a mail transport (smtp, resend, ses, ...), the way an
 * e-mail channel hands a message to the outside world.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-result.h>
#include <tocsin/tocsin-config-node.h>
#include <tocsin/tocsin-plugin-context.h>
#include <tocsin/tocsin-setting.h>

G_BEGIN_DECLS

/* An e-mail message: see <tocsin/tocsin-mail-message.h> for its accessors. */
typedef struct _TocsinMailMessage TocsinMailMessage;

/* Transport class flag: send may run on several threads at once for one instance. */
#define TOCSIN_TRANSPORT_CLASS_THREAD_SAFE (1u << 0)

/**
 * TocsinTransportClass:
 * Same shape and rules as #TocsinChannelClass; @type_name is the value of
 * <transport type="...">, and @settings are the children of that element.
 */
typedef struct _TocsinTransportClass {
  guint32 struct_size;
  guint32 flags;
  const char *type_name;
  const char *description;
  const TocsinSettingSpec *settings;
  gpointer (*create) (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error);
  gboolean (*send) (gpointer instance, TocsinMailMessage *message, TocsinResult *result,
                    GError **error);
  void (*destroy) (gpointer instance);
  gpointer reserved[8];
} TocsinTransportClass;

#define TOCSIN_TRANSPORT_CLASS_SIZE_1_0 (G_STRUCT_OFFSET (TocsinTransportClass, reserved))

G_END_DECLS
