"""A tiny store for the syscall-error example: it appends a record and fsyncs it every 20 ms,
and its /health answers 503 (naming the errno) while any fsync failed in the last second, 200
otherwise. Python calls the C library's fsync, which the libfiu preload wraps."""
import errno
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, data = int(sys.argv[1]), sys.argv[2]
state = {"last_failure": 0.0, "errno": "", "failures": 0, "records": 0}


def write_loop():
    fd = os.open(data, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    while True:
        try:
            os.write(fd, b"record\n")
            os.fsync(fd)
            state["records"] += 1
        except OSError as e:
            state["last_failure"], state["failures"] = time.monotonic(), state["failures"] + 1
            state["errno"] = errno.errorcode.get(e.errno, str(e.errno))
            print(f"store: write/fsync failed: {state['errno']}", flush=True)
        time.sleep(0.02)


class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        failing = time.monotonic() - state["last_failure"] < 1.0
        body = f"fsync failed: {state['errno']}\n" if failing else "ok\n"
        self.send_response(503 if failing else 200)
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


threading.Thread(target=write_loop, daemon=True).start()
ThreadingHTTPServer(("127.0.0.1", port), Health).serve_forever()
