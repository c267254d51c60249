/* smtp-sink.c: see smtp-sink.h. Speaks the part of ESMTP (RFC 5321) that a client without TLS
 * or AUTH uses: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, with PIPELINING, 8BITMIME and
 * SIZE advertised. Replies are gathered and written once per batch of input, so pipelined
 * commands that arrive in one read get their replies in one write.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "smtp-sink.h"

#include "tcp-sink.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SIZE 52428800 /* advertised with SIZE and enforced on MAIL's SIZE= parameter */
#define IN_CAP (64 * 1024)  /* also the longest command line accepted */
#define OUT_CAP 4096

struct _SmtpSink {
  TcpSink *tcp;
  guint64 messages;    /* (atomic) */
  guint64 bytes;       /* (atomic) */
};

/* One connection's state; owned by its thread. */
typedef struct {
  SmtpSink *sink;
  int fd;
  gsize pos, len;      /* unconsumed input is in[pos, len) */
  gsize out_len;
  gboolean failed;     /* the peer is gone (a write failed) */
  gboolean quit;
  gboolean have_mail, have_rcpt;
  gboolean in_data;
  gboolean at_bol;     /* in DATA: the next input byte starts a line */
  guint64 message_bytes;
  char in[IN_CAP];
  char out[OUT_CAP];
} Session;

static const char greeting[] = "220 sink.localhost ESMTP tocsin bench sink\r\n";
static const char ehlo_reply[] =
  "250-sink.localhost\r\n"
  "250-PIPELINING\r\n"
  "250-8BITMIME\r\n"
  "250 SIZE " G_STRINGIFY (MAX_SIZE) "\r\n";

static void
flush (Session *s)
{
  gsize done = 0;

  while (done < s->out_len && !s->failed)
    {
      /* MSG_NOSIGNAL: a client that hung up must end this thread, not the process (SIGPIPE). */
      ssize_t n = send (s->fd, s->out + done, s->out_len - done, MSG_NOSIGNAL);
      if (n > 0)
        done += (gsize) n;
      else if (n < 0 && errno == EINTR)
        continue;
      else
        s->failed = TRUE;
    }
  s->out_len = 0;
}

static void
reply (Session *s, const char *text, gsize len)
{
  if (s->out_len + len > OUT_CAP)
    flush (s);
  memcpy (s->out + s->out_len, text, len);
  s->out_len += len;
}

#define REPLY(s, literal) reply ((s), literal, sizeof literal - 1)

static void
reset_transaction (Session *s)
{
  s->have_mail = s->have_rcpt = FALSE;
}

/* TRUE if @line (of @len bytes, no CRLF) is the verb @verb alone or followed by a space. */
static gboolean
is_verb (const char *line, gsize len, const char *verb)
{
  gsize n = strlen (verb);

  return len >= n && g_ascii_strncasecmp (line, verb, n) == 0 && (len == n || line[n] == ' ');
}

/* TRUE if @line begins with @prefix, ignoring case. */
static gboolean
has_prefix (const char *line, gsize len, const char *prefix)
{
  gsize n = strlen (prefix);

  return len >= n && g_ascii_strncasecmp (line, prefix, n) == 0;
}

/* The value of a SIZE= parameter in the MAIL command @line, or 0 if there is none. */
static guint64
size_parameter (const char *line, gsize len)
{
  for (gsize i = 0; i + 6 <= len; i++)
    if (line[i] == ' ' && g_ascii_strncasecmp (line + i + 1, "SIZE=", 5) == 0)
      return g_ascii_strtoull (line + i + 6, NULL, 10);
  return 0;
}

