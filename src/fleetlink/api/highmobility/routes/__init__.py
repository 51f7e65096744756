"""The High Mobility façade's routes, one module per tag of the contract."""
