"""`dragonfly serve`: the Slack app (HTTP under gunicorn, or Socket Mode with SLACK_APP_TOKEN)."""

from __future__ import annotations

import typer


def serve_command(
    bind: str = typer.Option(None, help="host:port to listen on (default DRAGONFLY_BIND, 0.0.0.0:3000)"),
    workers: int = typer.Option(None, help="gunicorn worker processes (default DRAGONFLY_WORKERS)"),
    threads: int = typer.Option(8, help="threads per worker (gthread workers)"),
    migrate: bool = typer.Option(True, help="apply pending migrations before serving"),
) -> None:
    """Serve the Slack app: POST /slack/events, GET /healthz.

    Example: dragonfly serve --bind 127.0.0.1:3000 --workers 4
    """
    from bot.server import serve
    from dragonfly.bootstrap import bootstrap
    from dragonfly.settings import Settings

    settings = Settings()
    if not settings.slack_configured:
        typer.echo(
            "dragonfly serve needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket "
            "Mode); see 'Creating the Slack app' in README.md. To try the bot without Slack: dragonfly console",
            err=True,
        )
        raise typer.Exit(2)
    if migrate:
        bootstrap(settings, migrate=True).close()
    from bot.server import SlackUnreachable

    try:
        serve(settings, bind=bind, workers=workers, threads=threads)
    except SlackUnreachable as e:
        typer.echo(f"dragonfly: {e}.", err=True)
        raise typer.Exit(2) from None
