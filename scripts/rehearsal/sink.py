#!/usr/bin/env python
"""The rehearsal's SMTP server on loopback: accepts every message and writes one JSON line per
message (arrival time, recipients, subject, Message-ID) to --out, for the checks to count.

    .venv/bin/python scripts/rehearsal/sink.py --port 2525 --out mail.jsonl
"""

import argparse
import email
import email.policy
import json
import signal
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class JsonLinesSink:
    def __init__(self, out: Path):
        self.stream = out.open("a", buffering=1)  # a line at a time: readers see whole messages
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        line = json.dumps(
            {
                "at": time.time(),
                "to": [address.lower() for address in envelope.rcpt_tos],
                "subject": str(message.get("Subject", "")),
                "message_id": str(message.get("Message-ID", "")),
            }
        )
        with self.lock:
            self.stream.write(line + "\n")
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    controller = Controller(JsonLinesSink(args.out), hostname="127.0.0.1", port=args.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
