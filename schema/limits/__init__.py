"""What a query may cost: the cost computed before it runs, and the budgets per app, user and IP."""
