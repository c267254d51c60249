#!/usr/bin/env python3
"""ntfy-server.py RECORD_FILE: a tiny stand-in for an ntfy server, on loopback, for the tests.

Listens on 127.0.0.1 on a free port and prints that port on its standard output (one line)
once it accepts connections. Every request is appended to RECORD_FILE as one JSON object per
line: {"method", "path", "headers": [[name, value], ...], "body"}; header values are kept as
received (an RFC 2047 encoded-word stays encoded).

Answers, by topic (the request path):
  /flaky    503 with Retry-After: 7, as an overloaded server does
  /denied   403 with ntfy's JSON error, as for a token that may not write to the topic
  /<topic>  200 with ntfy's JSON answer; "id" is m00001, m00002... in arrival order
  anything but POST or PUT: 405

It exits by itself after --lifetime seconds (default 240), so a test that dies without
stopping it leaves nothing running for long. SIGTERM stops it at once.

SPDX-License-Identifier: LGPL-2.1-or-later
"""
import argparse
import http.server
import json
import os
import sys
import threading
import time


class Recorder:
    """Appends one JSON line per request, whole lines only, from any handler thread."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.count = 0

    def record(self, entry):
        with self.lock:
            self.count += 1
            with open(self.path, "a", encoding="utf-8") as out:
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            return self.count


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as libcurl expects; every answer has a length
    server_version = "ntfy-test"

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        sys.stderr.write("ntfy-server: " + (format % args) + "\n")

    def answer(self, status, document, extra_headers=()):
        payload = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode("utf-8", errors="replace")

    def do_POST(self):
        try:
            body = self.read_body()
            number = self.server.recorder.record(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": [[name, value] for name, value in self.headers.items()],
                    "body": body,
                }
            )
        except Exception as error:  # a broken request must not kill the test's server
            self.answer(400, {"code": 40000, "http": 400, "error": str(error)})
            return
        topic = self.path.lstrip("/")
        if topic == "flaky":
            self.answer(503, {"code": 50301, "http": 503, "error": "server overloaded"},
                        [("Retry-After", "7")])
        elif topic == "denied":
            self.answer(403, {"code": 40301, "http": 403, "error": "forbidden"})
        else:
            self.answer(200, {"id": "m%05d" % number, "time": int(time.time()),
                              "event": "message", "topic": topic, "message": body})

    do_PUT = do_POST

    def refuse(self):
        self.answer(405, {"code": 40500, "http": 405, "error": "method not allowed"})

    do_GET = refuse
    do_DELETE = refuse


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("record_file")
    parser.add_argument("--lifetime", type=float, default=240.0)
    options = parser.parse_args()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.recorder = Recorder(options.record_file)
    watchdog = threading.Timer(options.lifetime, lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()
    # The socket listens from here on: the port line tells the test it may connect.
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
