"""A parser for the Grafana Alloy configuration syntax, as far as a test needs it (`alloy`
itself cannot be installed here): blocks with an optional label, attributes, strings,
numbers, booleans, null, lists, objects, references and function calls, `//` and `/* */`
comments. A syntax error raises AlloySyntaxError with its line."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r"""
      (?P<space>\s+|//[^\n]*|/\*.*?\*/)
    | (?P<string>"(?:[^"\\\n]|\\.)*"|`[^`]*`)
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<punct>[{}\[\](),.=])
    | (?P<error>.)
    """,
    re.DOTALL | re.VERBOSE,
)


class AlloySyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Reference:
    """A dotted name used as a value, such as `discovery.docker.containers.targets`."""

    path: tuple[str, ...]


@dataclass
class Block:
    name: str
    label: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)


def parse(text: str) -> list[Block]:
    return _Parser(text).document()


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str, int]] = []
        for match in _TOKEN.finditer(text):
            kind, value = match.lastgroup or "", match.group()
            line = text.count("\n", 0, match.start()) + 1
            if kind == "error":
                raise AlloySyntaxError(f"line {line}: unexpected {value!r}")
            if kind != "space":
                self.tokens.append((kind, value, line))
        self.position = 0

    def document(self) -> list[Block]:
        attributes, blocks = self._body(closing=None)
        if attributes:
            raise AlloySyntaxError(f"attributes outside a block: {sorted(attributes)}")
        return blocks

    def _peek(self, offset: int = 0) -> tuple[str, str, int]:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "", -1)

    def _take(self, kind: str, value: str | None = None) -> str:
        token_kind, token_value, line = self._peek()
        if token_kind != kind or (value is not None and token_value != value):
            raise AlloySyntaxError(f"line {line}: expected {value or kind}, got {token_value!r}")
        self.position += 1
        return token_value

    def _body(self, closing: str | None) -> tuple[dict[str, Any], list[Block]]:
        attributes: dict[str, Any] = {}
        blocks: list[Block] = []
        while self._peek()[1] != closing and self._peek()[0] != "end":
            name = self._take("ident")
            if self._peek()[1] == "=":
                self._take("punct", "=")
                if name in attributes:
                    raise AlloySyntaxError(f"line {self._peek()[2]}: {name} set twice")
                attributes[name] = self._expression()
                continue
            while self._peek()[1] == ".":
                self._take("punct", ".")
                name += "." + self._take("ident")
            label = json.loads(self._take("string")) if self._peek()[0] == "string" else None
            self._take("punct", "{")
            inner_attributes, inner_blocks = self._body(closing="}")
            self._take("punct", "}")
            blocks.append(Block(name, label, inner_attributes, inner_blocks))
        if closing is not None and self._peek()[0] == "end":
            raise AlloySyntaxError(f"unclosed block: expected {closing}")
        return attributes, blocks

    def _expression(self) -> Any:
        kind, value, line = self._peek()
        if kind == "string":
            self.position += 1
            return value[1:-1] if value.startswith("`") else json.loads(value)
        if kind == "number":
            self.position += 1
            return float(value) if "." in value else int(value)
        if value == "[":
            return self._sequence("[", "]", self._expression)
        if value == "{":
            return dict(self._sequence("{", "}", self._entry))
        if kind == "ident":
            if value in ("true", "false", "null"):
                self.position += 1
                return {"true": True, "false": False, "null": None}[value]
            path = [self._take("ident")]
            while self._peek()[1] == ".":
                self._take("punct", ".")
                path.append(self._take("ident"))
            if self._peek()[1] == "(":
                return ("call", ".".join(path), self._sequence("(", ")", self._expression))
            return Reference(tuple(path))
        raise AlloySyntaxError(f"line {line}: expected a value, got {value!r}")

    def _entry(self) -> tuple[str, Any]:
        quoted = self._peek()[0] == "string"
        key = json.loads(self._take("string")) if quoted else self._take("ident")
        self._take("punct", "=")
        return key, self._expression()

    def _sequence(self, opening: str, closing: str, item: Any) -> list[Any]:
        self._take("punct", opening)
        items = []
        while self._peek()[1] != closing:
            items.append(item())
            if self._peek()[1] != ",":
                break
            self._take("punct", ",")
        self._take("punct", closing)
        return items
