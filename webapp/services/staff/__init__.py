"""Staff accounts, sign-in with throttling, and the security manager's guarded changes."""
