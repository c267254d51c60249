/* cli-table.c: rows of text printed in left-aligned columns, the last one unpadded.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cli.h"

#include <stdarg.h>

struct _CliTable {
  guint n_columns;
  GPtrArray *rows; /* (element-type GStrv): the header first */
};

CliTable *
cli_table_new (const char *const *headers)
{
  CliTable *table = g_new0 (CliTable, 1);

  table->n_columns = g_strv_length ((char **) headers);
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_ptr_array_add (table->rows, g_strdupv ((char **) headers));
  return table;
}

/* Takes exactly as many strings as there are headers; NULL cells are not allowed (give "-"). */
void
cli_table_add_row (CliTable *table, ...)
{
  va_list args;
  char **row = g_new0 (char *, table->n_columns + 1);

  va_start (args, table);
  for (guint i = 0; i < table->n_columns; i++)
    {
      const char *cell = va_arg (args, const char *);

      row[i] = g_strdup (cell ? cell : "-");
    }
  va_end (args);
  g_ptr_array_add (table->rows, row);
}

/* Display width, so names with non-ASCII characters still line up. */
static gsize
cell_width (const char *cell)
{
  return g_utf8_validate (cell, -1, NULL) ? (gsize) g_utf8_strlen (cell, -1) : strlen (cell);
}

void
cli_table_print (const CliTable *table, const char *indent)
{
  g_autofree gsize *widths = g_new0 (gsize, table->n_columns);
  g_autoptr (GString) line = g_string_new (NULL);

  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);

      for (guint c = 0; c < table->n_columns; c++)
        widths[c] = MAX (widths[c], cell_width (row[c]));
    }
  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);

      g_string_assign (line, indent ? indent : "");
      for (guint c = 0; c < table->n_columns; c++)
        {
          g_string_append (line, row[c]);
          if (c + 1 < table->n_columns)
            for (gsize pad = cell_width (row[c]); pad < widths[c] + 2; pad++)
              g_string_append_c (line, ' ');
        }
      g_print ("%s\n", line->str);
    }
}

void
cli_table_free (CliTable *table)
{
  if (table == NULL)
    return;
  g_ptr_array_unref (table->rows);
  g_free (table);
}
