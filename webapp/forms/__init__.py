"""Form fields and the form classes that are shared or large; blueprints import them from here."""
