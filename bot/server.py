"""`dragonfly serve`: the WSGI app under gunicorn (HTTP mode), or Socket Mode when SLACK_APP_TOKEN
is set. Services are built in each worker after the fork (no shared connections).

Slow clients: gunicorn's threaded workers (gthread) wait for a connection's first bytes in the
worker's event loop, not in a thread, and each request gets REQUEST_READ_SECONDS in total to
arrive (request line, headers and body). A client that dribbles bytes holds one thread for at
most that long while the other threads keep answering; request line and header sizes are capped
here, the body in bot/slack_http.py."""

from __future__ import annotations

import errno
import logging
import socket
import time
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import TConn, ThreadWorker

from dragonfly.settings import Settings

log = logging.getLogger(__name__)

# Slack sends a whole request at once and gives up on us after 3 s; a request that has not
# fully arrived in 5 s is not Slack's.
REQUEST_READ_SECONDS = 5.0
# How long writing one response may block (a client that does not read).
SEND_SECONDS = 5.0
DEFAULT_THREADS = 8


class _DeadlineSocket(socket.socket):
    """A client socket whose blocking reads share one deadline per request: the worker switches
    the socket to blocking mode when it starts reading a request, which starts the clock; once
    it has passed, reads see end-of-file, and gunicorn closes the connection quietly."""

    __slots__ = ("_deadline",)

    def setblocking(self, flag: bool) -> None:
        if flag:
            self._deadline: float | None = time.monotonic() + REQUEST_READ_SECONDS
            super().settimeout(REQUEST_READ_SECONDS)
        else:
            self._deadline = None
            super().setblocking(False)

    def recv(self, size: int, *flags: int) -> bytes:
        deadline = getattr(self, "_deadline", None)
        if deadline is None:
            return super().recv(size, *flags)
        left = deadline - time.monotonic()
        if left <= 0:
            return b""
        super().settimeout(left)
        try:
            return super().recv(size, *flags)
        except TimeoutError:
            return b""

    def sendall(self, data: Any, *flags: int) -> None:
        if getattr(self, "_deadline", None) is not None:
            super().settimeout(SEND_SECONDS)
        super().sendall(data, *flags)


class DeadlineThreadWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker with a per-request read deadline on every client socket
    (ThreadWorker.accept, with the accepted socket re-made as a _DeadlineSocket)."""

    def accept(self, listener: Any) -> None:
        try:
            sock, addr = listener.accept()
            self.nr_conns += 1
            sock = _DeadlineSocket(sock.family, sock.type, sock.proto, fileno=sock.detach())
            self.enqueue_req(TConn(self.cfg, sock, addr, listener.getsockname()))
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise


def gunicorn_options(bind: str, workers: int, threads: int) -> dict[str, object]:
    """The serving configuration, shared with bench/bench_bot.py so both apps are served alike."""
    return {
        "bind": bind,
        "workers": workers,
        "worker_class": "bot.server.DeadlineThreadWorker",
        "threads": threads,
        "accesslog": None,
        "loglevel": "warning",
        "timeout": 30,  # a worker that stops answering its arbiter this long is restarted
        "graceful_timeout": 10,
        "keepalive": 5,
        "limit_request_line": 8190,
        "limit_request_fields": 50,
        "limit_request_field_size": 8190,
    }


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn, configured in code; each worker builds its own services and app."""

    def __init__(
        self,
        settings: Settings,
        *,
        bind: str | None = None,
        workers: int | None = None,
        threads: int = DEFAULT_THREADS,
    ) -> None:
        self.settings = settings
        self.threads = threads
        self.options = gunicorn_options(bind or settings.dragonfly_bind, workers or settings.dragonfly_workers, threads)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from bot.wsgi import make_wsgi_app
        from dragonfly.bootstrap import bootstrap

        return make_wsgi_app(bootstrap(self.settings, pool_size=max(2, self.threads + 1)))


def serve_http(
    settings: Settings,
    *,
    bind: str | None = None,
    workers: int | None = None,
    threads: int = DEFAULT_THREADS,
) -> None:
    GunicornServer(settings, bind=bind, workers=workers, threads=threads).run()


class SlackUnreachable(RuntimeError):
    """Socket Mode could not connect; the message is one sentence saying what to check."""


def serve_socket_mode(settings: Settings) -> None:
    """Connect out to Slack (apps.connections.open, then its WebSocket) and serve until stopped.
    If Slack cannot be reached or refuses the app token, SlackUnreachable says so in a sentence
    (the CLI prints it and exits 2) instead of a traceback."""
    import threading

    from bot.app import build_app
    from bot.listeners import subcommand_names
    from bot.metrics import metered_socket_mode_handler
    from dragonfly import metrics
    from dragonfly.bootstrap import bootstrap

    services = bootstrap(settings)
    handler = metered_socket_mode_handler(build_app(services), settings.slack_app_token, subcommand_names())
    try:
        connect_socket_mode(handler, settings)
    except SlackUnreachable:
        handler.close()
        services.close()
        raise
    metrics.start_listener(settings.socket_metrics_bind, services.engine, "DRAGONFLY_SOCKET_METRICS_BIND")
    log.warning("Socket Mode: connected to Slack")
    threading.Event().wait()


def connect_socket_mode(handler: Any, settings: Settings) -> None:
    from slack_sdk.errors import SlackApiError

    api = settings.slack_api_url
    try:
        handler.connect()
    except SlackApiError as e:
        error = (e.response or {}).get("error") or "an error"
        raise SlackUnreachable(
            f"Slack refused SLACK_APP_TOKEN for Socket Mode ({error}): use an app-level token (xapp-...) "
            "with the connections:write scope, from the app's Basic Information page"
        ) from e
    except OSError as e:  # URLError, refused, DNS, timeout
        reason = getattr(e, "reason", e)
        raise SlackUnreachable(
            f"cannot reach Slack at {api} for Socket Mode ({reason}); check the network, a proxy, and SLACK_API_URL"
        ) from e
    if not handler.client.is_connected():
        raise SlackUnreachable(
            f"Slack gave a Socket Mode address ({handler.client.wss_uri}) but its WebSocket did not connect; "
            "check that outbound WebSocket connections (wss, port 443) are allowed"
        )


def serve(
    settings: Settings,
    *,
    bind: str | None = None,
    workers: int | None = None,
    threads: int = DEFAULT_THREADS,
) -> None:
    """Socket Mode when SLACK_APP_TOKEN is set, else HTTP under gunicorn."""
    if settings.slack_app_token:
        log.warning("SLACK_APP_TOKEN is set: serving in Socket Mode")
        serve_socket_mode(settings)
    else:
        serve_http(settings, bind=bind, workers=workers, threads=threads)
