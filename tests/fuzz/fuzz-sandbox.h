/* fuzz-sandbox.h: keeps the fuzzers' credential files inside a sandbox folder.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* The sandbox folder (absolute, without symbolic links); the fuzzer sets it at start-up. */
extern char *fuzz_sandbox;

/* open() for the code under test (linked with ld --wrap=open). The credential reader is the only
 * caller that opens with O_NONBLOCK: such an open of a path outside the sandbox fails with
 * EACCES, so a fuzzed path="..." can never read a file of the machine. Other opens (libFuzzer's
 * corpus, GLib) pass through. */
int __wrap_open (const char *path, int flags, ...);
int __real_open (const char *path, int flags, ...);
