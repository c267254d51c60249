/* http-sink.h: a small, fast HTTP/1.1 server on loopback that answers every request with
 * "200 ok" and counts requests and connections. For benchmarks only.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

typedef struct _HttpSink HttpSink;

/* Starts listening on 127.0.0.1 (random port) with one thread per connection. */
HttpSink *http_sink_start (void);
guint16 http_sink_get_port (HttpSink *sink);
guint64 http_sink_get_requests (HttpSink *sink);
guint http_sink_get_connections (HttpSink *sink);
void http_sink_stop (HttpSink *sink);
