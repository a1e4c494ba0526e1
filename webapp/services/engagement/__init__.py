"""Engagement: each transferred student's last activity and total activity time in Canvas, read from
their enrolment whenever canvaslink reads the section (refresh, sync, result download); who has gone
quiet; and that evidence for a withdrawal's finish date."""
