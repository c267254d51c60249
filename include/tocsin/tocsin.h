/* tocsin.h: the one header an application includes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define __TOCSIN_H_INSIDE__

#include <tocsin/tocsin-macros.h>
#include <tocsin/tocsin-version.h>
#include <tocsin/tocsin-error.h>
#include <tocsin/tocsin-level.h>
#include <tocsin/tocsin-alert.h>
#include <tocsin/tocsin-result.h>
#include <tocsin/tocsin-clock.h>
#include <tocsin/tocsin-throttle.h>
#include <tocsin/tocsin-redact.h>
#include <tocsin/tocsin-channel.h>
#include <tocsin/tocsin-channel-spec.h>
#include <tocsin/tocsin-config.h>
#include <tocsin/tocsin-stats.h>
#include <tocsin/tocsin-manager.h>
#include <tocsin/tocsin-registry.h>
#include <tocsin/tocsin-spool.h>

#undef __TOCSIN_H_INSIDE__
