/* fd-write.c: see fd-write.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fd-write.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

/* Writes all @length bytes of @data to @fd, retrying after EINTR and waiting (up to
 * @timeout_ms, -1 for ever) while the fd will not take more: a full pipe, or an fd somebody
 * made non-blocking. Returns 0 or an errno value. When @written is not %NULL, the number of
 * bytes that did get through is added to it, so a caller can tell a torn write from none.
 *
 * A write to a closed pipe returns EPIPE without killing the process only because plugin
 * sends run on the core's worker threads, which block SIGPIPE (tocsin-channel-class.h). */
int
priv_tocsin_fd_write_all (int fd, const char *data, gsize length, int timeout_ms,
                          gsize *written)
{
  while (length > 0)
    {
      gssize n = write (fd, data, length);

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
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        {
          struct pollfd pfd = { .fd = fd, .events = POLLOUT };
          int ready = poll (&pfd, 1, timeout_ms);

          if (ready > 0 || (ready < 0 && errno == EINTR))
            continue;
          return ready == 0 ? ETIMEDOUT : errno;
        }
      return errno;
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
