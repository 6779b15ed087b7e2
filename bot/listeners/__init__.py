"""Listeners grouped by what a person does; each module has register(app)."""

from __future__ import annotations

from typing import Any

from bot.parsing import words


def sub(*names: str) -> Any:
    """A matcher for `/enforce <name> ...`."""
    wanted = set(names)

    def match(body: dict[str, Any]) -> bool:
        tokens = (body.get("text") or "").split(maxsplit=1)
        return (tokens[0].lower() if tokens else "help") in wanted

    return match


def args(body: dict[str, Any]) -> list[str]:
    """The words after the sub-command."""
    return words(body.get("text"))[1:]
