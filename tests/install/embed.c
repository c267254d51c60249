/* embed.c: a tiny application embedding libtocsin, built against the installed headers:
 *
 *   cc embed.c -o embed $(pkg-config --cflags --libs tocsin-1)
 *
 * Usage: embed CONFIG. Loads the config, broadcasts one critical alert with a label and
 * prints one "channel: ok|FAILED (error)" line per result. Exits 0 when there was at least one
 * result and every one succeeded, 1 otherwise. Only <tocsin/tocsin.h> is used, as an
 * application outside the tocsin tree would.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <tocsin/tocsin.h>

static gboolean
report (GPtrArray *results)
{
  gboolean all_ok = results->len > 0;

  if (results->len == 0)
    g_printerr ("embed: no channel received the alert\n");
  for (guint i = 0; i < results->len; i++)
    {
      TocsinResult *result = g_ptr_array_index (results, i);
      const char *error = tocsin_result_get_error (result);

      if (tocsin_result_get_success (result))
        g_print ("%s: ok\n", tocsin_result_get_channel (result));
      else
        g_print ("%s: FAILED (%s)\n", tocsin_result_get_channel (result), error ? error : "?");
      all_ok = all_ok && tocsin_result_get_success (result);
    }
  return all_ok;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinManager) manager = NULL;
  g_autoptr (TocsinAlertBuilder) builder = NULL;
  g_autoptr (TocsinAlert) alert = NULL;
  g_autoptr (GPtrArray) results = NULL;

  if (argc != 2)
    {
      g_printerr ("usage: embed CONFIG\n");
      return 2;
    }
  manager = tocsin_manager_new_from_file (argv[1], &error);
  if (manager == NULL)
    {
      g_printerr ("embed: %s\n", error->message);
      return 1;
    }

  builder = tocsin_alert_builder_new ("Embedded");
  tocsin_alert_builder_set_body (builder, "sent by embed.c");
  tocsin_alert_builder_set_level (builder, TOCSIN_LEVEL_CRITICAL);
  tocsin_alert_builder_add_label (builder, "host", "db1");
  alert = tocsin_alert_builder_build (builder);

  results = tocsin_manager_send (manager, alert, NULL);
  return report (results) ? 0 : 1;
}
