/* tocsin-channel-class.h: the vtable of a channel type, the heart of the plugin ABI.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-alert.h>
#include <tocsin/tocsin-result.h>
#include <tocsin/tocsin-config-node.h>
#include <tocsin/tocsin-plugin-context.h>
#include <tocsin/tocsin-setting.h>

G_BEGIN_DECLS

/* Class flags (bits of TocsinChannelClass.flags). */
/* send may run on several threads at once for one instance, so workers="N" is honoured. Without
 * it the core calls send from one thread at a time per instance and uses one worker. */
#define TOCSIN_CHANNEL_CLASS_THREAD_SAFE (1u << 0)

/**
 * TocsinChannelClass:
 * @struct_size: sizeof (TocsinChannelClass) as the plugin was compiled; the core copies that
 *   many bytes into its own zeroed copy, so a method a plugin does not know reads as absent
 * @flags: TOCSIN_CHANNEL_CLASS_* bits; unknown bits are ignored
 * @type_name: the value of type="..." in the config, matching [a-z0-9][a-z0-9_-]*, unique
 *   across every loaded plugin
 * @description: one line describing the type (nullable)
 * @settings: the settings accepted, ended by a {NULL} entry; may be %NULL for none
 * @create: builds an instance from its settings, after the core checked them against
 *   @settings. Runs on the thread that calls tocsin_manager_add_channel() (or
 *   tocsin_manager_new_from_config()), with that manager's lock held. On failure returns %NULL
 *   and sets @error (use tocsin_config_node_set_error() to cite a line).
 * @send: delivers one alert. Runs on the channel's worker thread(s), which block SIGPIPE (a
 *   write to a closed pipe or socket fails with EPIPE); must not call back into the manager.
 *   Returns %TRUE when delivered; otherwise sets @error (its message becomes the result's
 *   error, redacted) and may mark @result retryable. May set a message id. @result is valid
 *   only during the call: never keep, ref or unref it.
 * @destroy: frees an instance. Runs once, after every send of the instance has returned,
 *   normally on the thread that drops the manager's last reference. For a channel left behind
 *   hung at shutdown it runs on the worker thread when its send finally returns.
 * @reserved: must be %NULL; later ABI minors take these front to back for optional methods.
 *
 * All three methods are required. The structure never shrinks and never reorders.
 */
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

/** TOCSIN_CHANNEL_CLASS_SIZE_1_0: the smallest class size a core accepts */
#define TOCSIN_CHANNEL_CLASS_SIZE_1_0 (G_STRUCT_OFFSET (TocsinChannelClass, reserved))

G_END_DECLS
