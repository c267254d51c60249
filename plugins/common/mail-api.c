/* mail-api.c: see mail-api.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mail-api.h"

#include <json-glib/json-glib.h>
#include <string.h>

char *
priv_tocsin_mail_api_dup_member (const TocsinHttpResponse *response, const char *path)
{
  gsize length = 0;
  const char *body = tocsin_http_response_get_body (response, &length);
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_auto (GStrv) parts = g_strsplit (path, ".", -1);
  JsonNode *node;

  if (length == 0 || !json_parser_load_from_data (parser, body, (gssize) length, NULL))
    return NULL;
  node = json_parser_get_root (parser);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        return NULL;
      node = json_object_get_member (json_node_get_object (node), parts[i]);
    }
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

/* Replaces @error's message by the API's own words when its answer carries them. */
static void
explain_api_error (const TocsinHttpResponse *response, const char *service,
                   const char *const *message_paths, const char *(*hint) (guint status),
                   GError *error)
{
  guint status = tocsin_http_response_get_status (response);
  g_autofree char *said = NULL;
  g_autofree char *flat = NULL;
  const char *extra = hint ? hint (status) : NULL;

  for (guint i = 0; message_paths[i] != NULL && said == NULL; i++)
    said = priv_tocsin_mail_api_dup_member (response, message_paths[i]);
  if (said == NULL && extra == NULL)
    {
      g_autofree char *old = error->message;
      error->message = g_strdup_printf ("%s: %s", service, old);
      return;
    }
  if (said != NULL)
    {
      /* One line, no secret: an API may echo the key it refused. */
      g_autofree char *one_line = g_strdelimit (g_utf8_make_valid (said, -1), "\r\n\t", ' ');
      flat = tocsin_redact (one_line);
    }
  g_free (error->message);
  error->message = g_strdup_printf ("%s: HTTP %u%s%s%s%s", service, status, flat ? ": " : "",
                                    flat ? flat : "", extra ? "; " : "", extra ? extra : "");
}

gboolean
priv_tocsin_mail_api_send (TocsinHttpClient *client, TocsinHttpRequest *request,
                           const char *service, const char *id_path,
                           const char *const *message_paths, const char *(*hint) (guint status),
                           TocsinResult *result, GError **error)
{
  g_autoptr (TocsinHttpResponse) response = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *id = NULL;

  if (!tocsin_http_client_send (client, request, result, &response, &local))
    {
      if (response != NULL)
        explain_api_error (response, service, message_paths, hint, local);
      else
        g_prefix_error (&local, "%s: ", service);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  id = priv_tocsin_mail_api_dup_member (response, id_path);
  if (result != NULL && id != NULL && *id != '\0' && strpbrk (id, "\r\n") == NULL)
    tocsin_result_set_message_id (result, id);
  return TRUE;
}

char *
priv_tocsin_mail_api_dup_url (const TocsinConfigNode *config, const char *service,
                              const char *path, GError **error)
{
  const char *base = tocsin_config_node_get_string (config, "base-url");
  const TocsinConfigNode *node = tocsin_config_node_get_child (config, "base-url");
  g_autoptr (GUri) uri = base ? g_uri_parse (base, G_URI_FLAGS_ENCODED, NULL) : NULL;

  if (uri == NULL || (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0
                      && g_strcmp0 (g_uri_get_scheme (uri), "http") != 0)
      || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      tocsin_config_node_set_error (node ? node : config, error, TOCSIN_ERROR_INVALID_VALUE,
                                    "%s: <base-url> '%s' is not an http(s) URL; write it as "
                                    "https://host[/prefix]", service, base ? base : "");
      return NULL;
    }
  return g_str_has_suffix (base, "/") ? g_strconcat (base, path + (*path == '/'), NULL)
                                      : g_strconcat (base, *path == '/' ? "" : "/", path, NULL);
}
