"""The WSGI application: Slack requests on POST /slack/events, GET /healthz checks the database."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import text

from bot import metrics
from bot.app import build_app
from bot.listeners import subcommand_names
from bot.slack_http import slack_endpoint
from dragonfly.bootstrap import Services

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
SLACK_PATH = "/slack/events"


def _plain(start_response: Callable[..., Any], status: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def make_wsgi_app(services: Services) -> WSGIApp:
    # The signature is checked on the raw bytes by slack_endpoint, before any parsing, so Bolt's
    # own check (which runs after Bolt has parsed the body) is switched off.
    slack = slack_endpoint(
        build_app(services, request_verification=False), services.settings.slack_signing_secret or ""
    )

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == SLACK_PATH and method == "POST":
            return slack(environ, start_response)
        if path == "/healthz" and method in ("GET", "HEAD"):
            try:
                with services.engine.begin() as conn:
                    conn.execute(text("SELECT 1"))
            except Exception as e:  # the health check reports the failure instead of raising
                return _plain(
                    start_response,
                    "503 Service Unavailable",
                    f"database unavailable: {type(e).__name__}\n".encode(),
                )
            return _plain(start_response, "200 OK", b"ok\n")
        return _plain(start_response, "404 Not Found", b"Not Found\n")

    return metrics.instrument(application, engine=services.engine, commands=subcommand_names())
