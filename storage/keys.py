"""Object keys: `cases/<case_ref>/<ulid>-<safe name>`, made here and nowhere else."""

from __future__ import annotations

import re

from ulid import ULID

from storage.validate import safe_filename

CASE_REF = re.compile(r"DF-\d{1,12}")
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")


def make_key(case_ref: str, filename: str | None) -> str:
    """A new, unique key for a document of case `case_ref` (e.g. ``DF-12``)."""
    if not isinstance(case_ref, str) or not CASE_REF.fullmatch(case_ref):
        raise ValueError(f"invalid case reference {case_ref!r}: expected DF- followed by digits")
    return f"cases/{case_ref}/{ULID()}-{safe_filename(filename)}"


def check_key(key: str) -> str:
    """Return `key` if it is a well-formed relative key (no `..`, no leading dot or slash)."""
    if not isinstance(key, str) or len(key) > 512 or not _KEY.fullmatch(key):
        raise ValueError(f"invalid document key {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """Return `prefix` if listing under it is safe (empty, or a key-like path, may end in /)."""
    if prefix == "":
        return prefix
    check_key(prefix.rstrip("/"))
    return prefix
