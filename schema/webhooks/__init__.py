from schema.webhooks.mutations import Mutation
from schema.webhooks.queries import Query
from schema.webhooks.types import WebhookDeliveryType, WebhookType

__all__ = ["Mutation", "Query", "WebhookDeliveryType", "WebhookType"]
