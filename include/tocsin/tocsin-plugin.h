/* tocsin-plugin.h: the plugin ABI. Everything a third-party plugin includes.
 *
 * A plugin is a shared object <name>.so that exports exactly one symbol,
 * tocsin_plugin_get_descriptor, returning a const #TocsinPluginDescriptor. Define it with
 * TOCSIN_PLUGIN_DEFINE(). See docs/writing-plugins.md in the source tree for the rules.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define __TOCSIN_PLUGIN_H_INSIDE__

#include <tocsin/tocsin-macros.h>
#include <tocsin/tocsin-error.h>
#include <tocsin/tocsin-level.h>
#include <tocsin/tocsin-alert.h>
#include <tocsin/tocsin-result.h>
#include <tocsin/tocsin-redact.h>
#include <tocsin/tocsin-setting.h>
#include <tocsin/tocsin-config-node.h>
#include <tocsin/tocsin-plugin-context.h>
#include <tocsin/tocsin-channel-class.h>
#include <tocsin/tocsin-transport-class.h>
#include <tocsin/tocsin-mail-message.h>
#include <tocsin/tocsin-transport.h>
#include <tocsin/tocsin-http.h>

#undef __TOCSIN_PLUGIN_H_INSIDE__

G_BEGIN_DECLS

/* The plugin ABI version these headers describe. A core accepts a plugin whose major equals its
 * own and whose minor is not greater than its own. Every compatible growth bumps the minor. */
#define TOCSIN_PLUGIN_ABI_MAJOR 1
#define TOCSIN_PLUGIN_ABI_MINOR 0

/**
 * TocsinPluginDescriptor:
 * The first four fields never move, in any ABI major, so every core can tell any plugin what
 * it needs. Then the plugin's identity, its classes, and reserved slots (must be %NULL).
 */
typedef struct _TocsinPluginDescriptor {
  guint32 abi_major;   /* offset 0 */
  guint32 abi_minor;   /* offset 4 */
  guint32 struct_size; /* offset 8: sizeof (TocsinPluginDescriptor) as the plugin saw it */
  guint32 flags;       /* offset 12: none defined; must be 0 */
  const char *name;    /* matches the file name <name>.so; [a-z0-9][a-z0-9_-]* */
  const char *version;
  const char *license; /* SPDX identifier */
  const char *description;
  const TocsinChannelClass *const *channel_classes;     /* NULL-terminated; may be NULL */
  const TocsinTransportClass *const *transport_classes; /* NULL-terminated; may be NULL */
  gpointer reserved[8];
} TocsinPluginDescriptor;

#define TOCSIN_PLUGIN_DESCRIPTOR_SIZE_1_0 (G_STRUCT_OFFSET (TocsinPluginDescriptor, reserved))

/** The one symbol a plugin exports. */
#define TOCSIN_PLUGIN_ENTRY_SYMBOL "tocsin_plugin_get_descriptor"
typedef const TocsinPluginDescriptor *(*TocsinPluginGetDescriptorFunc) (void);

#define TOCSIN_PLUGIN_EXPORT __attribute__ ((visibility ("default")))

/**
 * TOCSIN_PLUGIN_DEFINE:
 * @name: the plugin name, a string literal equal to the file's base name
 * @version: the plugin's own version string
 * @license: an SPDX license identifier
 * @description: one line
 * @channel_classes: a NULL-terminated array of `const TocsinChannelClass *`, or NULL
 * @transport_classes: a NULL-terminated array of `const TocsinTransportClass *`, or NULL
 *
 * Defines the descriptor and the exported entry point, recording the ABI version and
 * structure size of the headers the plugin is compiled against.
 */
#define TOCSIN_PLUGIN_DEFINE(name, version, license, description, channel_classes,              \
                             transport_classes)                                                  \
  TOCSIN_PLUGIN_EXPORT const TocsinPluginDescriptor *tocsin_plugin_get_descriptor (void);        \
  TOCSIN_PLUGIN_EXPORT const TocsinPluginDescriptor *tocsin_plugin_get_descriptor (void)         \
  {                                                                                              \
    static const TocsinPluginDescriptor descriptor = {                                           \
      TOCSIN_PLUGIN_ABI_MAJOR, TOCSIN_PLUGIN_ABI_MINOR,                                          \
      (guint32) sizeof (TocsinPluginDescriptor), 0u,                                             \
      name, version, license, description, channel_classes, transport_classes, { NULL }          \
    };                                                                                           \
    return &descriptor;                                                                          \
  }

G_END_DECLS
