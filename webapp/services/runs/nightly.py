"""What last night's result transfer did: its outcome on the run, the dashboard's notice and the
e-mailed summary."""

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from ...config import MailSettings
from ...extensions import db
from ...models import FAILED, JobRun
from ..clock import utcnow
from ..engagement.quiet import NEVER_ACTIVE, NOT_ACTIVE, quiet_students
from ..result_transfer import bulk

log = logging.getLogger(__name__)


NIGHTLY = "Nightly result transfer"
# Students gone quiet named in the e-mail; the rest are counted (Canvas exceptions lists them all).
QUIET_LISTED = 50


def record_nightly_outcome(run: JobRun, *, saved: int, waiting: int, kept: int) -> None:
    """What the nightly run saved and left, for the dashboard, run history and the e-mail."""
    run.params = {**run.params, "nightly": True, "saved": saved, "waiting": waiting, "kept": kept}
    db.session.flush()


def last_nightly(within: timedelta = timedelta(hours=36)) -> JobRun | None:
    recent = db.session.scalars(select(JobRun).where(JobRun.kind == bulk.KIND, JobRun.started_by_id.is_(None),
                                                     JobRun.created_at >= utcnow() - within)
                                .order_by(JobRun.id.desc()).limit(20))
    return next((run for run in recent if run.params.get("nightly")), None)


def nightly_notice(run: JobRun | None) -> str | None:
    """What the dashboard says about last night's run; None when all went well (or none ran)."""
    if run is None:
        return None
    if run.status == FAILED:
        return f"Last night's result transfer failed: {run.message or 'see the run for details'}"
    problems = []
    if run.failed:
        problems.append(f"{run.failed} of {run.total} students could not be downloaded")
    if run.params.get("waiting"):
        problems.append(f"{run.params['waiting']} rows wait for review")
    return f"Last night's result transfer: {'; '.join(problems)}." if problems else None


def nightly_summary(run: JobRun | None, problem: str | None = None) -> tuple[str, str]:
    """The e-mail's subject and body."""
    if run is None:
        return "canvaslink nightly result transfer: not run", f"The nightly result transfer did not run: {problem}\n"
    saved, waiting, kept = (run.params.get(k, 0) for k in ("saved", "waiting", "kept"))
    status = "failed" if run.status == FAILED or problem else "done"
    lines = [f"Nightly result transfer (run {run.id}): {status}.",
             f"Students downloaded: {run.done - run.failed} of {run.total}; failed: {run.failed}.",
             f"Rows saved: {saved}; waiting for review: {waiting}; kept as they were: {kept}."]
    if problem or run.message:
        lines.append(f"Note: {problem or run.message}")
    lines += _gone_quiet()
    return f"canvaslink nightly result transfer: {status}, {run.failed} failed, {waiting} to review", \
        "\n".join(lines) + "\n"


def _gone_quiet() -> list[str]:
    """The students gone quiet in Canvas, as Canvas exceptions lists them (from the activity this run read)."""
    students = quiet_students()
    if not students:
        return ["Gone quiet in Canvas: nobody."]
    lines = [f"Gone quiet in Canvas: {sum(s.kind == NOT_ACTIVE for s in students)} not active lately, "
             f"{sum(s.kind == NEVER_ACTIVE for s in students)} never active (Canvas exceptions lists them):"]
    shown = sorted(students, key=lambda s: (s.occurrence_id, s.student))[:QUIET_LISTED]
    lines += [f"- Occurrence {s.occurrence_id}, {s.student}: {s.detail}" for s in shown]
    if len(students) > QUIET_LISTED:
        lines.append(f"- and {len(students) - QUIET_LISTED} more.")
    return lines


def send_summary(subject: str, body: str, mail: MailSettings | None = None) -> bool:
    """E-mail the summary through the configured SMTP server (config.mail_settings); in development,
    or with no SMTP host, log it instead. True when sent."""
    mail = mail or current_app.config["MAIL"]
    if not mail.to:
        return False
    if mail.log_only:
        log.info("Nightly summary (not sent: development or no SMTP host) to %s\n%s\n%s", mail.to, subject, body)
        return False
    message = EmailMessage()
    message["Subject"], message["To"] = subject, mail.to
    message["From"] = mail.sender or f"canvaslink@{mail.host}"
    message.set_content(body)
    try:
        with smtplib.SMTP(mail.host, mail.port, timeout=30) as smtp:
            if mail.user:
                smtp.starttls()
                smtp.login(mail.user, mail.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.warning("Could not e-mail the nightly summary to %s", mail.to, exc_info=True)
        return False
    return True
