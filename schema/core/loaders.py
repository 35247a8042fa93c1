"""The per-request DataLoader registry.

Each domain declares its loaders once, as `Loader`s in `schema/<domain>/loaders.py`, next to
the types that use them. A request's `Loaders` (on its context) creates a loader's DataLoader
the first time one of the request's resolvers asks for it, and hands the same one to every
later resolver of that request: reads are batched and cached across the request, and a request
that needs no loader (`{ __typename }`, a mutation's payload without relations) creates none.

Never shared across requests: every HTTP request gets a fresh registry in its context, and
every subscription event one of its own (schema/fanout), so nobody is served rows cached for
someone else or from an older moment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Generic, Protocol, TypeVar, cast

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from services.common import lookups

K = TypeVar("K")
V = TypeVar("V")
M = TypeVar("M", bound=Model)


class _HasLoaders(Protocol):
    @property
    def loaders(self) -> Loaders: ...


class _Info(Protocol):
    """A resolver's `info`, as far as loaders care (schema.core.context imports this module)."""

    @property
    def context(self) -> _HasLoaders: ...


class Loader(Generic[K, V]):
    """A DataLoader declared once per process, created per request by `Loaders`."""

    __slots__ = ("batch", "name")

    def __init__(
        self, batch: Callable[[list[K]], Awaitable[Sequence[V]]], name: str | None = None
    ) -> None:
        self.batch = batch
        self.name = name or batch.__name__

    def __repr__(self) -> str:
        return f"Loader({self.name})"

    def of(self, info: _Info) -> DataLoader[K, V]:
        return info.context.loaders.get(self)

    def load(self, info: _Info, key: K) -> Awaitable[V]:
        return self.of(info).load(key)

    def load_many(self, info: _Info, keys: Iterable[K]) -> Awaitable[list[V]]:
        return self.of(info).load_many(keys)


def by_id(model: type[M]) -> Loader[int, M | None]:
    """Rows of `model` by primary key, `None` for an id that matches none."""

    async def load(ids: Sequence[int]) -> Sequence[M | None]:
        # Looked up on the module at call time, so that a test can break it on purpose.
        return await lookups.by_ids(model, ids)

    return Loader(load, f"{model.__name__} by id")


class Loaders:
    """One request's DataLoaders, each created the first time a resolver asks for it."""

    __slots__ = ("_created",)

    def __init__(self) -> None:
        self._created: dict[Loader[Any, Any], DataLoader[Any, Any]] = {}

    def get(self, loader: Loader[K, V]) -> DataLoader[K, V]:
        created = self._created.get(loader)
        if created is None:
            created = self._created[loader] = DataLoader(load_fn=loader.batch)
        return cast("DataLoader[K, V]", created)

    def created(self) -> list[Loader[Any, Any]]:
        """The loaders this request has created so far, in creation order."""
        return list(self._created)
