/* transport.c: TocsinTransport, an instance of a mail transport class used by a channel.
 *
 * The transport element is validated against its class's settings exactly as a channel's
 * settings are, so a transport's getters see defaults and its errors cite file and line. A
 * class that is not thread-safe has its sends serialised here, so the channel using it may run
 * several workers without knowing what its transport is.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>
#include <tocsin/tocsin-plugin.h>

#include "config-node-private.h"
#include "registry-private.h"

struct _TocsinTransport {
  const TocsinTransportClass *klass; /* the registry's copy: lives as long as the process */
  gpointer instance;
  gboolean serialise;
  GMutex lock; /* held around send when serialise */
};

/* The class of @type_name, loading <type_name>.so from the default search path if no plugin
 * loaded so far provides it. */
static const TocsinTransportClass *
find_class (const TocsinConfigNode *node, const char *type_name, GError **error)
{
  const TocsinTransportClass *klass = priv_tocsin_registry_lookup_transport (type_name);
  g_autoptr (GError) local = NULL;
  g_auto (GStrv) known = NULL;
  g_autofree char *list = NULL;

  if (klass != NULL)
    return klass;
  if (tocsin_plugin_load (type_name, NULL, &local)
      && (klass = priv_tocsin_registry_lookup_transport (type_name)) != NULL)
    return klass;
  if (local != NULL && !g_error_matches (local, TOCSIN_ERROR, TOCSIN_ERROR_PLUGIN_NOT_FOUND)
      && !g_error_matches (local, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT))
    {
      tocsin_config_node_set_error (node, error, local->code, "<transport type=\"%s\">: %s",
                                    type_name, local->message);
      return NULL;
    }
  known = priv_tocsin_registry_list_transport_types ();
  list = g_strjoinv (", ", known);
  tocsin_config_node_set_error (node, error, TOCSIN_ERROR_UNKNOWN_TYPE,
                                "<transport type=\"%s\">: unknown transport type; types loaded: "
                                "%s. Load the plugin that provides it with <plugin name=\"...\"/> "
                                "or put %s.so on the plugin path", type_name,
                                *list ? list : "(none)", type_name);
  return NULL;
}

TocsinTransport *
tocsin_transport_new (TocsinPluginContext *ctx, const TocsinConfigNode *node, GError **error)
{
  const char *type_name;
  const TocsinTransportClass *klass;
  g_autofree char *what = NULL;
  g_autoptr (GError) local = NULL;
  TocsinTransport *transport;

  g_return_val_if_fail (ctx != NULL && node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  type_name = tocsin_config_node_get_attribute (node, "type");
  if (type_name == NULL || *type_name == '\0')
    {
      tocsin_config_node_set_error (node, error, TOCSIN_ERROR_CONFIG_INVALID,
                                    "<%s> needs a type=\"...\" attribute naming the transport, "
                                    "e.g. <transport type=\"smtp\">",
                                    tocsin_config_node_get_name (node));
      return NULL;
    }
  if ((klass = find_class (node, type_name, error)) == NULL)
    return NULL;
  what = g_strdup_printf ("transport '%s'", type_name);
  /* The node belongs to the core (a copy the channel holds): recording the settings it was
   * validated against is what gives the transport's getters their defaults. */
  if (!priv_tocsin_config_node_validate ((TocsinConfigNode *) node, klass->settings, what, error))
    return NULL;

  transport = g_new0 (TocsinTransport, 1);
  transport->klass = klass;
  transport->serialise = !(klass->flags & TOCSIN_TRANSPORT_CLASS_THREAD_SAFE);
  g_mutex_init (&transport->lock);
  transport->instance = klass->create (ctx, node, &local);
  if (transport->instance == NULL)
    {
      if (local == NULL)
        tocsin_config_node_set_error (node, error, TOCSIN_ERROR_FAILED,
                                      "%s: the plugin could not create the transport and gave "
                                      "no reason", what);
      else
        priv_tocsin_propagate_after_location (error, g_steal_pointer (&local),
                                              tocsin_config_node_get_file (node), what);
      g_mutex_clear (&transport->lock);
      g_free (transport);
      return NULL;
    }
  return transport;
}

gboolean
tocsin_transport_send (TocsinTransport *transport, TocsinMailMessage *message,
                       TocsinResult *result, GError **error)
{
  g_autoptr (GError) local = NULL;
  gboolean ok;

  g_return_val_if_fail (transport != NULL && message != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (transport->serialise)
    g_mutex_lock (&transport->lock);
  ok = transport->klass->send (transport->instance, message, result, &local);
  if (transport->serialise)
    g_mutex_unlock (&transport->lock);
  if (!ok)
    {
      if (local == NULL)
        g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_DELIVERY,
                     "transport '%s' failed and gave no reason", transport->klass->type_name);
      else
        g_propagate_error (error, g_steal_pointer (&local));
    }
  return ok;
}

const char *
tocsin_transport_get_type_name (const TocsinTransport *transport)
{
  g_return_val_if_fail (transport != NULL, NULL);
  return transport->klass->type_name;
}

void
tocsin_transport_free (TocsinTransport *transport)
{
  if (transport == NULL)
    return;
  transport->klass->destroy (transport->instance);
  g_mutex_clear (&transport->lock);
  g_free (transport);
}
