/* broken.c: one source, many deliberately broken plugins for the loader tests. Each variant is
 * the same small plugin with one thing wrong, chosen by compile definitions (see CMakeLists.txt).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin-plugin.h>
#include <tocsin/tocsin-registry.h>

#ifndef PLUGIN_NAME
#error "PLUGIN_NAME must be defined"
#endif
#ifndef DESCRIPTOR_NAME
#define DESCRIPTOR_NAME PLUGIN_NAME
#endif
#ifndef TYPE_NAME
#define TYPE_NAME PLUGIN_NAME
#endif
#ifndef ABI_MAJOR
#define ABI_MAJOR TOCSIN_PLUGIN_ABI_MAJOR
#endif
#ifndef ABI_MINOR
#define ABI_MINOR TOCSIN_PLUGIN_ABI_MINOR
#endif
#ifndef DESCRIPTOR_SIZE
#define DESCRIPTOR_SIZE sizeof (TocsinPluginDescriptor)
#endif
#ifndef DESCRIPTOR_FLAGS
#define DESCRIPTOR_FLAGS 0u
#endif
#ifndef LICENSE
#define LICENSE "LGPL-2.1-or-later"
#endif
#ifndef CLASS_SIZE
#define CLASS_SIZE sizeof (TocsinChannelClass)
#endif

#ifdef CALL_UNDEFINED
/* Deliberately defined nowhere: with RTLD_NOW, dlopen() fails on it. */
extern void tocsin_test_function_defined_nowhere (void);
#endif

static gpointer
broken_create (TocsinPluginContext *ctx, const TocsinConfigNode *config, GError **error)
{
  return g_new0 (int, 1);
}

static G_GNUC_UNUSED gboolean
broken_send (gpointer instance, TocsinAlert *alert, TocsinResult *result, GError **error)
{
#ifdef CALL_UNDEFINED
  tocsin_test_function_defined_nowhere ();
#endif
  return TRUE;
}

static void
broken_destroy (gpointer instance)
{
  g_free (instance);
}

static const TocsinChannelClass broken_class = {
  .struct_size = CLASS_SIZE,
  .type_name = TYPE_NAME,
  .description = "A deliberately broken plugin",
  .create = broken_create,
#ifndef NO_SEND
  .send = broken_send,
#endif
  .destroy = broken_destroy,
};

#ifdef SECOND_CLASS_BAD
/* The first class is fine, the second lacks destroy: nothing of the file may be registered. */
static const TocsinChannelClass second_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .type_name = PLUGIN_NAME "-second",
  .create = broken_create,
  .send = broken_send,
};
static const TocsinChannelClass *const channel_classes[] = { &broken_class, &second_class, NULL };
#else
static const TocsinChannelClass *const channel_classes[] = { &broken_class, NULL };
#endif

#ifdef CTOR_TYPE
/* A constructor that registers a class of its own while tocsin loads the file: refused, so a
 * plugin the loader refuses leaves nothing behind. */
static const TocsinChannelClass ctor_class = {
  .struct_size = sizeof (TocsinChannelClass),
  .type_name = CTOR_TYPE,
  .create = broken_create,
  .send = broken_send,
  .destroy = broken_destroy,
};

__attribute__ ((constructor)) static void
register_from_constructor (void)
{
  tocsin_register_channel_class (&ctor_class, NULL);
}
#endif

#ifdef NO_ENTRY
/* Exports something, but not the entry symbol. */
TOCSIN_PLUGIN_EXPORT const void *broken_get_classes (void);
TOCSIN_PLUGIN_EXPORT const void *
broken_get_classes (void)
{
  return channel_classes;
}
#else
TOCSIN_PLUGIN_EXPORT const TocsinPluginDescriptor *tocsin_plugin_get_descriptor (void);
TOCSIN_PLUGIN_EXPORT const TocsinPluginDescriptor *
tocsin_plugin_get_descriptor (void)
{
  static const TocsinPluginDescriptor descriptor = {
    ABI_MAJOR, ABI_MINOR, DESCRIPTOR_SIZE, DESCRIPTOR_FLAGS,
    DESCRIPTOR_NAME, "0.1", LICENSE, "A deliberately broken plugin", channel_classes, NULL,
    { NULL }
  };

#ifdef NULL_DESCRIPTOR
  return (void) descriptor, NULL;
#else
  return &descriptor;
#endif
}
#endif
