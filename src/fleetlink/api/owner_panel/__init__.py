"""The owner panel: HTML pages where vehicle owners sign in, consent to apps and revoke them."""
