/* tocsin-error.h: the TOCSIN_ERROR domain.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-macros.h>

G_BEGIN_DECLS

/**
 * TOCSIN_ERROR:
 * The error domain of every GError the library and its plugins report. Callers must treat a code
 * they do not know as %TOCSIN_ERROR_FAILED: later releases may add codes, never renumber them.
 */
#define TOCSIN_ERROR (tocsin_error_quark ())

typedef enum {
  TOCSIN_ERROR_FAILED = 0,           /* anything not covered below */
  TOCSIN_ERROR_INVALID_ARGUMENT,     /* a value given through the API is out of its domain */
  TOCSIN_ERROR_INVALID_LEVEL,        /* a level name that is not info|success|warning|critical */
  TOCSIN_ERROR_CONFIG_NOT_FOUND,     /* no config file where one was looked for */
  TOCSIN_ERROR_CONFIG_PARSE,         /* the file is not well-formed XML */
  TOCSIN_ERROR_CONFIG_INVALID,       /* well-formed, but not what the schema or a rule allows */
  TOCSIN_ERROR_DUPLICATE_KEY,        /* two channels share a key or alias */
  TOCSIN_ERROR_UNKNOWN_TYPE,         /* no loaded plugin provides a channel type */
  TOCSIN_ERROR_UNKNOWN_SETTING,      /* a setting the channel type does not declare */
  TOCSIN_ERROR_MISSING_SETTING,      /* a required setting is absent */
  TOCSIN_ERROR_INVALID_VALUE,        /* a setting's text is not of its declared type */
  TOCSIN_ERROR_CREDENTIAL,           /* a credential is undefined or cannot be read */
  TOCSIN_ERROR_PLUGIN_NOT_FOUND,     /* no <name>.so on the search path */
  TOCSIN_ERROR_PLUGIN_OPEN,          /* dlopen() failed; the message carries dlerror() */
  TOCSIN_ERROR_PLUGIN_NOT_A_PLUGIN,  /* no tocsin_plugin_get_descriptor symbol */
  TOCSIN_ERROR_PLUGIN_ABI_MISMATCH,  /* built for another plugin ABI major */
  TOCSIN_ERROR_PLUGIN_ABI_TOO_NEW,   /* built for a newer plugin ABI minor than this core has */
  TOCSIN_ERROR_PLUGIN_INVALID,       /* descriptor or class malformed, too small, or a method missing */
  TOCSIN_ERROR_PLUGIN_DUPLICATE_TYPE,/* a type name already provided by another plugin file */
  TOCSIN_ERROR_PLUGIN_INSECURE,      /* plugin file or directory writable by other users */
  TOCSIN_ERROR_THROTTLED,            /* a throttle had no token in time */
  TOCSIN_ERROR_TIMEOUT,              /* a delivery or wait ran past its deadline */
  TOCSIN_ERROR_DELIVERY,             /* a channel could not deliver an alert */
  TOCSIN_ERROR_UNKNOWN_CHANNEL,      /* a target names no channel */
  TOCSIN_ERROR_CLOSED,               /* the manager is shutting down and accepts nothing more */
  TOCSIN_ERROR_IO,                   /* a file could not be read or written */
} TocsinError;

TOCSIN_AVAILABLE_IN_1_0
GQuark tocsin_error_quark (void);

G_END_DECLS
