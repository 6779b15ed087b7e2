"""`dragonfly storage`: prepare the document store, and remove objects no document row points at."""

from __future__ import annotations

import typer

from dragonfly.cli.common import command_app, console, fail

app = command_app(help="The document store (STORAGE_URL: file:///path or s3://bucket/prefix).", no_args_is_help=True)


@app.command("init")
def init_command() -> None:
    """Create the bucket or folder if allowed; check access (example: dragonfly storage init)."""
    from dragonfly.settings import Settings
    from storage.base import StorageError
    from storage.factory import store_from_url

    settings = Settings()
    try:
        store = store_from_url(
            settings.effective_storage_url, max_bytes=settings.storage_max_bytes, sse=settings.storage_sse
        )
        lines = store.init()
    except (StorageError, ValueError) as exc:
        raise fail(str(exc)) from None
    for line in lines:
        console.print(line, highlight=False)


@app.command("gc")
def gc_command(
    older_than: str = typer.Option("1d", "--older-than", help="Only objects older than this: 30m, 12h, 1d, 7d"),
    apply: bool = typer.Option(False, "--apply", help="Delete them (without it, only list them)"),
) -> None:
    """Remove stored objects no document row points at.

    Example: dragonfly storage gc --older-than 1d --apply (without --apply: a dry run).
    """
    from dragonfly.bootstrap import bootstrap
    from dragonfly.orphans import gc, parse_duration
    from storage.base import StorageError

    try:
        cutoff = parse_duration(older_than)
    except ValueError as exc:
        raise fail(str(exc), code=2) from None
    s = bootstrap(migrate=False)
    try:
        result = gc(s, cutoff, apply=apply)
    except StorageError as exc:
        raise fail(str(exc)) from None
    finally:
        s.close()
    if not apply:
        for o in result.candidates:
            when = f"{o.last_modified:%Y-%m-%d %H:%M}"
            console.print(f"would delete {o.key} ({o.size} bytes, {when})", highlight=False)
        hint = "; run again with --apply to delete them" if result.candidates else ""
        n = len(result.candidates)
        console.print(f"{n} unreferenced object(s) older than {older_than}{hint}")
        return
    for key in result.deleted:
        console.print(f"deleted {key}", highlight=False)
    for key in result.skipped:
        console.print(f"kept {key} (a document row points at it now)", highlight=False)
    for key, message in result.failed:
        console.print(f"could not delete {key}: {message}", highlight=False)
    console.print(
        f"deleted {len(result.deleted)} of {len(result.candidates)} unreferenced object(s) older than {older_than}"
    )
    if result.failed:
        raise typer.Exit(1)
