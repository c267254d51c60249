/* fuzz-config.c: libFuzzer target for the XML config loader (config.c and what it calls:
 * the RelaxNG schema, the rule tables, credentials, config nodes, channel specs, throttles).
 *
 * Input: a config document, given as is to tocsin_config_new_from_data() with a sandbox folder as
 * the base for relative paths.
 *
 * Checked, besides the sanitizers: exactly one of a config and an error comes back; an error is
 * TOCSIN_ERROR with a valid UTF-8 message starting "<data>:LINE: "; no error or log message
 * contains a credential's value; nothing logs a critical.
 *
 * Side effects are fenced in: credential files are opened through a wrapper of open()
 * (fuzz-sandbox.c, linked with ld --wrap) that refuses anything outside the sandbox, so an
 * input naming /proc/kmsg or a large file cannot block or slow the fuzzer. <credential
 * type="env"> reads the process environment, where the TOCSIN_FUZZ_* variables set below are the
 * only values the fuzzer can learn to name; values only ever land in memory. The loader itself
 * refuses any DOCTYPE and never uses the network.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE /* memmem */
#include <tocsin/tocsin.h>

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"

#include "fuzz-sandbox.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* Every secret value starts with this; XML cannot carry U+0001 (not even as &#1;), so a message
 * holding it took it from a credential's value, not from the document. */
#define SECRET_MARK "fz\001"




/* The config loader warns about clamped values: dropped, once checked for secrets. A critical
 * (a failed g_return_if_fail) is a bug, so it aborts. */
static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  fuzz_abort_on_critical (level, fields, n_fields, user_data);
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
      CHECK (strstr (fields[i].value, SECRET_MARK) == NULL);
  return G_LOG_WRITER_HANDLED;
}

/* The sandbox: a folder next to the fuzzer's executable, (re)made at each start. A fixed place,
 * rather than a temporary folder, leaves nothing behind when a run ends in a crash, and
 * parallel runs (-fork, -jobs) share it safely: each file is rewritten atomically with the same
 * contents. Returns its real path (transfer full). */
static char *
make_sandbox (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = NULL;
  char *real;

  if (exe == NULL)
    g_error ("cannot find the fuzzer's executable");
  dir = g_strconcat (exe, "-sandbox", NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0 || (real = realpath (dir, NULL)) == NULL)
    g_error ("cannot create %s", dir);
  return real;
}

static void
add_file (const char *name, const char *contents, int mode)
{
  g_autofree char *path = g_build_filename (fuzz_sandbox, name, NULL);

  if (!g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_NONE, mode, NULL))
    g_error ("cannot write %s", path);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_log_set_writer_func (log_writer, NULL, NULL);
  fuzz_sandbox = make_sandbox ();
  add_file ("token", SECRET_MARK "file-token\n", 0600);
  add_file ("world", SECRET_MARK "world-readable\n", 0644);
  add_file ("crlf", SECRET_MARK "crlf\r\n\r\n", 0600);
  g_setenv ("TOCSIN_FUZZ_TOKEN", SECRET_MARK "env-token", TRUE);
  g_setenv ("TOCSIN_FUZZ_UTF8", SECRET_MARK "p\303\244ssw\303\266rd \342\234\223", TRUE);
  g_setenv ("TOCSIN_FUZZ_EMPTY", "", TRUE);
  return 0;
}

static void
check_error (const GError *error, const guint8 *data, size_t size)
{
  CHECK (error != NULL);
  CHECK (error->domain == TOCSIN_ERROR);
  CHECK (error->message != NULL && g_utf8_validate (error->message, -1, NULL));
  CHECK (g_str_has_prefix (error->message, "<data>:"));
  if (memmem (data, size, SECRET_MARK, strlen (SECRET_MARK)) == NULL)
    CHECK (strstr (error->message, SECRET_MARK) == NULL);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TocsinConfig) config = NULL;

  /* The length is an int for libxml2; a config is a few KiB and libFuzzer's inputs stay small. */
  if (size > G_MAXINT / 2)
    return 0;
  config = tocsin_config_new_from_data ((const char *) data, (gssize) size, fuzz_sandbox, &error);
  if (config == NULL)
    {
      check_error (error, data, size);
      return 0;
    }
  CHECK (error == NULL);
  CHECK (tocsin_config_get_path (config) == NULL);
  (void) tocsin_config_get_n_channels (config);
  return 0;
}
