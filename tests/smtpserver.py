#!/usr/bin/python3
# smtpserver.py: a real SMTP server on loopback for the e-mail tests (see smtpserver.h).
#
# Built on Debian's python3-aiosmtpd; run it with /usr/bin/python3 (the python3 on PATH may lack
# Debian's modules). tests/smtpserver.c starts one per test; it can also be run by hand:
#
#   /usr/bin/python3 tests/smtpserver.py --dir /tmp/x [--security starttls --cert C --key K] ...
#
# Protocol with the parent: once listening on 127.0.0.1 (port 0: the kernel picks a free one), it
# prints "PORT <n>" on stdout; when it cannot start it prints "ERROR <text>" instead and exits 1.
# It exits when its stdin reaches end of file, so a test that crashes leaves no server behind.
#
# What it received goes to --dir, each file written whole under a temporary name then renamed so
# that a reader never sees half a file:
#   NNNN.eml   the DATA of accepted message NNNN (from 0000), exactly as aiosmtpd gives it: CRLF
#              kept, dot-stuffing removed, without the final "." line
#   NNNN.json  its envelope, written after the .eml (its presence means the message is complete):
#              {"mail_from", "rcpt_to": [...], "mail_options": [...], "used_tls", "auth_user"
#              (null without AUTH), "connection" (0-based index of the session that carried it)}
#   stats.json {"connections": sessions accepted so far, "data_commands": DATA commands whose
#              content was received, refused (451) or not, "idle_closes": sessions the server
#              closed for being idle (--idle-close), counted once the close is under way}
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import asyncio
import fnmatch
import hmac
import json
import logging
import os
import ssl
import sys
import warnings


def fail(text):
    print("ERROR " + text, flush=True)
    sys.exit(1)


try:
    from aiosmtpd.smtp import MISSING, SMTP, AuthResult, TLSSetupException
except ImportError as error:
    fail(f"{sys.executable} cannot import aiosmtpd ({error}): install the Debian package "
         "python3-aiosmtpd")


def parse_args():
    parser = argparse.ArgumentParser(description="SMTP server for the tocsin tests")
    parser.add_argument("--dir", required=True, help="where received messages are written")
    parser.add_argument("--security", choices=("plain", "starttls", "implicit-tls"),
                        default="plain")
    parser.add_argument("--cert", help="PEM certificate (starttls, implicit-tls)")
    parser.add_argument("--key", help="PEM private key (starttls, implicit-tls)")
    parser.add_argument("--require-starttls", action="store_true",
                        help="refuse (530) every command but EHLO, NOOP, QUIT before STARTTLS")
    parser.add_argument("--username", help="offer AUTH PLAIN and LOGIN and require it")
    parser.add_argument("--password", default="")
    parser.add_argument("--auth-over-plain", action="store_true",
                        help="accept AUTH on a connection without TLS")
    parser.add_argument("--reject-rcpt", action="append", default=[], metavar="GLOB",
                        help="refuse RCPT TO addresses matching GLOB (case-insensitive)")
    parser.add_argument("--reject-rcpt-code", type=int, default=550, metavar="CODE",
                        help="the reply code of --reject-rcpt (default 550; 4xx: temporary)")
    parser.add_argument("--idle-close", type=float, default=0, metavar="SECONDS",
                        help="after an accepted message, close the session if no command comes "
                        "within SECONDS, without a word (STARTTLS: with a TLS close_notify)")
    parser.add_argument("--idle-close-421", action="store_true",
                        help="send \"421 ... timeout\" before an --idle-close, as Postfix does")
    parser.add_argument("--tempfail-data", type=int, default=0, metavar="N",
                        help="answer 451 to the first N DATA commands (-1: to all)")
    parser.add_argument("--debug", action="store_true", help="log the SMTP dialogue on stderr")
    return parser.parse_args()


