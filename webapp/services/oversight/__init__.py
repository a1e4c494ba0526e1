"""Seeing what goes on: the class progress picture, exception lists, an occurrence's history, the audit log,
integration and mapping health. Read-only views over what the other services recorded; nothing
here calls Canvas except the rights check a person asks for."""
