"""Rewards (激励回馈优待): star levels, benefits, redemptions, the service card, insurance and
commendations."""

from strawberry.tools import merge_types

from schema.rewards import honour_mutations, mutations
from schema.rewards.queries import Query

Mutation = merge_types("Mutation", (mutations.Mutation, honour_mutations.Mutation))

__all__ = ["Mutation", "Query"]
