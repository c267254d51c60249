/* tcp-sink.c: see tcp-sink.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tcp-sink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

struct _TcpSink {
  int listener;
  guint16 port;
  TcpSinkServe serve;
  gpointer user_data;
  char *accept_name;   /* thread names, kept for the sink's lifetime */
  char *conn_name;
  GThread *acceptor;
  gint connections;    /* (atomic) */
  gint stopping;       /* (atomic) */
  GMutex lock;
  GPtrArray *threads;  /* connection threads, joined at stop */
  GArray *fds;         /* their sockets, shut down at stop */
};

/* What a connection thread is started with; owned by that thread. */
typedef struct {
  TcpSink *sink;
  int fd;
} Connection;

static gpointer
connection_thread (gpointer data)
{
  Connection *conn = data;

  conn->sink->serve (conn->fd, conn->sink->user_data);
  /* The fd is closed by tcp_sink_stop(), after the join: closing it here would let its number
   * be reused while stop still shuts it down. */
  g_free (conn);
  return NULL;
}

static void
add_connection (TcpSink *sink, int fd)
{
  int one = 1;
  Connection *conn = g_new (Connection, 1);

  /* As libcurl does on its side by default: no reply may wait for the ACK of an earlier one
   * (Nagle's algorithm), which would measure the delayed-ACK timer instead of the client. */
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  g_atomic_int_inc (&sink->connections);
  conn->sink = sink;
  conn->fd = fd;
  g_mutex_lock (&sink->lock);
  g_array_append_val (sink->fds, fd);
  g_ptr_array_add (sink->threads, g_thread_new (sink->conn_name, connection_thread, conn));
  g_mutex_unlock (&sink->lock);
}

static gpointer
accept_loop (gpointer data)
{
  TcpSink *sink = data;

  for (;;)
    {
      int fd = accept (sink->listener, NULL, NULL);

      if (fd < 0)
        {
          /* A client that gave up before its connection was accepted must not end the loop. */
          if (errno == EINTR || errno == ECONNABORTED)
            continue;
          break; /* the listener was shut down by tcp_sink_stop() */
        }
      if (g_atomic_int_get (&sink->stopping))
        {
          close (fd);
          break;
        }
      add_connection (sink, fd);
    }
  return NULL;
}

TcpSink *
tcp_sink_start (const char *name, TcpSinkServe serve, gpointer user_data)
{
  TcpSink *sink = g_new0 (TcpSink, 1);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t addr_len = sizeof addr;

  sink->listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sink->listener < 0 || bind (sink->listener, (struct sockaddr *) &addr, sizeof addr) < 0 ||
      listen (sink->listener, 64) < 0 ||
      getsockname (sink->listener, (struct sockaddr *) &addr, &addr_len) < 0)
    g_error ("%s sink: cannot listen on 127.0.0.1: %s", name, g_strerror (errno));
  sink->port = ntohs (addr.sin_port);
  sink->serve = serve;
  sink->user_data = user_data;
  sink->accept_name = g_strdup_printf ("%s-sink-accept", name);
  sink->conn_name = g_strdup_printf ("%s-sink-conn", name);
  g_mutex_init (&sink->lock);
  sink->threads = g_ptr_array_new ();
  sink->fds = g_array_new (FALSE, FALSE, sizeof (int));
  sink->acceptor = g_thread_new (sink->accept_name, accept_loop, sink);
  return sink;
}

guint16
tcp_sink_get_port (TcpSink *sink)
{
  return sink->port;
}

guint
tcp_sink_get_connections (TcpSink *sink)
{
  return (guint) g_atomic_int_get (&sink->connections);
}

void
tcp_sink_stop (TcpSink *sink)
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
  g_free (sink->accept_name);
  g_free (sink->conn_name);
  g_free (sink);
}
