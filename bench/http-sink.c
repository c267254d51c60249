/* http-sink.c: see http-sink.h. Keep-alive, Content-Length bodies, no chunked uploads (neither
 * libcurl nor tocsin sends them for a known body).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http-sink.h"

#include "tcp-sink.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct _HttpSink {
  TcpSink *tcp;
  guint64 requests;    /* (atomic) */
};

static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";

/* Returns the Content-Length of the request head in buf[0, head_len). */
static gsize
content_length (const char *buf, gsize head_len)
{
  const char *p = buf;

  while (p < buf + head_len)
    {
      const char *eol = memchr (p, '\n', buf + head_len - p);
      if (eol == NULL)
        break;
      if (eol - p > 15 && strncasecmp (p, "Content-Length:", 15) == 0)
        return strtoul (p + 15, NULL, 10);
      p = eol + 1;
    }
  return 0;
}

/* Answers the requests on @fd until the client hangs up or the sink stops (TcpSinkServe). */
static void
serve (int fd, gpointer user_data)
{
  HttpSink *sink = user_data;
  gsize cap = 256 * 1024, len = 0;
  char *buf = g_malloc (cap);

  for (;;)
    {
      char *end = len >= 4 ? g_strstr_len (buf, len, "\r\n\r\n") : NULL;
      if (end != NULL)
        {
          gsize head = end + 4 - buf, need = head + content_length (buf, head);
          if (len >= need)
            {
              if (write (fd, reply, sizeof reply - 1) != (ssize_t) sizeof reply - 1)
                break;
              __atomic_fetch_add (&sink->requests, 1, __ATOMIC_RELAXED);
              memmove (buf, buf + need, len - need);
              len -= need;
              continue;
            }
          if (need > cap)
            buf = g_realloc (buf, cap = need);
        }
      if (len == cap)
        buf = g_realloc (buf, cap *= 2);
      ssize_t n = read (fd, buf + len, cap - len);
      if (n <= 0)
        break;
      len += (gsize) n;
    }
  g_free (buf);
}

HttpSink *
http_sink_start (void)
{
  HttpSink *sink = g_new0 (HttpSink, 1);

  sink->tcp = tcp_sink_start ("http", serve, sink);
  return sink;
}

guint16
http_sink_get_port (HttpSink *sink)
{
  return tcp_sink_get_port (sink->tcp);
}

guint64
http_sink_get_requests (HttpSink *sink)
{
  return __atomic_load_n (&sink->requests, __ATOMIC_RELAXED);
}

guint
http_sink_get_connections (HttpSink *sink)
{
  return tcp_sink_get_connections (sink->tcp);
}

void
http_sink_stop (HttpSink *sink)
{
  /* Joins the connection threads, the only other users of @sink. */
  tcp_sink_stop (sink->tcp);
  g_free (sink);
}
