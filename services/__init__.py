"""Domain rules: state machines, validation, permissions. No GraphQL and no HTTP here."""
