"""`nia-qa serve`: the web chat at / and the HTTP API at /api (docs at /docs); answers in --workers processes."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the web chat and the HTTP API (default http://127.0.0.1:7860)",
        description="Serve the chat page at / and the API (POST /api/ask, GET /healthz, docs at /docs). "
        "The URL is printed as soon as the server is reachable; the index loads in the background.",
    )
    p.add_argument("--host", help="bind address (default NIA_QA_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default NIA_QA_PORT or 7860)")
    p.add_argument("--feedback-db", type=str, dest="feedback_db", help="SQLite file for feedback votes")
    p.add_argument(
        "--workers",
        type=int,
        help="processes answering questions, each with its own index copy (default NIA_QA_SERVE_WORKERS or 2)",
    )
    p.add_argument("--answerer", choices=["extractive", "llm"], help="override NIA_QA_ANSWERER")
    p.add_argument(
        "--allowed-host",
        action="append",
        dest="allowed_hosts",
        metavar="NAME",
        help="a Host name clients may use besides loopback and --host (repeatable; NIA_QA_ALLOWED_HOSTS)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline machines: no telemetry calls

    from app.settings import Settings
    from app.web.run import serve
    from ingest.errors import UserError

    if args.workers is not None and not 1 <= args.workers <= 16:
        raise UserError("--workers must be 1..16")

    settings = Settings().with_overrides(
        host=args.host,
        port=args.port,
        feedback_db=args.feedback_db,
        answerer=args.answerer,
        serve_workers=args.workers,
        allowed_hosts=args.allowed_hosts,
    )
    return serve(settings)
