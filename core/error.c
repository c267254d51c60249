/* error.c: the TOCSIN_ERROR domain.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tocsin/tocsin.h>

G_DEFINE_QUARK (tocsin-error-quark, tocsin_error)
