"""The panel's pages, one module per concept."""
