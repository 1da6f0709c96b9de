"""Serve ``GET /`` (a greeting) and ``GET /health`` (JSON status) over HTTP.

Configuration, most specific first: command-line options, then the environment
(HELLO_WORLD_BIND, HELLO_WORLD_PORT, HELLO_WORLD_GREETING), then the defaults
(127.0.0.1, 8080, "Hello, world!"). Logs go to standard error, one line a request.
"""

import argparse
import json
import logging
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from hello_world import __version__

LOG = logging.getLogger("hello-world")


def settings(argv=None, environ=None):
    environ = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(prog="hello-world", description="A small HTTP service that says hello.")
    parser.add_argument("--bind", default=environ.get("HELLO_WORLD_BIND", "127.0.0.1"),
                        help="address to listen on (HELLO_WORLD_BIND; default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(environ.get("HELLO_WORLD_PORT", "8080")),
                        help="TCP port to listen on (HELLO_WORLD_PORT; default 8080)")
    parser.add_argument("--greeting", default=environ.get("HELLO_WORLD_GREETING", "Hello, world!"),
                        help="text of GET / (HELLO_WORLD_GREETING)")
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    return parser.parse_args(argv)


def make_handler(greeting):
    class Handler(BaseHTTPRequestHandler):
        server_version = "hello-world/" + __version__

        def _send(self, status, body, content_type):
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_GET(self):  # noqa: N802 - the name http.server calls
            if self.path == "/":
                self._send(200, greeting + "\n", "text/plain; charset=utf-8")
            elif self.path == "/health":
                self._send(200, json.dumps({"status": "ok", "version": __version__}) + "\n", "application/json")
            else:
                self._send(404, "not found\n", "text/plain; charset=utf-8")

        do_HEAD = do_GET

        def log_message(self, format, *args):  # noqa: A002 - signature of http.server
            LOG.info("%s %s", self.address_string(), format % args)

    return Handler


def make_server(options):
    return ThreadingHTTPServer((options.bind, options.port), make_handler(options.greeting))


def main(argv=None):
    options = settings(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(name)s: %(message)s")
    server = make_server(options)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    LOG.info("version %s listening on %s:%d", __version__, *server.server_address[:2])
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        LOG.info("stopping")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
