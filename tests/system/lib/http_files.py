#!/usr/bin/env python3
"""Serves a directory over HTTP on 127.0.0.1 for the batch system tests.

    http_files.py DIR PORT_FILE

Files are served as by `python3 -m http.server`; the port (ephemeral) is
written to PORT_FILE once listening. A path under /slow/ serves the same
file after holding the response for 60 seconds, so that a task reading it
can be caught while it runs.
"""
import functools
import http.server
import os
import sys
import time


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/slow/"):
            self.path = self.path[len("/slow"):]
            # Headers first, then nothing for a while: the client is mid-transfer.
            time.sleep(60)
        return super().do_GET()

    def log_message(self, fmt, *args):
        pass


def main():
    directory, port_file = sys.argv[1], sys.argv[2]
    handler = functools.partial(Handler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
