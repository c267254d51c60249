/* mail-api.c: see mail-api.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mail-api.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* The string at @parts below @node, the first one equal to @want (any, when NULL); NULL if none.
 * An array stands for each of its elements; one nested right in another is not looked into, so
 * the recursion goes no deeper than the path is long. */
static const char *find_string (JsonNode *node, char **parts, const char *want);

static const char *
find_in_elements (JsonArray *array, char **parts, const char *want)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *found = JSON_NODE_HOLDS_ARRAY (element) ? NULL
                                                          : find_string (element, parts, want);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static const char *
find_string (JsonNode *node, char **parts, const char *want)
{
  const char *text;

  for (; node != NULL && *parts != NULL; parts++)
    {
      if (JSON_NODE_HOLDS_ARRAY (node))
        return find_in_elements (json_node_get_array (node), parts, want);
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return NULL;
      node = json_object_get_member (json_node_get_object (node), *parts);
    }
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  text = json_node_get_string (node);
  return (want == NULL || g_strcmp0 (text, want) == 0) ? text : NULL;
}

/* (transfer full) (nullable) A copy of the string find_string() finds at @path in @response. */
static char *
dup_found (const TocsinHttpResponse *response, const char *path, const char *want)
{
  gsize length = 0;
  const char *body = tocsin_http_response_get_body (response, &length);
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_auto (GStrv) parts = g_strsplit (path, ".", -1);

  if (length == 0 || !json_parser_load_from_data (parser, body, (gssize) length, NULL))
    return NULL;
  return g_strdup (find_string (json_parser_get_root (parser), parts, want));
}

char *
priv_tocsin_mail_api_dup_member (const TocsinHttpResponse *response, const char *path)
{
  return dup_found (response, path, NULL);
}

gboolean
priv_tocsin_mail_api_has_member (const TocsinHttpResponse *response, const char *path,
                                 const char *value)
{
  g_autofree char *found = dup_found (response, path, value);

  return found != NULL;
}

/* Replaces @error's message by the API's own words when its answer carries them, and lets
 * @explain overrule the HTTP layer's verdict of a permanent failure. */
static void
explain_api_error (const TocsinHttpResponse *response, const char *service,
                   const char *const *message_paths, PrivTocsinMailApiExplain explain,
                   TocsinResult *result, GError *error)
{
  guint status = tocsin_http_response_get_status (response);
  g_autofree char *said = NULL;
  g_autofree char *flat = NULL;
  gboolean transient = FALSE;
  const char *extra = explain ? explain (response, &transient) : NULL;

  /* The HTTP layer has already recorded any Retry-After, whatever the status. */
  if (transient && result != NULL)
    tocsin_result_set_retryable (result, TRUE);
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
                           const char *const *message_paths, PrivTocsinMailApiExplain explain,
                           TocsinResult *result, GError **error)
{
  g_autoptr (TocsinHttpResponse) response = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *id = NULL;

  if (!tocsin_http_client_send (client, request, result, &response, &local))
    {
      if (response != NULL)
        explain_api_error (response, service, message_paths, explain, result, local);
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
