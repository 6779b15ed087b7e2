"""Listeners grouped by what a person does; each module has register(app).

Every `/enforce` sub-command is one `SubCommand` spec: its name, the role it needs and the words
a refusal uses, how its typed words are parsed, the form it opens when they are missing, and its
work. One handler runs them all (parse -> open the form if arguments are missing -> check the
role -> act), and `/enforce help` and the "Write: ..." hints are written from the specs.

`/enforce` is one Bolt listener that routes on its first word; modules add their specs with
`subcommand(app, spec)`. (One listener instead of one per sub-command with a matcher: Bolt would
otherwise run every matcher, with its argument injection, on each request.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from slack_bolt import App, BoltContext
from sqlalchemy import Connection

from bot import ids, parsing
from bot.parsing import command_text, words
from dragonfly.errors import InvalidInput, MissingReason

_routes: WeakKeyDictionary[App, dict[str, SubCommand]] = WeakKeyDictionary()


class _Services:
    """The services and the firm's time zone of a request."""

    context: BoltContext

    @property
    def services(self) -> Any:
        return self.context["services"]

    @property
    def tz(self) -> Any:
        return self.services.settings.tz


@dataclass(frozen=True)
class Request(_Services):
    """One typed `/enforce` command, as a spec's parts see it."""

    ack: Any
    body: dict[str, Any]
    context: BoltContext
    client: Any
    spec: SubCommand

    @property
    def word(self) -> str:
        """The sub-command as typed (`levy`, `garnish`, ... share one spec)."""
        tokens = command_text(self.body.get("text")).split(maxsplit=1)
        return tokens[0].lower() if tokens else "help"

    @property
    def args(self) -> list[str]:
        """The words after the sub-command."""
        return args(self.body)

    def case(self) -> str | None:
        """The case the first word names, if any (a form opens with it picked)."""
        return parsing.case_ref(self.args[0]) if self.args else None

    def usage(self) -> str:
        """The "Write: ..." hint of this sub-command."""
        return f"Write: {self.word} {self.spec.usage}".rstrip()

    def meta(self, **extra: Any) -> dict[str, Any]:
        from bot.listeners.common import meta

        return meta(self.body, **extra)


Work = Callable[[Connection, str], str]
# A typed command that is one sanctioned call: (slack_command's op, its arguments, the reply made
# from its result), run in one round trip by bot.service.one_statement (issue 15).
Statement = tuple[str, dict[str, Any], Callable[[dict[str, Any]], str]]


class Needs(NamedTuple):
    """The role an act needs and how a refusal names the act (role_rules in SQL)."""

    role: str
    what: str


@dataclass(frozen=True)
class SubCommand:
    """One `/enforce` sub-command.

    `parse` turns the typed words into what `work` needs (refusing with a sentence); `work` returns
    the recording, run once in one transaction as the caller (bot.listeners.common.act); a read
    gives `reply` instead (the reply's body). With fewer than `needs` words, `form` opens (or, with
    no form, the person is told `missing` and the usage); `modal` is a form that opens on the case
    typed or clicked. `role_of` names a stricter role for some
    parsed commands (a payment reversal is for admins)."""

    name: str
    usage: str
    summary: str
    role: str | None = "officer"
    what: str | Callable[[str], str] = ""
    parse: Callable[[Request], Any] = lambda request: request.args
    work: Callable[[Any], Work] | None = None
    statement: Callable[[Any], Statement] | None = None  # typed: `work` as one statement
    reply: Callable[[Request, str, Any], dict[str, Any]] | None = None
    form: Callable[[Request], dict[str, Any]] | None = None
    modal: Callable[[dict[str, Any], str | None], dict[str, Any]] | None = None  # form = modal(meta, case)
    needs: int = 1
    missing: str = "Which case?"
    aliases: tuple[str, ...] = ()
    # Words read from the database when the app is built (the workflows: one per workflow_kinds
    # row), in place of name + aliases.
    words: Callable[[], tuple[str, ...]] | None = None
    role_of: Callable[[Any], Needs] | None = None
    notes: tuple[str | Callable[[], str], ...] = field(default=())  # more help lines (callables: read at use)
    # The form's submission: `view` is its callback id, `read` its fields (errors go in
    # form.errors), `form_work` its work when not `work`, `error_block` where refusals show.
    view: str | None = None
    read: Callable[[Form], Any] | None = None
    form_work: Callable[[Any], Work] | None = None
    error_block: str | None = None

    def wording(self, word: str) -> str:
        """What the person is doing, as a refusal says it ("Moving a case's stage")."""
        return self.what(word) if callable(self.what) else self.what

    @property
    def names(self) -> tuple[str, ...]:
        return self.words() if self.words else (self.name, *self.aliases)

    def help_line(self) -> str:
        """This sub-command in `/enforce help`."""
        words_ = " · ".join(f"`{n}`" for n in self.names)
        usage = f" `{self.usage}`" if self.usage else ""
        if len(self.names) == 1:
            words_, usage = f"`{self.name}{(' ' + self.usage) if self.usage else ''}`", ""
        line = f"- {words_}{usage} - {self.summary}"
        return "\n".join([line, *(f"  ({n() if callable(n) else n})" for n in self.notes)])


