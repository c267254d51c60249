/* testutil.h: helpers shared by the test executables.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tocsin/tocsin.h>

G_BEGIN_DECLS

/* g_test_init() plus: warnings are not fatal (the library logs warnings on purpose, e.g. when it
 * clamps a value), and a log writer that can capture everything logged (see tt_log_capture_*). */
void tt_init (int *argc, char ***argv);

/* A fresh temporary directory (transfer full); tt_rm_rf() removes it and its contents. */
char *tt_make_tmpdir (void);
void tt_rm_rf (const char *path);

/* Writes @contents to @dir/@name and returns the path (transfer full). */
char *tt_write_file (const char *dir, const char *name, const char *contents);

/* Starts capturing every log message of every level (debug included) of this process; each becomes
 * a line "LEVEL [CHANNEL] message" in the buffer returned (transfer full) by tt_log_capture_stop().
 * While capturing, messages are not printed. Thread-safe. */
void tt_log_capture_start (void);
char *tt_log_capture_stop (void);

/* Path to a file in the source tree (transfer full): TOCSIN_SOURCE_DIR/@relpath */
char *tt_source_path (const char *relpath);
/* Path to a file in the build tree (transfer full): TOCSIN_BUILD_DIR/@relpath */
char *tt_build_path (const char *relpath);

G_END_DECLS
