/* cli-common.c: option parsing, logging, error output and config loading shared by the
 * subcommands of the tocsin command-line tool.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

CliCommon cli_common;

static GOptionEntry common_entries[] = {
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &cli_common.verbose,
    "Also show debug messages of the library and its plugins", NULL },
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &cli_common.quiet,
    "Hide warnings and notes (errors are still shown)", NULL },
  G_OPTION_ENTRY_NULL
};

GOptionContext *
cli_context_new (const char *command, const char *parameters, const char *summary,
                 const char *description, const GOptionEntry *entries)
{
  GOptionContext *context = g_option_context_new (parameters);
  g_autofree char *prgname = command ? g_strdup_printf ("tocsin %s", command) : g_strdup ("tocsin");

  /* GOption's usage line reads "Usage: <prgname> [OPTION…]"; naming the subcommand there makes
   * each --help self-contained. */
  g_set_prgname (prgname);
  g_option_context_set_summary (context, summary);
  if (description != NULL)
    g_option_context_set_description (context, description);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, common_entries, NULL);
  return context;
}

/* Returns CLI_EXIT_OK, or CLI_EXIT_USAGE after printing why. Subcommands take no positional
 * arguments, so anything left over is a mistake (e.g. a value missing its option). */
int
cli_parse (GOptionContext *context, const char *command, int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      cli_error ("%s. Run 'tocsin %s --help' for the options", error->message, command);
      return CLI_EXIT_USAGE;
    }
  if (*argc > 1)
    {
      cli_error ("unexpected argument '%s'. Run 'tocsin %s --help' for the options", (*argv)[1],
                 command);
      return CLI_EXIT_USAGE;
    }
  if (cli_common.verbose && cli_common.quiet)
    {
      cli_error ("--verbose and --quiet exclude each other; give one of them");
      return CLI_EXIT_USAGE;
    }
  cli_log_setup ();
  return CLI_EXIT_OK;
}

static const char *
level_word (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "error";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "critical";
  if (level & G_LOG_LEVEL_WARNING)
    return "warning";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "message";
  if (level & G_LOG_LEVEL_INFO)
    return "info";
  return "debug";
}

/* One line per message, "tocsin: warning: ...", like the tool's own errors; the domain (which
 * plugin or part spoke) only with --verbose, where it helps to follow a delivery. */
static GLogWriterOutput
cli_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *message = NULL, *domain = NULL;
  g_autofree char *text = NULL, *line = NULL;

  if (cli_common.quiet && !(level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)))
    return G_LOG_WRITER_HANDLED;
  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
        message = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
        domain = fields[i].value;
    }
  if (g_log_writer_default_would_drop (level, domain))
    return G_LOG_WRITER_HANDLED;
  /* The library and its plugins redact already; GLib's own messages pass here too. */
  text = tocsin_redact (message ? message : "(no message)");
  if (cli_common.verbose && domain != NULL)
    line = g_strdup_printf ("tocsin: %s: [%s] %s\n", level_word (level), domain, text);
  else
    line = g_strdup_printf ("tocsin: %s: %s\n", level_word (level), text);
  /* One stdio call per line, so lines of several worker threads never interleave. */
  fputs (line, stderr);
  return G_LOG_WRITER_HANDLED;
}

void
cli_log_setup (void)
{
  static gboolean installed;

  if (cli_common.verbose)
    g_log_set_debug_enabled (TRUE);
  if (!installed)
    g_log_set_writer_func (cli_log_writer, NULL, NULL);
  installed = TRUE;
}

void
cli_error (const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL, *redacted = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  redacted = tocsin_redact (message);
  g_printerr ("tocsin: %s\n", redacted);
}

void
cli_note (const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL, *redacted = NULL;

  if (cli_common.quiet)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  redacted = tocsin_redact (message);
  g_printerr ("tocsin: note: %s\n", redacted);
}

int
cli_report_gerror (const GError *error)
{
  cli_error ("%s", error->message);
  return CLI_EXIT_USAGE;
}

/* Finds the config as documented (--config, $TOCSIN_CONFIG, $XDG_CONFIG_HOME, sysconfdir) and
 * reads it; @path_out (optional) gets the file's path. */
TocsinConfig *
cli_load_config (const char *explicit_config, char **path_out, GError **error)
{
  g_autofree char *path = tocsin_config_find (explicit_config, error);
  TocsinConfig *config;

  if (path == NULL)
    return NULL;
  config = tocsin_config_new_from_file (path, error);
  if (config != NULL && path_out != NULL)
    *path_out = g_steal_pointer (&path);
  return config;
}

/* cli_load_config(), then loads the config's plugins and creates its channels. */
TocsinManager *
cli_load_manager (const char *explicit_config, char **path_out, GError **error)
{
  g_autofree char *path = NULL;
  g_autoptr (TocsinConfig) config = cli_load_config (explicit_config, &path, error);
  TocsinManager *manager;

  if (config == NULL)
    return NULL;
  manager = tocsin_manager_new_from_config (config, error);
  if (manager != NULL && path_out != NULL)
    *path_out = g_steal_pointer (&path);
  return manager;
}

static char *
read_stdin (gsize *length, GError **error)
{
  GString *text = g_string_new (NULL);
  char buffer[8192];
  size_t n;

  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
    g_string_append_len (text, buffer, (gssize) n);
  if (ferror (stdin))
    {
      g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_IO, "cannot read standard input: %s",
                   g_strerror (errno));
      g_string_free (text, TRUE);
      return NULL;
    }
  *length = text->len;
  return g_string_free (text, FALSE);
}

/* Text has no NUL byte; one would silently end what is read of the input there. */
static gboolean
check_no_nul (const char *contents, gsize length, const char *name, GError **error)
{
  const char *nul = memchr (contents, '\0', length);
  guint line = 1;

  if (nul == NULL)
    return TRUE;
  for (const char *p = contents; p < nul; p++)
    line += *p == '\n';
  g_set_error (error, TOCSIN_ERROR, TOCSIN_ERROR_INVALID_ARGUMENT,
               "%s:%u: contains a NUL byte: the input must be UTF-8 text", name, line);
  return FALSE;
}

/* The whole of @path, or of standard input for "-". */
char *
cli_read_all (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (g_strcmp0 (path, "-") == 0)
    contents = read_stdin (&length, error);
  else if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  if (contents == NULL
      || !check_no_nul (contents, length, g_strcmp0 (path, "-") == 0 ? "<stdin>" : path, error))
    return NULL;
  return g_steal_pointer (&contents);
}

/* "log (alias journal, type file), nop (type noop)": what --channel accepts, for error messages. */
char *
cli_manager_dup_keys (TocsinManager *manager)
{
  GString *keys = g_string_new (NULL);
  guint n = tocsin_manager_get_n_channels (manager);

  for (guint i = 0; i < n; i++)
    {
      TocsinChannel *channel = tocsin_manager_get_channel (manager, i);
      const char *alias = tocsin_channel_get_alias (channel);

      if (i > 0)
        g_string_append (keys, ", ");
      g_string_append (keys, tocsin_channel_get_key (channel));
      if (alias != NULL)
        g_string_append_printf (keys, " (alias %s, type %s)", alias,
                                tocsin_channel_get_type_name (channel));
      else
        g_string_append_printf (keys, " (type %s)", tocsin_channel_get_type_name (channel));
    }
  if (n == 0)
    g_string_append (keys, "none (the config defines no channel)");
  return g_string_free (keys, FALSE);
}
