#!/usr/bin/python3
"""Local receivers for the outreach sinks test (tests/e2e/outreach_sinks.sh).

  sinks.py http --port P --port-file F --log F [--mode M] [--every K] [--delay S]
  sinks.py smtp --port P --port-file F --log F [--mode M] [--every K] [--delay S]

Listens on 127.0.0.1 only (port 0: any free one; the port is written to
--port-file once listening). Every request received is one JSON line in
--log: its message id, the HTTP status or SMTP reply given, and what it
carried. --mode applies to the messages whose id is a multiple of --every:
  ok        answer at once
  slow      wait --delay seconds, then accept
  timeout   the first request of a message waits --delay seconds (longer than
            the client's time-out) before accepting it; a repeat is accepted
            at once
  tempfail  the first request of a message is refused for now (HTTP 503,
            SMTP 451); a repeat is accepted
  permfail  refused for good (HTTP 400, SMTP 550)
Stops on SIGTERM, or by itself after --lifetime seconds (default 300).
"""
import argparse
import asyncio
import email
import email.header
import email.policy
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
seen = {}


def log_line(path, rec):
    with lock:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def first_time(key):
    with lock:
        n = seen.get(key, 0)
        seen[key] = n + 1
        return n == 0


def applies(args, mid):
    return mid is not None and mid % args.every == 0


def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, path)


def run_http(args):
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(n)
            key = self.headers.get("Idempotency-Key", "")
            try:
                doc = json.loads(raw)
                mid = int(doc["message_id"])
            except Exception:
                doc, mid = None, None
            status = 200
            if doc is None:
                status = 400
            elif applies(args, mid):
                first = first_time(mid)
                if args.mode == "slow":
                    time.sleep(args.delay)
                elif args.mode == "timeout" and first:
                    time.sleep(args.delay)
                elif args.mode == "tempfail" and first:
                    status = 503
                elif args.mode == "permfail":
                    status = 400
            try:
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")
                delivered = True
            except OSError:
                delivered = False  # the client had given up
            log_line(args.log, {"id": mid, "key": key, "status": status,
                                "answered": delivered, "doc": doc})

    srv = ThreadingHTTPServer(("127.0.0.1", args.port), H)
    srv.daemon_threads = True
    write_port(args.port_file, srv.server_address[1])
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv.shutdown


def run_smtp(args):
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            mid_hdr = msg.get("Message-ID", "")
            try:
                mid = int(mid_hdr.split("-")[2].split("@")[0])
            except Exception:
                mid = None
            reply = "250 OK"
            if applies(args, mid):
                first = first_time(mid)
                if args.mode == "slow":
                    await asyncio.sleep(args.delay)
                elif args.mode == "timeout" and first:
                    await asyncio.sleep(args.delay)
                elif args.mode == "tempfail" and first:
                    reply = "451 4.3.0 try again later"
                elif args.mode == "permfail":
                    reply = "550 5.1.1 no such mailbox"
            body = msg.get_body(preferencelist=("plain",))
            log_line(args.log, {
                "id": mid, "message_id": mid_hdr, "reply": reply,
                "rcpt": envelope.rcpt_tos, "from": envelope.mail_from,
                "subject": str(msg.get("Subject", "")),
                "language": msg.get("Content-Language", ""),
                "body": body.get_content() if body is not None else ""})
            return reply

    ctl = Controller(Handler(), hostname="127.0.0.1", port=args.port or 0)
    ctl.start()
    write_port(args.port_file, ctl.server.sockets[0].getsockname()[1])
    return ctl.stop


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["http", "smtp"])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--mode", default="ok",
                    choices=["ok", "slow", "timeout", "tempfail", "permfail"])
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--delay", type=float, default=1.0)
    ap.add_argument("--lifetime", type=float, default=300.0)
    args = ap.parse_args()
    if args.kind == "smtp" and args.port == 0:
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        args.port = s.getsockname()[1]
        s.close()
    stop = run_http(args) if args.kind == "http" else run_smtp(args)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    done.wait(args.lifetime)
    stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
