"""GraphQL types, queries and mutations per domain, merged in `schema.root`."""
