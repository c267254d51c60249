/* tocsin-macros.h: export and availability macros shared by every public header.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__TOCSIN_H_INSIDE__) && !defined(TOCSIN_COMPILATION) && !defined(__TOCSIN_PLUGIN_H_INSIDE__)
#error "Only <tocsin/tocsin.h> or <tocsin/tocsin-plugin.h> can be included directly."
#endif

#include <glib.h>

/* The core is built with hidden visibility; only what carries TOCSIN_API is exported, and the
 * linker version script (core/tocsin.map) pins each exported name to its TOCSIN_x.y node. */
#if defined(TOCSIN_COMPILATION)
#define TOCSIN_API __attribute__ ((visibility ("default"))) extern
#else
#define TOCSIN_API extern
#endif

/* Every symbol of the first release. Later releases add TOCSIN_AVAILABLE_IN_1_1 and so on. */
#define TOCSIN_AVAILABLE_IN_1_0 TOCSIN_API
