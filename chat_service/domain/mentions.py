"""`@username` mentions: which members a text names.

A mention is `@` followed by a username, not preceded by a letter, digit or `@` (so that
`ann@example.com` mentions nobody). Usernames may contain `.` and `-`, so a name that is not a
member is tried again without its trailing dots and dashes (`@bob.` at the end of a sentence).
Names are case-insensitive: the lowercase form is kept, once, in order of first appearance.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from chat_service.domain import validation

_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9_.\-]{2,31})")
MENTIONS_MAX = 50  # a message names at most this many members (the rest are plain text)


def mentioned(content: str | None, members: Collection[str]) -> tuple[str, ...]:
    """The members (lowercase usernames) that `content` mentions."""
    if not content or "@" not in content:
        return ()
    found: dict[str, None] = {}
    for match in _MENTION.finditer(content):
        name = match.group(1).lower()
        if name not in members:
            name = name.rstrip(".-")
        if name in members and validation.USERNAME.fullmatch(name):
            found[name] = None
            if len(found) >= MENTIONS_MAX:
                break
    return tuple(found)
