"""Per-app cost budgets: a third-party app may be given more (or less) than the default."""

from __future__ import annotations

from models.accounts import ApiClient
from services.api_clients.errors import RateLimitErrorCode
from services.common.errors import DomainError


async def client_budget(client_id: int) -> int | None:
    """The app's own budget per window, or None for the default."""
    client = await ApiClient.filter(id=client_id).only("id", "cost_budget").first()
    return client.cost_budget if client is not None else None


async def set_client_budget(client_id: int, budget: int | None) -> ApiClient:
    """`None` returns the app to the default budget; 0 exempts it from budgets."""
    if budget is not None and budget < 0:
        raise DomainError(
            RateLimitErrorCode.INVALID_BUDGET, "A budget cannot be negative.", "budget"
        )
    client = await ApiClient.get_or_none(id=client_id)
    if client is None:
        raise DomainError(RateLimitErrorCode.CLIENT_NOT_FOUND, "No such API client.", "client")
    client.cost_budget = budget
    await client.save(update_fields=["cost_budget"])
    return client
