"""Live events for many subscribers: one execution of a selection set per audience, shared."""
