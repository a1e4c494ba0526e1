"""Transfer results from Canvas LMS: one package, one vocabulary.

- `proposals`: the pure decision (module states → proposed results; what may be replaced).
- `download`: fetch and stage each student's module states.
- `bulk`: every Active occurrence at once, as background runs.
- `unattended`: the CLI and the nightly job.
"""
