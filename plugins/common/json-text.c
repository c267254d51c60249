/* json-text.c: see json-text.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json-text.h"

#include <string.h>

/* One generator per thread, kept: creating a GObject for every document showed in the
 * webhook benchmark. A generator holds no state between calls but its root, which is cleared. */
static GPrivate thread_generator = G_PRIVATE_INIT (g_object_unref);

void
priv_tocsin_json_append (GString *out, JsonNode *root)
{
  JsonGenerator *generator = g_private_get (&thread_generator);
  gsize start = out->len;

  if (generator == NULL)
    {
      generator = json_generator_new ();
      g_private_set (&thread_generator, generator);
    }
  json_generator_set_root (generator, root);
  json_generator_to_gstring (generator, out);
  json_generator_set_root (generator, NULL);
  /* json-glib (1.6 at least) escapes the control characters below U+001F but writes U+001F
   * itself raw, which RFC 8259 forbids and strict parsers refuse. In UTF-8 the byte 0x1f is
   * never part of a longer sequence and JSON has no such byte outside strings, so every one
   * found is that character inside a string and gets its escape. */
  if (memchr (out->str + start, 0x1f, out->len - start) != NULL)
    {
      g_autoptr (GString) tail = g_string_new_len (out->str + start, out->len - start);
      g_string_replace (tail, "\x1f", "\\u001f", 0);
      g_string_truncate (out, start);
      g_string_append_len (out, tail->str, tail->len);
    }
}

char *
priv_tocsin_json_to_text (JsonNode *root)
{
  /* Room for a typical alert's document at once, rather than growing it a few bytes at a time. */
  GString *out = g_string_sized_new (512);

  priv_tocsin_json_append (out, root);
  return g_string_free (out, FALSE);
}
