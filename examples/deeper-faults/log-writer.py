"""A log that is replaced atomically, for the disk-fault power-loss example: POST /write puts the
request body in a temp file, fsyncs it, and renames it over `log`; GET /log answers the log.
The rename is atomic, but it is only DURABLE once the directory is fsynced too: with
`dir-fsync 0` that step is left out (a common bug), and after a power loss the old log is back.
With `dir-fsync 1` the new one stays. On first start the log is created durably ("v1").

    python3 log-writer.py PORT DIR DIR_FSYNC(0|1)
"""
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, directory, dir_fsync = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
log = os.path.join(directory, "log")


def fsync_dir():
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace(text, durable_dir):
    tmp = log + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, log)
    if durable_dir:
        fsync_dir()


if not os.path.exists(log):
    replace("v1\n", True)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        with open(log) as f:
            body = f.read().encode()
        self.send_response(200 if self.path == "/log" else 404)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        text = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
        replace(text, dir_fsync)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"written\n")

    def log_message(self, *args):
        pass


print(f"log-writer: {log}, dir fsync {'on' if dir_fsync else 'off'}", flush=True)
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
