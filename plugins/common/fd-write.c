/* fd-write.c: see fd-write.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fd-write.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

/* Waits until @fd will take more bytes, or until @deadline (g_get_monotonic_time(); -1 for
 * ever). Returns 0 or an errno value. POLLERR and POLLHUP count as ready: the write that
 * follows reports them with their own errno (EPIPE...). */
static int
wait_writable (int fd, gint64 deadline)
{
  for (;;)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLOUT };
      int timeout_ms = -1;
      int ready;

      if (deadline >= 0)
        {
          gint64 left = deadline - g_get_monotonic_time ();

          if (left <= 0)
            return ETIMEDOUT;
          timeout_ms = (int) MIN ((left + 999) / 1000, (gint64) G_MAXINT);
        }
      ready = poll (&pfd, 1, timeout_ms);
      if (ready > 0)
        return 0;
      if (ready < 0 && errno != EINTR)
        return errno;
      /* A timeout or a signal: the deadline check above decides. */
    }
}

/* Whether a write to @fd must be paced to keep a timeout: a blocking fd that is not a file on
 * a disk (a pipe, FIFO, terminal or socket), where one write() of more than the room left
 * waits for the reader without any limit. Such an fd is not ours to make non-blocking: the
 * flag belongs to an open file description that stdout, say, shares with the whole process
 * (and often with the parent shell). */
static gboolean
needs_pacing (int fd)
{
  struct stat st;
  int flags = fcntl (fd, F_GETFL);

  if (flags < 0 || (flags & O_NONBLOCK) != 0 || fstat (fd, &st) < 0)
    return FALSE;
  return !S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode);
}

/* Writes all @length bytes of @data to @fd, retrying after EINTR and waiting (up to
 * @timeout_ms in all, -1 for ever) while the fd will not take more: a full pipe, or an fd
 * somebody made non-blocking. Returns 0 or an errno value (ETIMEDOUT when the time is up).
 * When @written is not %NULL, the number of bytes that did get through is added to it, so a
 * caller can tell a torn write from none.
 *
 * A blocking pipe or terminal is written in pieces of PIPE_BUF bytes, each after poll() said
 * the fd is writable: on Linux POLLOUT on a pipe means a free buffer page, room for PIPE_BUF
 * bytes, so no piece blocks (unless another writer of the same pipe fills it in between).
 * Writing more at once would block until the reader took it all, past any timeout.
 *
 * A write to a closed pipe returns EPIPE without killing the process only because plugin
 * sends run on the core's worker threads, which block SIGPIPE (tocsin-channel-class.h). */
int
priv_tocsin_fd_write_all (int fd, const char *data, gsize length, int timeout_ms,
                          gsize *written)
{
  gint64 deadline = timeout_ms < 0 ? -1
                                   : g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean paced = timeout_ms >= 0 && needs_pacing (fd);

  while (length > 0)
    {
      int err = paced ? wait_writable (fd, deadline) : 0;
      gssize n;

      if (err != 0)
        return err;
      n = write (fd, data, paced ? MIN (length, (gsize) PIPE_BUF) : length);
      if (n > 0)
        {
          data += n;
          length -= (gsize) n;
          if (written != NULL)
            *written += (gsize) n;
          continue;
        }
      if (n == 0)
        return EIO;
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        return errno;
      err = wait_writable (fd, deadline);
      if (err != 0)
        return err;
    }
  return 0;
}

/* The channel's timeout (seconds, as tocsin_plugin_context_get_timeout() gives it) as a poll()
 * timeout for priv_tocsin_fd_write_all(): -1 (no limit) when there is none, and capped so
 * that a huge timeout cannot overflow the int. */
int
priv_tocsin_fd_timeout_ms (double timeout_seconds)
{
  return timeout_seconds > 0 ? (int) MIN (timeout_seconds * 1000.0, (double) G_MAXINT) : -1;
}
