"""The Slack app: build_app(services) wires the middleware, the listeners and the error handler."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot import errors, middleware
from bot.listeners import cases, documents, home, options, papers, payments, reading, workflows
from dragonfly import rules
from dragonfly.bootstrap import Services

# Slack waits 3 seconds for the answer to a request; a Web API call made while answering
# (views.open, chat.postMessage) must give up well before that, so the person hears that
# Slack is slow instead of nothing (the client's default is 30 s).
REQUEST_PATH_TIMEOUT_SECONDS = 2


def build_app(services: Services, *, token_verification: bool = False, request_verification: bool = True) -> App:
    """A Bolt app that answers before responding (process_before_response): listeners stay fast
    and slow work goes to durable queues. `request_verification=False` only behind
    bot.slack_http, which checks the signature on the raw bytes before Bolt sees the request."""
    settings = services.settings
    rules.load(services.engine)  # forms offer the database's stages and kinds (dragonfly/rules.py)
    client = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=REQUEST_PATH_TIMEOUT_SECONDS,
    )
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=client,
        process_before_response=True,
        token_verification_enabled=token_verification,
        request_verification_enabled=request_verification,
    )
    middleware.register(app, services)
    errors.register(app)
    for module in (cases, reading, workflows, payments, documents, home, options, papers):
        module.register(app)

    return app
