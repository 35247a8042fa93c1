"""The event bus and, built on it, live event streams. No GraphQL here."""
