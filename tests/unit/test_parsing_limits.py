"""Parser limits: a huge command is refused before the shell-style split (which took 24 s on
1 MB); NUL characters and lone surrogates are refused with a sentence, never stored."""

from __future__ import annotations

import time

import pytest

from bot import parsing
from dragonfly.errors import InvalidInput


def test_a_1mb_command_is_refused_fast() -> None:
    text = "note DF-1 " + "'a \"b " * 170_000  # ~1 MB of unbalanced quotes, shlex's worst case
    t0 = time.perf_counter()
    with pytest.raises(InvalidInput, match="the limit is 4,000"):
        parsing.words(text)
    assert time.perf_counter() - t0 < 0.1


def test_the_limit_itself_is_accepted() -> None:
    text = "note DF-1 " + "x" * (parsing.MAX_COMMAND_CHARS - 10)
    assert parsing.words(text)[:2] == ["note", "DF-1"]
    with pytest.raises(InvalidInput):
        parsing.words(text + "x")


@pytest.mark.parametrize(
    ("text", "sentence"),
    [("note DF-1 a\x00b", "NUL character"), ("note DF-1 a\ud83db", "broken character")],
)
def test_unstorable_characters_are_refused(text: str, sentence: str) -> None:
    with pytest.raises(InvalidInput, match=sentence) as e:
        parsing.words(text)
    assert e.value.hint.endswith("send it again.")


def test_emoji_and_rtl_marks_are_fine() -> None:
    assert parsing.words("note DF-1 \U0001f600 \u200f\u05e9\u05dc\u05d5\u05dd") == [
        "note",
        "DF-1",
        "\U0001f600",
        "\u200f\u05e9\u05dc\u05d5\u05dd",
    ]