static void
command_mail (Session *s, const char *line, gsize len)
{
  if (!has_prefix (line, len, "MAIL FROM:"))
    REPLY (s, "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  else if (s->have_mail)
    REPLY (s, "503 5.5.1 Nested MAIL command\r\n");
  else if (size_parameter (line, len) > MAX_SIZE)
    REPLY (s, "552 5.3.4 Message size exceeds fixed limit\r\n");
  else
    {
      s->have_mail = TRUE;
      REPLY (s, "250 2.1.0 OK\r\n");
    }
}

static void
command_rcpt (Session *s, const char *line, gsize len)
{
  if (!has_prefix (line, len, "RCPT TO:"))
    REPLY (s, "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
  else if (!s->have_mail)
    REPLY (s, "503 5.5.1 Need MAIL command\r\n");
  else
    {
      s->have_rcpt = TRUE;
      REPLY (s, "250 2.1.5 OK\r\n");
    }
}

static void
command_data (Session *s)
{
  if (!s->have_rcpt)
    {
      REPLY (s, "503 5.5.1 Need RCPT command\r\n");
      return;
    }
  s->in_data = TRUE;
  s->at_bol = TRUE;
  s->message_bytes = 0;
  REPLY (s, "354 End data with <CR><LF>.<CR><LF>\r\n");
}

/* Handles one command line of @len bytes, without its line ending. */
static void
command (Session *s, const char *line, gsize len)
{
  if (is_verb (line, len, "EHLO"))
    {
      reset_transaction (s);
      REPLY (s, ehlo_reply);
    }
  else if (is_verb (line, len, "HELO"))
    {
      reset_transaction (s);
      REPLY (s, "250 sink.localhost\r\n");
    }
  else if (is_verb (line, len, "MAIL"))
    command_mail (s, line, len);
  else if (is_verb (line, len, "RCPT"))
    command_rcpt (s, line, len);
  else if (is_verb (line, len, "DATA"))
    command_data (s);
  else if (is_verb (line, len, "RSET"))
    {
      reset_transaction (s);
      REPLY (s, "250 2.0.0 OK\r\n");
    }
  else if (is_verb (line, len, "NOOP"))
    REPLY (s, "250 2.0.0 OK\r\n");
  else if (is_verb (line, len, "QUIT"))
    {
      REPLY (s, "221 2.0.0 Bye\r\n");
      s->quit = TRUE;
    }
  else
    REPLY (s, "500 5.5.2 Command unrecognized\r\n");
}

/* Handles the next complete command line; FALSE if the input holds none. */
static gboolean
next_command (Session *s)
{
  char *line = s->in + s->pos;
  char *eol = memchr (line, '\n', s->len - s->pos);
  gsize len;

  if (eol == NULL)
    return FALSE;
  s->pos = eol + 1 - s->in;
  len = eol - line;
  if (len > 0 && line[len - 1] == '\r')
    len--;
  command (s, line, len);
  return TRUE;
}

static void
end_of_data (Session *s)
{
  __atomic_fetch_add (&s->sink->messages, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add (&s->sink->bytes, s->message_bytes, __ATOMIC_RELAXED);
  s->in_data = FALSE;
  reset_transaction (s);
  REPLY (s, "250 2.0.0 OK queued\r\n");
}

/* Consumes message content up to and including the final "." line, whose ending may be bare
 * LF. Lines are not buffered whole, so they may be of any length. Returns TRUE once the message
 * ended, FALSE if more input is needed. */
static gboolean
next_data (Session *s)
{
  while (s->pos < s->len)
    {
      char *p = s->in + s->pos;
      gsize avail = s->len - s->pos, n;
      char *eol;

      if (s->at_bol && p[0] == '.')
        {
          /* Either the final ".\r\n" or a line the client dot-stuffed: wait for enough input
           * to tell them apart. */
          if (avail < 2 || (p[1] == '\r' && avail < 3))
            return FALSE;
          if (p[1] == '\n' || (p[1] == '\r' && p[2] == '\n'))
            {
              s->pos += p[1] == '\n' ? 2 : 3;
              end_of_data (s);
              return TRUE;
            }
          s->pos++; /* undo the stuffing: the rest of the line is content */
          s->at_bol = FALSE;
          continue;
        }
      eol = memchr (p, '\n', avail);
      n = eol != NULL ? (gsize) (eol + 1 - p) : avail;
      s->message_bytes += n;
      s->pos += n;
      s->at_bol = eol != NULL;
    }
  return FALSE;
}

/* Handles everything complete in the input. */
static void
process (Session *s)
{
  while (!s->quit && (s->in_data ? next_data (s) : next_command (s)))
    ;
}

static void
session_run (Session *s)
{
  REPLY (s, greeting);
  for (;;)
    {
      ssize_t n;

      process (s);
      flush (s);
      if (s->quit || s->failed)
        break;
      memmove (s->in, s->in + s->pos, s->len - s->pos);
      s->len -= s->pos;
      s->pos = 0;
      if (s->len == IN_CAP) /* only in command mode: DATA consumes partial lines */
        {
          REPLY (s, "500 5.5.2 Line too long\r\n");
          flush (s);
          break;
        }
      n = read (s->fd, s->in + s->len, IN_CAP - s->len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      s->len += (gsize) n;
    }
  /* Tell the client we are done; the fd itself is closed by tcp_sink_stop(). */
  shutdown (s->fd, SHUT_WR);
}

/* Runs one SMTP session on @fd (TcpSinkServe). */
static void
serve (int fd, gpointer user_data)
{
  Session *s = g_new0 (Session, 1);

  s->sink = user_data;
  s->fd = fd;
  session_run (s);
  g_free (s);
}

SmtpSink *
smtp_sink_start (void)
{
  SmtpSink *sink = g_new0 (SmtpSink, 1);

  sink->tcp = tcp_sink_start ("smtp", serve, sink);
  return sink;
}

guint16
smtp_sink_get_port (SmtpSink *sink)
{
  return tcp_sink_get_port (sink->tcp);
}

guint64
smtp_sink_get_messages (SmtpSink *sink)
{
  return __atomic_load_n (&sink->messages, __ATOMIC_RELAXED);
}

guint64
smtp_sink_get_bytes (SmtpSink *sink)
{
  return __atomic_load_n (&sink->bytes, __ATOMIC_RELAXED);
}

guint
smtp_sink_get_connections (SmtpSink *sink)
{
  return tcp_sink_get_connections (sink->tcp);
}

void
smtp_sink_stop (SmtpSink *sink)
{
  /* Joins the connection threads, the only other users of @sink. */
  tcp_sink_stop (sink->tcp);
  g_free (sink);
}
