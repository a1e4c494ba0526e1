"""A standalone Canvas LMS REST API simulator."""
