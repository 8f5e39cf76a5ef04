"""A webhook receiver for the skillbase end-to-end tests.

    python3 sb_webhook_sink.py OUTDIR

Listens on an ephemeral port of 127.0.0.1 and writes the port number to
OUTDIR/port once it listens. Every POST is logged as one line
"<status> <X-Skillbase-Job header>" in OUTDIR/attempts; a POST answered 200
is stored as OUTDIR/post-NNN.json (the body) and OUTDIR/post-NNN.headers,
both written aside and renamed. While OUTDIR/fail holds a number N > 0,
a POST is answered 500 and N is decremented ("always" fails every POST).
"""
import http.server
import os
import sys


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    state = {"count": 0}

    def put(name, data):
        tmp = os.path.join(outdir, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(outdir, name))

    def should_fail():
        path = os.path.join(outdir, "fail")
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read().strip()
        except FileNotFoundError:
            return False
        if text == "always":
            return True
        n = int(text or "0")
        if n <= 0:
            return False
        with open(path, "w", encoding="utf-8") as f:
            f.write(str(n - 1))
        return True

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            status = 500 if should_fail() else 200
            with open(os.path.join(outdir, "attempts"), "a", encoding="utf-8") as f:
                f.write(f"{status} {self.headers.get('X-Skillbase-Job', '-')}\n")
            if status == 200:
                state["count"] += 1
                base = f"post-{state['count']:03d}"
                put(base + ".headers", str(self.headers).encode("utf-8"))
                put(base + ".json", body)
            reply = b'{"ok":true}' if status == 200 else b"temporarily broken"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, fmt, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    put("port", str(server.server_address[1]).encode())
    server.serve_forever()


if __name__ == "__main__":
    main()
