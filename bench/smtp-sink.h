/* smtp-sink.h: a small, fast ESMTP server on loopback that accepts every message and counts
 * messages, message bytes and connections. No TLS, no AUTH. For benchmarks only.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

typedef struct _SmtpSink SmtpSink;

/* Starts listening on 127.0.0.1 (random port) with one thread per connection.
 * Returns: (transfer full): the sink, to be freed with smtp_sink_stop(). */
SmtpSink *smtp_sink_start (void);
guint16 smtp_sink_get_port (SmtpSink *sink);
/* Messages accepted (250 after the end of DATA). */
guint64 smtp_sink_get_messages (SmtpSink *sink);
/* Bytes of the accepted messages' content, after undoing dot-stuffing, without the final ".". */
guint64 smtp_sink_get_bytes (SmtpSink *sink);
guint smtp_sink_get_connections (SmtpSink *sink);
/* Closes every connection, joins every thread and frees @sink (transfer full). */
void smtp_sink_stop (SmtpSink *sink);
