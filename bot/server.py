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


def serve_socket_mode(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build_app
    from dragonfly.bootstrap import bootstrap

    SocketModeHandler(build_app(bootstrap(settings)), settings.slack_app_token).start()


def serve(
    settings: Settings, *, bind: str | None = None, workers: int | None = None, threads: int = 1
) -> None:
    """Socket Mode when SLACK_APP_TOKEN is set, else HTTP under gunicorn."""
    if settings.slack_app_token:
        log.warning("SLACK_APP_TOKEN is set: serving in Socket Mode")
        serve_socket_mode(settings)
    else:
        serve_http(settings, bind=bind, workers=workers, threads=threads)
