"""The Celery broker transports: kombu's, with two failures seen here fixed (issue 12).

settings.py picks them through CELERY_BROKER_TRANSPORT; the broker URL stays as it was.

- `FilesystemTransport` (the embedded default, `make run`): kombu's filesystem transport
  creates a message file, then locks it, then writes it, and a reader moves and reads
  files without the lock; a worker that picked a message up between the two saw an empty
  file and exited with `JSONDecodeError` in `_get` (kombu #1551, after ~11 minutes of
  `make run`). Here a message is written whole under a staging name and renamed into the
  queue folder (a rename within one file system is atomic), so a reader only ever sees
  complete files; a file that still does not decode (a disk that filled up) is set aside
  and logged instead of taking the worker down. The exchange tables in the control
  folder are created the same way (kombu opens a new one with "wb", truncating it
  before it takes the lock).
- `RedisTransport` (compose): when the connection to Redis is lost, kombu closes the
  channel and restores the messages the worker has not acknowledged; with the transport
  already detached from its connection that restore raised `AttributeError("'NoneType'
  object has no attribute 'hostname'")` and the worker exited ("Unrecoverable error";
  kombu #970/#582; reproduced here with countdown tasks held through a 15-s Redis stop).
  Here the restore is skipped when there is no connection to restore over: Redis keeps
  those messages in its unacked index, and kombu's `restore_visible` brings them back
  after the visibility timeout, as it does for a worker that died. (Atelier sends no
  countdown task any more, and orders and webhooks are re-sent by beat's sweeps anyway.)
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.transport import filesystem, redis
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

log = logging.getLogger("atelier.broker")


# --- the embedded default ---------------------------------------------------------------


def _write_whole(*, folder: Path, data: bytes) -> str:
    """Write `data` to a new file in `folder` under a name no reader looks at; its path."""
    fd, staged = tempfile.mkstemp(dir=folder, prefix=".staged-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except BaseException:
        os.unlink(staged)
        raise
    return staged


class FilesystemChannel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # kombu's name: the time first, so readers take messages in order.
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        # Staged in the queue folder itself (same file system: the rename is atomic) under
        # a name `_get` skips.
        staged = _write_whole(folder=Path(self.data_folder_out), data=str_to_bytes(dumps(payload)))
        os.replace(staged, os.path.join(self.data_folder_out, name))

    def _get(self, queue):
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue  # another queue's, or a file still being staged (".staged-…")
            taken = os.path.join(self.processed_folder, name)
            try:
                # Whoever renames it first has it; the others move on.
                os.replace(os.path.join(self.data_folder_in, name), taken)
            except FileNotFoundError:
                continue
            with open(taken, "rb") as f:
                payload = f.read()
            try:
                message = loads(bytes_to_str(payload))
            except ValueError:
                os.replace(taken, taken + ".undecodable")
                log.error("broker: set aside undecodable message file %s", taken)
                continue
            if not self.store_processed:
                os.remove(taken)
            return message
        raise Empty()

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        table = self._exchange_file(exchange)
        self.control_folder.mkdir(parents=True, exist_ok=True)
        if not table.exists():
            staged = _write_whole(folder=self.control_folder, data=b"[]")
            try:
                os.link(staged, table)  # fails if another process created it first
            except FileExistsError:
                pass
            finally:
                os.unlink(staged)
        # The table exists now, so kombu takes its locked read-modify-write path.
        super()._queue_bind(exchange, routing_key, pattern, queue)


class FilesystemTransport(filesystem.Transport):
    Channel = FilesystemChannel


# --- Redis (compose) --------------------------------------------------------------------


class RedisQoS(redis.QoS):
    def restore_unacked(self, client=None):
        transport = self.channel.connection
        if client is None and (transport is None or transport.client is None):
            log.warning(
                "broker connection lost: %d unacknowledged message(s) stay in Redis's "
                "unacked index until the visibility timeout restores them",
                len(self._delivered),
            )
            self._delivered.clear()
            return
        super().restore_unacked(client)


class RedisChannel(redis.Channel):
    QoS = RedisQoS


class RedisTransport(redis.Transport):
    Channel = RedisChannel
