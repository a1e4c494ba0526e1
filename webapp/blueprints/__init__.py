"""Thin routes, one module per entity."""
