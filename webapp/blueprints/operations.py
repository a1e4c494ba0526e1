"""For the machines that run canvaslink: /healthz and /readyz for a load balancer or a service manager,
/metrics for Prometheus. None needs sign-in (a load balancer has no account) and none changes anything,
so none takes a CSRF token; /metrics answers only this machine or the bearer token (metrics.py)."""

from flask import Blueprint, Response, abort, jsonify, request

from ..extensions import csrf
from ..metrics import exposition, may_scrape
from ..services.operations.readiness import failed_checks
from .common import public

bp = Blueprint("operations", __name__)
csrf.exempt(bp)


@bp.route("/healthz")
@public
def healthz():
    """The process serves: nothing else is asked (a database away must not get every web process restarted)."""
    return jsonify(status="ok")


@bp.route("/readyz")
@public
def readyz():
    """Ready to serve: 200, or 503 with what failed. `?workers=1`: a worker must beat as well."""
    failed = failed_checks(workers=request.args.get("workers") == "1")
    if failed:
        return jsonify(status="unavailable", failed=failed), 503
    return jsonify(status="ok")


@bp.route("/metrics")
@public
def metrics():
    if not may_scrape():
        abort(403)
    body, content_type = exposition()
    return Response(body, content_type=content_type)
