"""Use cases: one function per thing a user, an operator or a vehicle does."""
