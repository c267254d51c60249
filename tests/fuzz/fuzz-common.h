/* fuzz-common.h: what the fuzzers share: failing checks, a log writer that turns a critical
 * into a crash, and reading NUL-separated fields from an input.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* Aborts with the file, line and text of a failed condition: libFuzzer saves the input. */
#define CHECK(cond) \
  G_STMT_START { if (!(cond)) fuzz_check_failed (__FILE__, __LINE__, #cond); } G_STMT_END

G_NORETURN void fuzz_check_failed (const char *file, int line, const char *what);

/* (nullable) Called before the abort of a failed check, to print what the fuzzer was at. */
extern void (*fuzz_failure_context) (void);

/* TRUE (and the process aborts) for an error or a critical: a failed g_return_if_fail() is a
 * bug. For the fuzzers' own log writers, which then look at what else was logged. */
gboolean fuzz_abort_on_critical (GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                                 gpointer user_data);

/* A log writer that only does fuzz_abort_on_critical(). */
GLogWriterOutput fuzz_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                                  gpointer user_data);

typedef struct {
  const guint8 *p;
  gsize left;
} FuzzReader;

/* (transfer full) The bytes up to the next NUL or the end of the input ("" once it is read). */
char *fuzz_next_field (FuzzReader *r);
