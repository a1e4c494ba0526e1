"""Keeping Canvas in step with the enrolments here: one package, one vocabulary.

- `decide`: the pure decision (a student's standing + the integration's options → an action; the guard).
- `plan`: read a section from Canvas (the refresh) and plan each student's step.
- `apply`: preview (the dry run), hold, or carry out a plan, staging progress before access ends.
- `guard`: the mass-change guard's count per integration over a day, and its one decision at a time.
- `runs`: sync runs per occurrence and across all of them (Utilities, the nightly run).
- `listen`: the SMS core's announcements → queued runs.
- `standing`: how a student stands in Canvas, in the pages' words; held changes; late invitations.
- `users`: pushing a client's new name, login and e-mail to their Canvas user.
"""
