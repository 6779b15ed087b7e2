"""`dragonfly serve`: the WSGI app under gunicorn (HTTP mode), or Socket Mode when SLACK_APP_TOKEN
is set. Services are built in each worker after the fork (no shared connections)."""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

from dragonfly.settings import Settings

log = logging.getLogger(__name__)


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn, configured in code; each worker builds its own services and app."""

    def __init__(
        self,
        settings: Settings,
        *,
        bind: str | None = None,
        workers: int | None = None,
        threads: int = 1,
    ) -> None:
        self.settings = settings
        self.threads = threads
        self.options: dict[str, object] = {
            "bind": bind or settings.dragonfly_bind,
            "workers": workers or settings.dragonfly_workers,
            "threads": threads,
            "accesslog": None,
            "loglevel": "warning",
            "timeout": 30,
            "keepalive": 5,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from bot.wsgi import make_wsgi_app
        from dragonfly.bootstrap import bootstrap

        return make_wsgi_app(bootstrap(self.settings, pool_size=max(2, self.threads + 1)))


def serve_http(
    settings: Settings, *, bind: str | None = None, workers: int | None = None, threads: int = 1
) -> None:
    GunicornServer(settings, bind=bind, workers=workers, threads=threads).run()


class SlackUnreachable(RuntimeError):
    """Socket Mode could not connect; the message is one sentence saying what to check."""


def serve_socket_mode(settings: Settings) -> None:
    """Connect out to Slack (apps.connections.open, then its WebSocket) and serve until stopped.
    If Slack cannot be reached or refuses the app token, SlackUnreachable says so in a sentence
    (the CLI prints it and exits 2) instead of a traceback."""
    import threading

    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build_app
    from dragonfly.bootstrap import bootstrap

    services = bootstrap(settings)
    handler = SocketModeHandler(build_app(services), settings.slack_app_token)
    try:
        connect_socket_mode(handler, settings)
    except SlackUnreachable:
        handler.close()
        services.close()
        raise
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
    settings: Settings, *, bind: str | None = None, workers: int | None = None, threads: int = 1
) -> None:
    """Socket Mode when SLACK_APP_TOKEN is set, else HTTP under gunicorn."""
    if settings.slack_app_token:
        log.warning("SLACK_APP_TOKEN is set: serving in Socket Mode")
        serve_socket_mode(settings)
    else:
        serve_http(settings, bind=bind, workers=workers, threads=threads)