def run(spec: SubCommand, request: Request) -> None:
    """Parse -> open the form if arguments are missing -> check the role -> act."""
    from bot.listeners.common import act, open_modal
    from bot.middleware import require

    if len(request.args) < spec.needs:
        if spec.form is None and spec.modal is None:
            raise MissingReason(spec.missing, request.usage())
        require(request.context, spec.role or "viewer", spec.wording(request.word))
        view = spec.form(request) if spec.form else spec.modal(request.meta(), request.case())  # type: ignore[misc]
        open_modal(ack=request.ack, client=request.client, body=request.body, view=view)
        return
    parsed = spec.parse(request)
    role, what = spec.role_of(parsed) if spec.role_of else (spec.role, spec.wording(request.word))
    if spec.reply is not None:
        user = require(request.context, role, what) if role else str(request.context.user_id)
        request.ack(response_type="ephemeral", **spec.reply(request, user, parsed))
        return
    assert spec.work is not None and role is not None
    if spec.statement is not None:
        from bot.service import one_statement

        op, args_, reply = spec.statement(parsed)
        one_statement(
            ack=request.ack, context=request.context, body=request.body, role=role, what=what, op=op, args=args_,
            reply=reply,
        )
        return
    act(ack=request.ack, context=request.context, body=request.body, role=role, what=what, work=spec.work(parsed))


def subcommand(app: App, *specs: SubCommand) -> None:
    """Route `/enforce <name> ...` (each of the specs' names) to the generic handler, and each
    spec's form submission to `submitted`."""
    routes = _routes.get(app)
    if routes is None:
        routes = _routes[app] = {}
        _install(app, routes)
    for spec in specs:
        for name in spec.names:
            routes[name] = spec
        if spec.view is not None:
            _install_form(app, spec)


@dataclass
class Form(_Services):
    """A submitted form, as a spec's `read` sees it."""

    body: dict[str, Any]
    context: BoltContext
    client: Any
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def view(self) -> dict[str, Any]:
        return self.body["view"]  # type: ignore[no-any-return]

    def value(self, block: str) -> Any:
        from bot.service import value

        return value(self.view, block)

    def field(self, block: str, parse: Callable[[], Any]) -> Any:
        """Parse one field; a refusal becomes that field's error."""
        from bot.listeners.common import field as field_

        return field_(self.errors, block, parse)

    @property
    def meta(self) -> dict[str, Any]:
        from bot.service import meta_of

        return meta_of(self.view)


def _install_form(app: App, spec: SubCommand) -> None:
    from bot.listeners.common import submit

    assert spec.read is not None and spec.role is not None and spec.view is not None

    @app.view(spec.view)
    def submitted(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        form = Form(body=body, context=context, client=client)
        parsed = spec.read(form)  # type: ignore[misc]
        work = spec.form_work or spec.work
        assert work is not None and spec.role is not None
        submit(
            ack=ack,
            context=context,
            body=body,
            role=spec.role,
            what=spec.wording(form.meta.get("kind") or spec.name),
            errors=form.errors,
            error_block=spec.error_block,
            work=(lambda conn, user: "") if form.errors else work(parsed),
        )


def calls(function: Callable[..., str]) -> Callable[[dict[str, Any]], Work]:
    """A spec's work that calls `function(conn, user, **parsed)`."""
    return lambda parsed: lambda conn, user: function(conn, user, **parsed)


def subcommand_names() -> set[str]:
    """Every `/enforce` sub-command registered in this process (bounded labels for metrics)."""
    return {name for routes in _routes.values() for name in routes}


def all_specs() -> list[SubCommand]:
    """Every sub-command spec, in the order of `/enforce help`."""
    from bot.listeners import advance, case_facts, cases, papers, payments, reading, workflows

    modules = (cases, reading, case_facts, payments, workflows, advance, papers)
    return [spec for module in modules for spec in module.COMMANDS]


def help_text(specs: Iterable[SubCommand] | None = None) -> str:
    """`/enforce help`, written from the specs."""
    lines = [spec.help_line() for spec in (all_specs() if specs is None else specs)]
    return "\n".join(
        [
            "*/enforce* sub-commands (leave arguments out to get a form):",
            *lines,
            "Steps that are legal acts need their document: upload it in the form or in the thread I post.",
        ]
    )


def _install(app: App, routes: dict[str, SubCommand]) -> None:
    @app.command(ids.COMMAND)
    def enforce(ack: Any, body: dict[str, Any], context: Any, client: Any) -> None:
        tokens = command_text(body.get("text")).split(maxsplit=1)
        word = tokens[0].lower() if tokens else "help"
        spec = routes.get(word)
        if spec is None:
            raise InvalidInput(f'"{tokens[0]}" is not an /enforce sub-command', "Type /enforce help for the list.")
        run(spec, Request(ack=ack, body=body, context=context, client=client, spec=spec))


def args(body: dict[str, Any]) -> list[str]:
    """The words after the sub-command."""
    return words(body.get("text"))[1:]
