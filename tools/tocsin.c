/* tocsin.c: the tocsin command-line tool: `tocsin [-v|-q] COMMAND [OPTION…]`.
 *
 * This file reads the options that come before the command and hands the rest to the command
 * (cli-send.c, cli-check.c, cli-plugins.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <tocsin/tocsin-plugin.h> /* TOCSIN_PLUGIN_ABI_* for --version */

#define TOP_SUMMARY \
  "Sends alerts to the channels (console, file, Slack, e-mail ...) a config file describes.\n" \
  "\n" \
  "Commands:\n" \
  "  send     send one alert, or a batch of them, and print the results and statistics\n" \
  "  check    validate a config file and list its channels\n" \
  "  plugins  list the plugin search path and the plugins on it\n" \
  "  spool    list, retry, purge or deliver what a config's spool holds\n" \
  "  help     show the options of a command (same as COMMAND --help)\n" \
  "\n" \
  "Run 'tocsin COMMAND --help' for the options of a command."

#define TOP_DESCRIPTION \
  "Exit status: 0 all delivered (or valid), 1 a delivery failed or was throttled, 2 usage or\n" \
  "config error, 3 the output could not be written (standard output closed or full; the\n" \
  "alerts may have been delivered).\n" \
  "\n" \
  "Environment: TOCSIN_CONFIG (the config file when --config is not given), XDG_CONFIG_HOME,\n" \
  "TOCSIN_PLUGIN_PATH (extra plugin folders, colon-separated), NO_COLOR, G_MESSAGES_DEBUG.\n" \
  "\n" \
  "Example:\n" \
  "  tocsin send --config etc/tocsin.xml --level warning --title 'disk 91% full'"

typedef struct {
  const char *name;
  int (*run) (int argc, char **argv);
} CliCommand;

static const CliCommand commands[] = {
  { "send", cli_send_main },
  { "check", cli_check_main },
  { "plugins", cli_plugins_main },
  { "spool", cli_spool_main },
};

static const CliCommand *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (commands[i].name, name) == 0)
      return &commands[i];
  cli_error ("unknown command '%s'; the commands are send, check, plugins and spool. Run 'tocsin --help'",
             name);
  return NULL;
}

/* `tocsin help [COMMAND]`: the same text as `tocsin [COMMAND] --help`. */
static int
run_help (GOptionContext *top, int argc, char **argv)
{
  const CliCommand *command;
  char *help_argv[] = { NULL, (char *) "--help", NULL };

  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (top, TRUE, NULL);

      g_print ("%s", help);
      return CLI_EXIT_OK;
    }
  command = find_command (argv[1]);
  if (command == NULL)
    return CLI_EXIT_USAGE;
  help_argv[0] = argv[1];
  return command->run (2, help_argv);
}

static int
print_version (void)
{
  g_print ("tocsin %s (plugin ABI %d.%d)\n", tocsin_get_version (), TOCSIN_PLUGIN_ABI_MAJOR,
           TOCSIN_PLUGIN_ABI_MINOR);
  return CLI_EXIT_OK;
}

/* A standard descriptor the caller closed would be taken by the next file opened (the spool, a
 * plugin's file), and what is meant for it would land there: each closed one is pointed at
 * /dev/null. Returns whether standard output was closed, which finish_output() reports. */
static gboolean
guard_standard_fds (void)
{
  gboolean stdout_closed = FALSE;

  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
    if (fcntl (fd, F_GETFD) == -1 && errno == EBADF)
      {
        /* The lowest free descriptor: @fd itself. */
        int null = open ("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
        if (null >= 0 && null != fd)
          {
            dup2 (null, fd);
            close (null);
          }
        stdout_closed = stdout_closed || fd == STDOUT_FILENO;
      }
  return stdout_closed;
}

/* A script reads the results on standard output: if they could not all be written, a status
 * that says "delivered" would be a lie it cannot detect. */
static int
finish_output (int status, gboolean stdout_closed)
{
  int flushed = fflush (stdout), saved_errno = errno;

  if (!stdout_closed && flushed == 0 && !ferror (stdout))
    return status;
  cli_error ("cannot write the results to standard output (%s); the alerts may have been "
             "delivered all the same",
             stdout_closed ? "it is closed" : flushed != 0 ? g_strerror (saved_errno) : "a write failed");
  return CLI_EXIT_OUTPUT;
}

int
main (int argc, char **argv)
{
  gboolean stdout_closed = guard_standard_fds ();
  gboolean version = FALSE;
  const GOptionEntry entries[] = {
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  const CliCommand *command;

  setlocale (LC_ALL, "");
  context = cli_context_new (NULL, "COMMAND [OPTION…]", TOP_SUMMARY, TOP_DESCRIPTION, entries);
  /* Stop at the command: its options belong to it. */
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      cli_error ("%s. Run 'tocsin --help' for the options", error->message);
      return CLI_EXIT_USAGE;
    }
  if (version)
    return print_version ();
  if (argc < 2)
    {
      cli_error ("no command given: use send, check, plugins or spool. Run 'tocsin --help'");
      return CLI_EXIT_USAGE;
    }
  if (g_strcmp0 (argv[1], "help") == 0)
    return run_help (context, argc - 1, argv + 1);
  command = find_command (argv[1]);
  if (command == NULL)
    return CLI_EXIT_USAGE;
  /* A reader that went away (`tocsin send --batch big | head`) is a write error to report, not a
   * signal that kills the process midway. */
  signal (SIGPIPE, SIG_IGN);
  return finish_output (command->run (argc - 1, argv + 1), stdout_closed);
}
