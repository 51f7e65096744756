"""Toyota routes, one module per group of the contract's tags."""
