"""Splitting a CQL script into statements, as cqlsh does: on `;` outside string literals,
quoted identifiers and comments, with comments dropped and runs of whitespace outside
literals collapsed to one space (a literal is kept byte for byte)."""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""
      (?P<literal>'(?:[^']|'')*'|"(?:[^"]|"")*"|\$\$.*?\$\$)
    | (?P<comment>--[^\n]*|//[^\n]*|/\*.*?\*/)
    | (?P<end>;)
    | (?P<space>\s+)
    | (?P<unterminated>'|"|\$\$|/\*)
    | (?P<other>[^'"$;\s/-]+|.)
    """,
    re.DOTALL | re.VERBOSE,
)


class ScriptError(ValueError):
    """A script that cannot be split: a literal or comment that never ends."""


def split_statements(cql: str) -> tuple[str, ...]:
    statements: list[str] = []
    current: list[str] = []
    for match in _TOKEN.finditer(cql):
        kind, text = match.lastgroup, match.group()
        if kind == "unterminated":
            line = cql.count("\n", 0, match.start()) + 1
            raise ScriptError(f"line {line}: {text} is never closed")
        if kind == "end":
            statements.append("".join(current).strip())
            current = []
        elif kind in ("comment", "space"):
            if current and current[-1] != " ":
                current.append(" ")
        else:
            current.append(text)
    statements.append("".join(current).strip())
    return tuple(statement for statement in statements if statement)
