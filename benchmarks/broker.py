"""The embedded broker's hot path: put and get N messages through kombu's filesystem
transport and through atelier.broker's (whole-file writes, rename-to-take), in one run;
prints each as a ratio against kombu's (the baseline)."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from kombu import Connection
from kombu.transport import filesystem

from atelier.broker import FilesystemTransport


def round_trips(transport, *, messages: int) -> float:
    # Both transports share kombu's process-wide bindings; each run has its own folders.
    filesystem.Transport.global_state.clear()
    with tempfile.TemporaryDirectory() as root:
        folders = {name: Path(root) / name for name in ("queue", "processed", "control")}
        for folder in folders.values():
            folder.mkdir()
        options = {
            "data_folder_in": str(folders["queue"]),
            "data_folder_out": str(folders["queue"]),
            "processed_folder": str(folders["processed"]),
            "control_folder": str(folders["control"]),
        }
        with Connection("filesystem://", transport=transport, transport_options=options) as conn:
            queue = conn.SimpleQueue("bench")
            started = time.perf_counter()
            for i in range(messages):
                queue.put({"order_id": i})
            for _ in range(messages):
                queue.get(timeout=1).ack()
            elapsed = time.perf_counter() - started
            queue.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    baseline = round_trips("filesystem", messages=args.messages)
    hardened = round_trips(FilesystemTransport, messages=args.messages)
    print(f"kombu filesystem (baseline): {args.messages / baseline:,.0f} messages/s  1.00")
    print(
        f"atelier.broker filesystem:   {args.messages / hardened:,.0f} messages/s  "
        f"{baseline / hardened:.2f}"
    )


if __name__ == "__main__":
    main()
