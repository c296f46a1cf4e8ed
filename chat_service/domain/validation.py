"""The constants of the input rules. Requests are validated once, at the edge, by the
request models of `api/schemas/`, which read their limits and patterns from here."""

from __future__ import annotations

import re
from typing import Literal

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{2,31}$")
# As clients may send it (either letter case); a JSON Schema / Rust-regex pattern.
USERNAME_INPUT = r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$"
PASSWORD_MIN, PASSWORD_MAX = 8, 128
CONTENT_MAX = 4000
CLIENT_MESSAGE_ID_MAX = 64
# One character that is not whitespace in the sense of `str.isspace` (the same set, as a
# pattern that JSON Schema and pydantic's Rust regex read alike).
NOT_BLANK = r"[^\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
# A version-1 UUID in the 8-4-4-4-12 form, either letter case (what `parse_timeuuid` takes).
TIMEUUID_INPUT = (
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-1[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)
HTTP_URL = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+"
QUERY_INT = re.compile(r"-?[0-9]{1,9}")
AttachmentType = Literal["image", "audio", "video", "file"]
MEMBERS_MAX = 256
USER_PREFIX_MAX = 32
CONVERSATION_QUERY_MAX = 100
PAGE_MAX = 1_000_000
LIMIT_MAX = 100

GROUP_NAME_MAX = 100
URL_MAX = 2048

# Email addresses: ASCII, a local part and a dotted domain (what every mail server takes);
# stored lowercase.
EMAIL_INPUT = r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$"
EMAIL_MAX = 254
EMAIL_TOKEN_MAX = 128
# Reactions and pins (issue #18).
EMOJI_MAX = 32  # characters (code points) of one reaction's emoji
REACTIONS_PER_USER_MAX = 20  # distinct emoji one user puts on one message
PINS_MAX = 50  # pinned messages per conversation: the pin set is read whole with every page
# An emoji may hold joiners and variation selectors (Cf, Mn), never whitespace or controls.
EMOJI = r"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000/]{1,32}$"
