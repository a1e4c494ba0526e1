"""gunicorn settings for canvaslink: `gunicorn -c deploy/gunicorn.conf.py 'webapp:create_app()'`.

Each gunicorn worker counts its own requests; /metrics adds them up through prometheus-client's
multiprocess mode, which keeps every process's counts in files under PROMETHEUS_MULTIPROC_DIR. That
folder must be empty when gunicorn starts (old files would count twice) and hold a dead worker's files
only as "dead" (child_exit), so it is set here, before any worker imports the app.
"""

import os
import shutil
import tempfile

bind = "127.0.0.1:8000"  # -b on the command line wins
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))  # one per core (README, Running in production)
threads = 4
# canvaslink writes its own line per request, with its request id (webapp/logs.py).
accesslog = None
# A worker that takes longer than this on one request is restarted; bulk work runs in RQ workers.
timeout = 60
# gunicorn 24+ opens a control socket in the user's home folder, one path for every gunicorn of that user:
# canvaslink needs none (HUP reloads, TERM stops).
control_socket_disable = True



def on_starting(server):
    """In the master, before any worker is forked: the workers inherit the folder's name."""
    port = server.cfg.bind[0].rsplit(":", 1)[-1]
    folder = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                                   os.path.join(tempfile.gettempdir(), f"canvaslink-metrics-{port}"))
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, mode=0o700)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
