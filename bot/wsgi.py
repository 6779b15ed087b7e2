"""The WSGI application: Slack requests on POST /slack/events, GET /healthz checks the database."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot import metrics
from bot.app import build_app
from bot.listeners import subcommand_names
from dragonfly.bootstrap import Services

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def make_wsgi_app(services: Services) -> WSGIApp:
    slack = SlackRequestHandler(build_app(services), path="/slack/events")

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            try:
                with services.engine.begin() as conn:
                    conn.execute(text("SELECT 1"))
                status, body = "200 OK", b"ok\n"
            except Exception as e:  # the health check reports the failure instead of raising
                status, body = (
                    "503 Service Unavailable",
                    f"database unavailable: {type(e).__name__}\n".encode(),
                )
            start_response(
                status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
            )
            return [body]
        return slack(environ, start_response)

    return metrics.instrument(application, engine=services.engine, commands=subcommand_names())
