/* cli.h: what the files of the tocsin command-line tool share.
 *
 * The tool uses only the public API (tocsin/tocsin.h), as any application would.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin.h>

G_BEGIN_DECLS

/* Exit statuses: part of the CLI's contract with scripts. */
enum {
  CLI_EXIT_OK = 0,     /* every matching channel delivered (or none matched the level) */
  CLI_EXIT_FAILED = 1, /* at least one delivery failed or was throttled */
  CLI_EXIT_USAGE = 2,  /* bad command line, bad input, or a config that does not load */
  CLI_EXIT_OUTPUT = 3, /* the command ran, but its output could not be written (stdout closed,
                          a full disk, a reader that went away): its results are lost */
};

/* Options every subcommand accepts; also accepted before the subcommand. */
typedef struct {
  gboolean verbose;
  gboolean quiet;
} CliCommon;

extern CliCommon cli_common;

/* cli-common.c */
GOptionContext *cli_context_new (const char *command, const char *parameters, const char *summary,
                                 const char *description, const GOptionEntry *entries);
int cli_parse (GOptionContext *context, const char *command, int *argc, char ***argv);
void cli_log_setup (void);
void cli_error (const char *format, ...) G_GNUC_PRINTF (1, 2);
void cli_note (const char *format, ...) G_GNUC_PRINTF (1, 2);
int cli_report_gerror (const GError *error);
TocsinConfig *cli_load_config (const char *explicit_config, char **path_out, GError **error);
TocsinManager *cli_load_manager (const char *explicit_config, char **path_out, GError **error);
char *cli_read_all (const char *path, GError **error);
char *cli_manager_dup_keys (TocsinManager *manager);

/* cli-table.c: left-aligned text columns */
typedef struct _CliTable CliTable;
CliTable *cli_table_new (const char *const *headers);
void cli_table_add_row (CliTable *table, ...) G_GNUC_NULL_TERMINATED;
void cli_table_print (const CliTable *table, const char *indent);
void cli_table_free (CliTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliTable, cli_table_free)

/* cli-batch.c: JSON Lines input of `tocsin send --batch` */
typedef struct {
  TocsinLevel level;
  gboolean timestamp;
  char **labels; /* (nullable) "K=V" strings, already validated */
} CliAlertDefaults;

void cli_alert_defaults_apply (const CliAlertDefaults *defaults, TocsinAlertBuilder *builder);
GPtrArray *cli_batch_parse (const char *text, const char *source_name,
                            const CliAlertDefaults *defaults, GArray *line_numbers, GError **error);
gboolean cli_label_split (const char *spec, char **key, char **value, GError **error);

/* cli-report.c: printing results and statistics */
void cli_report_print_text (GPtrArray *results, GHashTable *alert_lines, TocsinStats *stats);
void cli_report_print_json (GPtrArray *results, TocsinStats *stats);

/* Subcommands: argv[0] is the subcommand's name. */
int cli_send_main (int argc, char **argv);
int cli_check_main (int argc, char **argv);
int cli_plugins_main (int argc, char **argv);
int cli_spool_main (int argc, char **argv);

G_END_DECLS
