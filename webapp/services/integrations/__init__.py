"""LMS integrations: the wizard and its drafts, the Canvas connection built from an integration,
OAuth, the rules for a Canvas address, the rights Test connection checks, secrets at rest, and how much
each integration asks of Canvas."""
