"""Timing and SQL counting helpers: interleaved rounds, medians, ratios."""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

Work = Callable[[], Awaitable[object]]
WARMUP = 2


@dataclass(frozen=True)
class Comparison:
    """A case and its baseline, timed in alternating rounds so that load from other processes
    hits both alike; `ratio` is case / baseline of the medians."""

    case_seconds: float
    baseline_seconds: float

    @property
    def ratio(self) -> float:
        return self.case_seconds / self.baseline_seconds


async def _timed(work: Work) -> float:
    start = time.perf_counter()
    await work()
    return time.perf_counter() - start


async def compare(case: Work, baseline: Work, rounds: int, warmup: int = WARMUP) -> Comparison:
    for _ in range(warmup):
        await case()
        await baseline()
    case_times: list[float] = []
    baseline_times: list[float] = []
    for index in range(rounds):
        # Alternate which goes first, so neither always runs on a warmer cache.
        if index % 2:
            baseline_times.append(await _timed(baseline))
            case_times.append(await _timed(case))
        else:
            case_times.append(await _timed(case))
            baseline_times.append(await _timed(baseline))
    return Comparison(statistics.median(case_times), statistics.median(baseline_times))


class _StatementCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
            self.statements.append(message)


@contextmanager
def count_statements() -> Iterator[list[str]]:
    """The SQL statements Tortoise sends while the block runs (it logs each at DEBUG)."""
    logger = logging.getLogger("tortoise.db_client")
    counter = _StatementCounter()
    previous = logger.level, logger.propagate
    logger.setLevel(logging.DEBUG)
    # Counted, not printed: the root handler would echo every statement with its values.
    logger.propagate = False
    logger.addHandler(counter)
    try:
        yield counter.statements
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]


async def statements_of(work: Work) -> int:
    with count_statements() as statements:
        await work()
    return len(statements)