def write_atomically(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Recorder:
    """Counts sessions and DATA commands and stores accepted messages."""

    def __init__(self, directory):
        self.directory = directory
        self.n_connections = 0
        self.n_data_commands = 0
        self.n_idle_closes = 0
        self.n_messages = 0
        self.write_stats()

    def write_stats(self):
        stats = {"connections": self.n_connections, "data_commands": self.n_data_commands,
                 "idle_closes": self.n_idle_closes}
        write_atomically(os.path.join(self.directory, "stats.json"),
                         json.dumps(stats).encode())

    def new_connection(self):
        index = self.n_connections
        self.n_connections += 1
        self.write_stats()
        return index

    def data_command(self):
        self.n_data_commands += 1
        self.write_stats()

    def idle_close(self):
        self.n_idle_closes += 1
        self.write_stats()

    def store(self, envelope, meta):
        index = self.n_messages
        self.n_messages += 1
        base = os.path.join(self.directory, f"{index:04d}")
        write_atomically(base + ".eml", envelope.original_content)
        meta = dict(meta, mail_from=envelope.mail_from, rcpt_to=list(envelope.rcpt_tos),
                    mail_options=list(envelope.mail_options))
        write_atomically(base + ".json", json.dumps(meta).encode())
        return index


class AuthUser:
    """What a successful AUTH leaves in session.auth_data (aiosmtpd reads its .login)."""

    def __init__(self, login):
        self.login = login


class Handler:
    """aiosmtpd handler hooks: AUTH offer, recipient rejection, temporary failures, recording."""

    def __init__(self, args, recorder):
        self.args = args
        self.recorder = recorder
        self.tempfail_left = args.tempfail_data

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # With this (5-argument) hook aiosmtpd leaves setting host_name to the handler.
        session.host_name = hostname
        if self.args.username is None:
            # aiosmtpd always lists its built-in mechanisms; a server without accounts offers none.
            responses = [r for r in responses if not r.startswith("250-AUTH")]
        return responses

    async def handle_AUTH(self, server, session, envelope, args):
        if self.args.username is None:
            return "502 5.5.1 AUTH not available"
        return MISSING

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        # Constant-time comparisons: not needed for a test, but costs nothing.
        good = (hmac.compare_digest(auth_data.login, self.args.username.encode())
                and hmac.compare_digest(auth_data.password, self.args.password.encode()))
        if not good:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True,
                          auth_data=AuthUser(auth_data.login.decode("utf-8", "replace")))

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        for pattern in self.args.reject_rcpt:
            if fnmatch.fnmatchcase(address.lower(), pattern.lower()):
                code = self.args.reject_rcpt_code
                return f"{code} {code // 100}.1.1 <{address}>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.recorder.data_command()
        if self.tempfail_left != 0:
            if self.tempfail_left > 0:
                self.tempfail_left -= 1
            return "451 4.3.0 Temporary failure, try again later"
        auth = session.auth_data if session.authenticated else None
        meta = {
            # Covers both STARTTLS and implicit TLS: the transport in use is the TLS one.
            "used_tls": server.transport.get_extra_info("ssl_object") is not None,
            "auth_user": getattr(auth, "login", None),
            "connection": server.tt_connection,
        }
        index = self.recorder.store(envelope, meta)
        server.arm_idle_close()
        return f"250 2.0.0 Ok: queued as {index:04d}"

    async def handle_exception(self, error):
        if isinstance(error, TLSSetupException):
            # Tests make handshakes fail on purpose (a client without the CA): not worth a
            # traceback. aiosmtpd closes the connection whatever is returned.
            logging.getLogger("smtpserver").info("STARTTLS handshake failed: %r", error.__cause__)
            return "454 4.7.0 TLS handshake failed"
        # A bug here or in aiosmtpd: show it in the test log.
        logging.getLogger("smtpserver").error("SMTP session exception", exc_info=error)
        return f"500 Error: ({error.__class__.__name__}) {error}"


