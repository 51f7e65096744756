"""Repositories: one per aggregate, mapping rows to domain values and back."""
