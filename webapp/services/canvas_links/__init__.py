"""Occurrence ↔ Canvas section links, the course's module list, and module mappings with their
automatic matching by name."""
