"""What every database starts with (reference data) and the demo RTO for `make run`."""
