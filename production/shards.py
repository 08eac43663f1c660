"""The plan-shard lock: one writer per plan (DESIGN.md, "one writer per plan shard").

Locks, always taken in this order so no two writers can wait on each other in a cycle:
1. the row of the order being changed (`SELECT … FOR UPDATE`), by the caller or here;
2. the plan-shard locks (`lock_shard`), one writer per plan at a time: `BATCH_SHARD`
   before `BUILD_TO_ORDER_SHARD` when a writer needs both. Only the batch plan does (its
   runs meet the build-to-order plan at component stock: a component run is a supply
   batch, a standard product's run reserves components), and it never locks an order's
   row; no build-to-order writer ever takes `BATCH_SHARD`;
3. rows of other orders whose plan entries move (express displacement, replan):
   `FOR NO KEY UPDATE SKIP LOCKED`, so an order that is being cancelled right now (its
   row held by cancel_order, which then waits for the shard lock) is simply left where it
   is instead of deadlocking. SKIP LOCKED only ever chooses which *orders* may move;
   stock and capacity are never read or reserved with it. The batch plan's own rows (the
   batch run being finished, its supply batch) are likewise locked only after the shards.
The counters are then changed by conditional updates (plan_store), the backstop behind
the shard lock for anything that writes without it.
"""

from __future__ import annotations

import zlib

from django.db import connection, transaction

BUILD_TO_ORDER_SHARD = "build_to_order"
BATCH_SHARD = "batch"
# Longer than any writer holds the shard lock (a replan of thousands of orders takes a
# few seconds); a waiter that gives up raises a retryable OperationalError.
LOCK_TIMEOUT = "30s"


def shard_key(shard: str) -> int:
    """A stable 32-bit key for `pg_advisory_xact_lock` (the same in every process)."""
    return zlib.crc32(f"atelier.plan.{shard}".encode())


def lock_shard(shard: str = BUILD_TO_ORDER_SHARD) -> None:
    """Become the one writer of plan `shard` until the current transaction ends.

    PostgreSQL: a transaction-scoped advisory lock, released by commit or rollback, also
    when the worker process dies. SQLite: nothing to do, because settings open every
    transaction IMMEDIATE, which takes the database's single write lock at BEGIN; every
    writer is therefore already serialised for its whole transaction, this one included.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_shard must run inside transaction.atomic()")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [shard_key(shard)])
