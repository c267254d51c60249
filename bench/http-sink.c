/* http-sink.c: see http-sink.h. Keep-alive, Content-Length bodies, no chunked uploads (neither
 * libcurl nor tocsin sends them for a known body).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http-sink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

struct _HttpSink {
  int listener;
  guint16 port;
  GThread *acceptor;
  guint64 requests;    /* (atomic) */
  gint connections;    /* (atomic) */
  gint stopping;       /* (atomic) */
  GMutex lock;
  GPtrArray *threads;  /* connection threads, joined at stop */
  GArray *fds;         /* their sockets, shut down at stop */
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

static gpointer
serve (gpointer data)
{
  HttpSink *sink = ((gpointer *) data)[0];
  int fd = GPOINTER_TO_INT (((gpointer *) data)[1]);
  gsize cap = 256 * 1024, len = 0;
  char *buf = g_malloc (cap);

  g_free (data);
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
  /* The fd is closed by http_sink_stop(), after the join: closing it here would let its number
   * be reused while stop still shuts it down. */
  return NULL;
}

static gpointer
accept_loop (gpointer data)
{
  HttpSink *sink = data;

  for (;;)
    {
      int fd = accept (sink->listener, NULL, NULL);
      int one = 1;
      gpointer *args;

      if (fd < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (g_atomic_int_get (&sink->stopping))
        {
          close (fd);
          break;
        }
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      g_atomic_int_inc (&sink->connections);
      args = g_new (gpointer, 2);
      args[0] = sink;
      args[1] = GINT_TO_POINTER (fd);
      g_mutex_lock (&sink->lock);
      g_array_append_val (sink->fds, fd);
      g_ptr_array_add (sink->threads, g_thread_new ("sink-conn", serve, args));
      g_mutex_unlock (&sink->lock);
    }
  return NULL;
}

HttpSink *
http_sink_start (void)
{
  HttpSink *sink = g_new0 (HttpSink, 1);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t addr_len = sizeof addr;

  sink->listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sink->listener < 0 || bind (sink->listener, (struct sockaddr *) &addr, sizeof addr) < 0 ||
      listen (sink->listener, 64) < 0 ||
      getsockname (sink->listener, (struct sockaddr *) &addr, &addr_len) < 0)
    g_error ("http sink: cannot listen on 127.0.0.1: %s", g_strerror (errno));
  sink->port = ntohs (addr.sin_port);
  g_mutex_init (&sink->lock);
  sink->threads = g_ptr_array_new ();
  sink->fds = g_array_new (FALSE, FALSE, sizeof (int));
  sink->acceptor = g_thread_new ("sink-accept", accept_loop, sink);
  return sink;
}

guint16
http_sink_get_port (HttpSink *sink)
{
  return sink->port;
}

guint64
http_sink_get_requests (HttpSink *sink)
{
  return __atomic_load_n (&sink->requests, __ATOMIC_RELAXED);
}

guint
http_sink_get_connections (HttpSink *sink)
{
  return (guint) g_atomic_int_get (&sink->connections);
}

void
http_sink_stop (HttpSink *sink)
{
  g_atomic_int_set (&sink->stopping, 1);
  shutdown (sink->listener, SHUT_RDWR);
  g_thread_join (sink->acceptor);
  close (sink->listener);
  g_mutex_lock (&sink->lock);
  for (guint i = 0; i < sink->fds->len; i++)
    shutdown (g_array_index (sink->fds, int, i), SHUT_RDWR);
  g_mutex_unlock (&sink->lock);
  for (guint i = 0; i < sink->threads->len; i++)
    g_thread_join (sink->threads->pdata[i]);
  for (guint i = 0; i < sink->fds->len; i++)
    close (g_array_index (sink->fds, int, i));
  g_ptr_array_unref (sink->threads);
  g_array_unref (sink->fds);
  g_mutex_clear (&sink->lock);
  g_free (sink);
}
