"""The schema's own plumbing, used by every domain: the request context, payload errors, Relay
helpers and the per-request DataLoaders, operation metrics."""
