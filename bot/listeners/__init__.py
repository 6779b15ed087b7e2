"""Listeners grouped by what a person does; each module has register(app).

`/enforce` is one Bolt listener that routes on its first word: modules add their sub-commands
with `@subcommand(app, "stage")`. (One listener instead of one per sub-command with a matcher:
Bolt would otherwise run every matcher, with its argument injection, on each request.)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

from slack_bolt import App

from bot import ids
from bot.parsing import command_text, words
from dragonfly.errors import InvalidInput

Handler = Callable[..., None]
_routes: WeakKeyDictionary[App, dict[str, Handler]] = WeakKeyDictionary()
ARGS = ("ack", "body", "context", "client")


def subcommand(app: App, *names: str) -> Callable[[Handler], Handler]:
    """Register a handler for `/enforce <name> ...`; it may take any of ack, body, context, client."""

    def add(handler: Handler) -> Handler:
        wanted = [p for p in inspect.signature(handler).parameters if p in ARGS]

        def call(**kw: Any) -> None:
            handler(**{k: kw[k] for k in wanted})

        routes = _routes.get(app)
        if routes is None:
            routes = _routes[app] = {}
            _install(app, routes)
        for name in names:
            routes[name] = call
        return handler

    return add


def subcommand_names() -> set[str]:
    """Every `/enforce` sub-command registered in this process (bounded labels for metrics)."""
    return {name for routes in _routes.values() for name in routes}


def _install(app: App, routes: dict[str, Handler]) -> None:
    @app.command(ids.COMMAND)
    def enforce(ack: Any, body: dict[str, Any], context: Any, client: Any) -> None:
        tokens = command_text(body.get("text")).split(maxsplit=1)
        word = tokens[0].lower() if tokens else "help"
        handler = routes.get(word)
        if handler is None:
            raise InvalidInput(
                f'"{tokens[0]}" is not an /enforce sub-command', "Type /enforce help for the list."
            )
        handler(ack=ack, body=body, context=context, client=client)


def args(body: dict[str, Any]) -> list[str]:
    """The words after the sub-command."""
    return words(body.get("text"))[1:]
