"""Running the app with uvicorn: in the foreground (`nia-qa serve`) or in a thread (tests, load test)."""

from __future__ import annotations

import errno
import socket
import sys
import threading
import time
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from app.settings import Settings
from app.web.guard import protocol_with_header_timeout
from app.web.service import PipelineFactory
from ingest.errors import UserError


def check_port_free(host: str, port: int) -> None:
    """Fail with one clear line (not uvicorn's traceback) when the address cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UserError(f"port {port} on {host} is already in use; pick another with --port") from exc
            raise UserError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def url_for(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}/"


def _config(app: FastAPI, host: str, port: int, log_level: str) -> uvicorn.Config:
    # One event loop; CPU work runs on the service's pool. Keep-alive lets API clients reuse connections;
    # request headers must arrive within header_read_timeout_s (slow clients are cut off) and at most
    # max_connections are open at once (further requests get 503).
    settings: Settings = getattr(app.state, "settings", None) or Settings()
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        timeout_keep_alive=30,
        access_log=False,
        http=protocol_with_header_timeout(settings.header_read_timeout_s),
        limit_concurrency=settings.max_connections,
        server_header=False,
    )


def tune_threads(settings: Settings) -> None:
    """Give each concurrent question one torch thread (the server's parallelism is the ask pool)."""
    from index.embedder import limit_torch_threads  # without importing torch: queries run on ONNX

    limit_torch_threads(settings.serve_torch_threads)


def build_pipeline_when_called(settings: Settings):  # -> app.pipeline.Pipeline
    """``app.pipeline.build_pipeline``, imported when called: a server that answers in worker
    processes never imports the pipeline's modules itself (~1 s of its start-up)."""
    from app.pipeline import build_pipeline

    return build_pipeline(settings)


def serve(settings: Settings, pipeline_factory: PipelineFactory | None = None) -> int:
    """Serve until Ctrl-C; prints the URL once the socket accepts, and again when answers are ready."""
    from app.web.server import create_app

    if pipeline_factory is None:
        pipeline_factory = build_pipeline_when_called
    check_port_free(settings.host, settings.port)
    workers = settings.serve_workers
    if workers == 1:
        tune_threads(settings)  # with worker processes each worker sets its own torch threads
    app = create_app(pipeline_factory, settings, workers=workers, load_now=True)
    server = uvicorn.Server(_config(app, settings.host, settings.port, "warning"))
    url = url_for(settings.host, settings.port)

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.should_exit:
            return
        print(f"nia-qa chat: {url}  (API docs: {url}docs)", flush=True)
        service = app.state.service
        if service.wait_ready(timeout=None):
            print(f"nia-qa: index and model loaded; ready at {url}", flush=True)
        else:
            print(
                f"nia-qa: error: the pipeline failed to load: {service.status().get('error')}",
                file=sys.stderr,
            )

    threading.Thread(target=announce, name="announce", daemon=True).start()
    server.run()
    return 0


@dataclass
class BackgroundServer:
    """A uvicorn server on a thread; ``stop()`` shuts it down (for tests and the load test)."""

    server: uvicorn.Server
    thread: threading.Thread
    url: str
    app: FastAPI

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def start_background(app: FastAPI, host: str = "127.0.0.1", port: int | None = None) -> BackgroundServer:
    """Start ``app`` on a free port in a daemon thread and wait until it accepts connections."""
    port = port or free_port(host)
    server = uvicorn.Server(_config(app, host, port, "warning"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"server on {host}:{port} did not start")
        time.sleep(0.05)
    return BackgroundServer(server=server, thread=thread, url=url_for(host, port), app=app)
