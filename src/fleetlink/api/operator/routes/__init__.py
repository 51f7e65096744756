"""The operator API's routes, one module per resource."""
