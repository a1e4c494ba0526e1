"""Knowing whether canvaslink runs: readiness checks, what Redis knows of the workers and the cron, and
the home page's notices when one of them is missing."""
