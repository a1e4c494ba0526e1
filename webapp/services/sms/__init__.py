"""The SMS core: occurrences with their units, tasks and task matrix, and enrolments with their
training plans. It knows nothing of Canvas: it announces its changes (announcements.py)."""