class TestSMTP(SMTP):
    """aiosmtpd's session, which can also drop a connection left idle after a message, as real
    servers do when their command timeout expires (Postfix's smtpd_timeout): a client that
    reuses connections must cope with finding its connection gone."""

    def __init__(self, handler, recorder, idle_close, idle_close_421, **kwargs):
        super().__init__(handler, **kwargs)
        self.tt_connection = recorder.new_connection()
        self.tt_recorder = recorder
        self.tt_idle_close = idle_close
        self.tt_idle_close_421 = idle_close_421
        self.tt_idle_handle = None

    def arm_idle_close(self):
        # Only after an accepted message: a slow client in the middle of a session (a loaded
        # test machine) is never cut off, only one that has nothing more to say.
        if self.tt_idle_close > 0:
            self.tt_idle_handle = self.loop.call_later(self.tt_idle_close, self.idle_close)

    def data_received(self, data):
        # Any byte from the client (after STARTTLS, as the TLS layer decrypted it) is activity.
        if self.tt_idle_handle is not None:
            self.tt_idle_handle.cancel()
            self.tt_idle_handle = None
        super().data_received(data)

    def idle_close(self):
        self.tt_idle_handle = None
        if self.transport is None or self.transport.is_closing():
            return
        if self.tt_idle_close_421:
            self.transport.write(b"421 4.4.2 localhost Error: timeout exceeded\r\n")
        # Over STARTTLS this sends the close_notify at once, then waits for the client's.
        self.transport.close()
        self.tt_recorder.idle_close()


def make_tls_context(args):
    if not args.cert or not args.key:
        fail(f"--security {args.security} needs --cert and --key")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    return context


def make_factory(args, loop, recorder):
    handler = Handler(args, recorder)
    tls_context = make_tls_context(args) if args.security != "plain" else None
    smtp_kwargs = {
        # An explicit name: the default, socket.getfqdn(), may wait for a resolver.
        "hostname": "localhost",
        "ident": "tocsin test SMTP server",
        "enable_SMTPUTF8": True,
        "loop": loop,
        "authenticator": handler.authenticate,
        "auth_required": args.username is not None,
        # aiosmtpd only knows STARTTLS as TLS: over implicit TLS it would refuse AUTH (538).
        "auth_require_tls": not (args.auth_over_plain or args.security == "implicit-tls"),
    }
    if args.security == "starttls":
        smtp_kwargs.update(tls_context=tls_context, require_starttls=args.require_starttls)

    def factory():
        # asyncio calls this once per accepted connection: it counts sessions.
        return TestSMTP(handler, recorder, args.idle_close, args.idle_close_421, **smtp_kwargs)

    return factory, (tls_context if args.security == "implicit-tls" else None)


def setup_logging(debug):
    logging.basicConfig(stream=sys.stderr, format="smtpserver.py: %(name)s: %(message)s",
                        level=logging.DEBUG if debug else logging.WARNING)
    if not debug:
        # aiosmtpd warns about its own deprecated login_data on every AUTH, asyncio about TLS
        # handshakes that tests make fail on purpose: only real errors are worth the test log.
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        # "Requiring AUTH while not requiring TLS" is what --auth-over-plain asks for.
        warnings.simplefilter("ignore")


async def serve(args):
    loop = asyncio.get_running_loop()
    recorder = Recorder(args.dir)
    factory, ssl_context = make_factory(args, loop, recorder)
    try:
        server = await loop.create_server(factory, host="127.0.0.1", port=0, ssl=ssl_context)
    except OSError as error:
        fail(f"cannot listen on 127.0.0.1: {error}")
    stdin_closed = loop.create_future()

    def on_stdin():
        if not os.read(sys.stdin.fileno(), 4096) and not stdin_closed.done():
            stdin_closed.set_result(None)

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    await stdin_closed
    server.close()


def main():
    args = parse_args()
    setup_logging(args.debug)
    if not os.path.isdir(args.dir):
        fail(f"--dir {args.dir}: not a directory")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
