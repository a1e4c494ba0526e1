"""Flask CLI commands: `flask setup`, `flask create-user`, `flask seed-demo`."""

import click
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import select

from .extensions import db
from .models import Role
from .services import DomainError
from .services.setup.demo import seed_demo
from .services.setup.reference_data import ensure_reference_data
from .services.result_transfer.start_rules import START_RULES, UNATTENDED_START_RULES
from .services.result_transfer.unattended import pull_results
from .services.staff.users import create_user

canvas_cli = AppGroup("canvas", help="Work with Canvas from the command line (for cron and scripts).")


@canvas_cli.command("pull-results")
@click.option("--all", "everything", is_flag=True, required=True,
              help="Every Active transferred enrolment of every Active linked occurrence.")
@click.option("--process", is_flag=True, help="Also save the rows that need no person's decision.")
@click.option("--start-rule", type=click.Choice(UNATTENDED_START_RULES), default=None,
              help="Start date for started units: " + "; ".join(f"{kind} = {START_RULES[kind]}"
                                                               for kind in UNATTENDED_START_RULES)
              + ". Without it they wait for review on the Utilities page.")
def pull_results_command(everything, process, start_rule):
    """Transfer results from Canvas LMS for all occurrences, in this process (no worker needed)."""
    try:
        summary = pull_results(None, process=process, start_rule_kind=start_rule)
    except DomainError as err:
        raise click.ClickException(err.message) from None
    click.echo(f"Run {summary.run_id}: downloaded {summary.downloaded} students, {summary.failed_downloads} failed.")
    if process:
        click.echo(f"Saved {summary.saved} row(s); {summary.waiting} wait for review "
                   "(Utilities › Transfer results from Canvas LMS); "
                   f"{summary.kept} kept as staff decisions or final outcomes.")
    if summary.failed_downloads:
        raise SystemExit(1)


def register_cli(app):
    app.cli.add_command(canvas_cli)

    @app.cli.command("setup")
    def setup_command():
        """Migrate the database to the newest schema and add missing reference data."""
        upgrade()
        ensure_reference_data()
        db.session.commit()
        click.echo("Database is up to date.")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--name", "display_name", default="", help="Name shown in the app.")
    @click.option("--role", "role_names", multiple=True, default=["Administrator"], show_default=True,
                  help="Role to give; repeat for several.")
    @click.password_option(help="Asked for when not given.")
    def create_user_command(username, display_name, role_names, password):
        """Create a staff user who can sign in."""
        ensure_reference_data()
        roles = db.session.scalars(select(Role).where(Role.name.in_(role_names))).all()
        missing = set(role_names) - {r.name for r in roles}
        if missing:
            raise click.UsageError(f"No role named {', '.join(sorted(missing))}.")
        try:
            create_user(username, display_name or username, password, roles)
        except DomainError as err:
            raise click.UsageError(err.message) from None
        db.session.commit()
        click.echo(f"Created {username} with role(s) {', '.join(role_names)}.")

    @app.cli.command("seed-demo")
    @click.option("--password", "passwords", multiple=True, metavar="USER=PASSWORD",
                  help="Fix a demo user's password instead of generating one.")
    def seed_demo_command(passwords):
        """Load the demo RTO (idempotent) and print the staff logins it created."""
        fixed = dict(p.split("=", 1) for p in passwords)
        created = seed_demo(fixed)
        db.session.commit()
        click.echo("Demo data is loaded.")
        for username, password in created.items():
            click.echo(f"  created login  {username} / {password}")
