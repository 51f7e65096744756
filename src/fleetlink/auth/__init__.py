"""Authentication: password hashing, signing keys, access tokens."""
