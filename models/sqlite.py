"""The SQLite engine: Tortoise's, except that a transaction takes the write lock when it begins.

SQLite (in WAL mode, as Tortoise opens it) lets one process write at a time. Tortoise begins a
transaction with a plain `BEGIN`, which reads from a snapshot and asks for the write lock only
at its first write; if another process has committed meanwhile, SQLite refuses that upgrade at
once with "database is locked", whatever the busy timeout, because the snapshot is stale. Every
API process writes on its own (the notification worker, the webhook worker, the sweeper), so
two processes on one file (development, the live tests) failed requests now and then.
`BEGIN IMMEDIATE` takes the lock first and so waits, within the busy timeout, like a single
statement does. PostgreSQL is unaffected: it has row locks."""

from __future__ import annotations

import sqlite3

from tortoise.backends.base.client import NestedTransactionContext, TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError


class _ImmediateTransaction(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc

    def _in_transaction(self) -> TransactionContext:
        return NestedTransactionContext(_ImmediateTransaction(self))


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(_ImmediateTransaction(self), self._lock)


# What Tortoise looks up in an engine module. Tortoise's migrations choose their SQLite schema
# editor by "sqlite" in the client's module name, which this module's name keeps.
client_class = ImmediateSqliteClient
