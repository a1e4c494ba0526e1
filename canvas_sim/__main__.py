"""`python -m canvas_sim --port 8081 --seed demo`: the simulator as its own process."""

import argparse
import sys

from werkzeug.serving import make_server

from .app import create_app
from .settings import Settings, tunable_fields
from .testing import QuietRequestHandler


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m canvas_sim", description="A Canvas LMS REST API simulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--seed", default="demo", help='"demo" or a seed JSON file')
    parser.add_argument("--quiet", action="store_true", help="no log line per request (benchmarks make thousands)")
    defaults = Settings()
    for spec in tunable_fields():
        default = getattr(defaults, spec.name)
        flag = "--" + spec.name.replace("_", "-")
        if isinstance(default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default,
                                help=spec.metadata["help"])
        else:
            shown = ",".join(default) if isinstance(default, tuple) else default
            parser.add_argument(flag, default=default, metavar=type(default).__name__.upper(),
                                help=f"{spec.metadata['help']} (default {shown})")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    # The simulator stands for a remote server. Its request threads mostly sleep out their latency;
    # under CPython's default 5 ms switch interval each one that wakes can wait several intervals
    # for the interpreter, which added tens of milliseconds to answers under load (bench/).
    sys.setswitchinterval(0.0005)
    settings = {spec.name: getattr(args, spec.name) for spec in tunable_fields()}
    app = create_app(seed=args.seed, **settings)
    sim = app.extensions["canvas_sim"]
    server = make_server(args.host, args.port, app, threaded=True,
                         **({"request_handler": QuietRequestHandler} if args.quiet else {}))
    url = f"http://{args.host}:{server.server_port}"
    print(f"Canvas simulator at {url} (seed {args.seed}); controls at {url}/sim/", flush=True)
    if sim.developer_key:
        print(f"  developer key: client id {sim.developer_key[0]}, client secret {sim.developer_key[1]}", flush=True)
    if sim.admin_token:
        print(f"  admin access token: {sim.admin_token}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
