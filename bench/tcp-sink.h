/* tcp-sink.h: the loopback TCP server under the benchmark sinks (http-sink.c, smtp-sink.c).
 * It listens on 127.0.0.1 (random port), serves every accepted connection in a thread of its
 * own and counts connections; the protocol is the caller's. For benchmarks only.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

typedef struct _TcpSink TcpSink;

/* Serves one connection on @fd (TCP_NODELAY set) until the peer hangs up or tcp_sink_stop()
 * shuts the socket down. Runs in the connection's own thread. Must not close @fd: the sink closes
 * it after joining the thread, so that its number cannot be reused while stop still shuts it
 * down. */
typedef void (*TcpSinkServe) (int fd, gpointer user_data);

/* Starts listening on 127.0.0.1 (random port); aborts if it cannot. @name ("http", "smtp")
 * prefixes the error message and the thread names. @user_data (transfer none) is passed to
 * @serve and must outlive the sink.
 * Returns: (transfer full): the sink, to be freed with tcp_sink_stop(). */
TcpSink *tcp_sink_start (const char *name, TcpSinkServe serve, gpointer user_data);
guint16 tcp_sink_get_port (TcpSink *sink);
/* Connections accepted so far. */
guint tcp_sink_get_connections (TcpSink *sink);
/* Stops accepting, shuts every connection down, joins every thread, closes the sockets and
 * frees @sink (transfer full). No @serve runs any more once it returns. */
void tcp_sink_stop (TcpSink *sink);
