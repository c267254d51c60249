/* tocsin-setting.h: how a channel or transport class declares the settings it accepts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <tocsin/tocsin-macros.h>

G_BEGIN_DECLS

/* Setting types (values of TocsinSettingSpec.type). The core checks the text of each setting
 * against its type at load time and reports a mismatch with file:line. */
#define TOCSIN_SETTING_STRING  1u  /* any text */
#define TOCSIN_SETTING_INT     2u  /* a decimal integer */
#define TOCSIN_SETTING_BOOLEAN 3u  /* true|false|yes|no|on|off|1|0 */
#define TOCSIN_SETTING_DOUBLE  4u  /* a decimal number */
#define TOCSIN_SETTING_PATH    5u  /* a file name; relative ones are relative to the config file */
#define TOCSIN_SETTING_CHOICE  6u  /* one of TocsinSettingSpec.choices */
#define TOCSIN_SETTING_ELEMENT 7u  /* a nested element whose children the plugin reads itself */

/* Setting flags (bits of TocsinSettingSpec.flags). */
#define TOCSIN_SETTING_REQUIRED   (1u << 0) /* absent: configuration error */
#define TOCSIN_SETTING_REPEATABLE (1u << 1) /* may appear more than once */
#define TOCSIN_SETTING_SECRET     (1u << 2) /* should come from a credential; literal text is warned about */

/**
 * TocsinSettingSpec:
 * One accepted setting: a child element of <channel> (or <transport>) named @name. A class
 * points to an array of these ended by an entry whose @name is %NULL.
 *
 * The structure is used in arrays, so its size can never change: new fields take @reserved slots.
 */
typedef struct {
  const char *name;
  guint32 type;                   /* TOCSIN_SETTING_STRING ... */
  guint32 flags;                  /* TOCSIN_SETTING_REQUIRED | ... */
  const char *default_value;      /* text used when absent (nullable) */
  const char *description;        /* one line; quoted when a required setting is missing (nullable) */
  const char *const *choices;     /* NULL-terminated, for TOCSIN_SETTING_CHOICE */
  const char *const *attributes;  /* NULL-terminated attribute names allowed besides credential= */
  gpointer reserved[4];           /* must be NULL */
} TocsinSettingSpec;

G_END_DECLS
