"""Search terms: how a message's text becomes the terms it is found by, and how a query
becomes the words it asks for. Pure functions; the index (`repos/search_index.py`) stores
what `message_terms` answers, and the query side reads what `parse_query` answers.

Text is normalized once (NFKC, case folding, accents stripped after NFD), then split into
tokens: runs of word characters joined by `.` or `_`, and URLs (`scheme://...`). A token
is indexed whole and by its parts:

- a URL without its scheme (`https://docs.example.com/a/setup_guide.pdf` gives
  `docs.example.com/a/setup_guide.pdf`), its host, and the host's and path's parts;
- a host name (`docs.example.com`): whole, its parent domains (`example.com`) and its
  labels but the top-level one (`docs`, `example`);
- a file name (`q3_report.pdf`): whole, its stem (`q3_report`), its stem's and its
  extension's parts (`q3`, `report`, `pdf`);
- a `snake_case` word: whole and each part.

Terms are at least `MIN_TERM` characters and cut to `MAX_TERM`; a message gives at most
`MAX_TERMS_PER_MESSAGE` terms (the first ones in reading order, whole tokens before their
parts), which bounds the rows one message writes to the index.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MIN_TERM = 2  # one-letter words ("a", "I") are too common to be worth an index row
MAX_TERM = 64  # longer terms (long URLs) are cut here, on both the index and query sides
MAX_TERMS_PER_MESSAGE = 64  # 4000 characters of text could otherwise give ~1000 terms
QUERY_MAX = 200  # characters of `q`
QUERY_WORDS_MAX = 8  # words of `q`: each is one index read per time window

_URL = re.compile(r"[a-z][a-z0-9+.\-]*://[^\s<>\"']+")
_TOKEN = re.compile(r"\w+(?:[._]\w+)*")
_URL_TRAILER = ".,;:!?)]}'\""
# Extensions that mark a dotted token as a file name rather than a host name, whose last
# label is a top-level domain (`report.pdf` versus `example.com`).
FILE_EXTENSIONS = frozenset(
    re.split(
        r"\s+",
        "7z avi bmp c cfg conf cpp csv css doc docx exe flac gif go gz h htm html ico ics ini "
        "jar java jpeg jpg js json key log md mkv mov mp3 mp4 odt ogg pdf php png ppt pptx py "
        "rar rb rs rtf sh sql svg tar tgz toml ts tsv txt wav webm webp xls xlsx xml yaml yml zip",
    )
)


def normalize(text: str) -> str:
    """NFKC, case-folded, accents stripped: `Café` and `CAFE` both give `cafe`."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFD", folded)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def message_terms(text: str | None) -> list[str]:
    """The distinct terms `text` is found by, in reading order, at most
    `MAX_TERMS_PER_MESSAGE`."""
    terms: dict[str, None] = {}
    if not text:
        return []
    for whole, parts in _tokens(normalize(text)):
        for term in (whole, *parts):
            term = term[:MAX_TERM]
            if len(term) >= MIN_TERM:
                terms.setdefault(term)
                if len(terms) == MAX_TERMS_PER_MESSAGE:
                    return list(terms)
    return list(terms)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """Every word is required; the last one also matches as a prefix (`deploy` finds
    `deploying`)."""

    words: tuple[str, ...]  # whole-term matches, maybe empty
    prefix: str  # the last word

    def matches(self, terms: set[str]) -> bool:
        """Whether a message with `terms` answers the query (the index's candidates are
        checked again against the message's current text)."""
        if not all(word in terms for word in self.words):
            return False
        return any(term.startswith(self.prefix) for term in terms)


class QueryError(ValueError):
    """Why a `q` cannot be searched for."""


def parse_query(q: str) -> SearchQuery:
    """The words of `q`; raises QueryError when there is none worth searching for, or too
    many."""
    if len(q) > QUERY_MAX:
        raise QueryError(f"at most {QUERY_MAX} characters")
    words: dict[str, None] = {}
    for whole, _ in _tokens(normalize(q)):
        word = whole[:MAX_TERM]
        if len(word) >= MIN_TERM:
            words.setdefault(word)
    if not words:
        raise QueryError(f"no word of at least {MIN_TERM} letters or digits")
    if len(words) > QUERY_WORDS_MAX:
        raise QueryError(f"at most {QUERY_WORDS_MAX} words")
    *required, prefix = words
    return SearchQuery(tuple(required), prefix)


def _tokens(text: str) -> list[tuple[str, list[str]]]:
    """(whole token, its parts) for each URL and word of normalized `text`."""
    found: list[tuple[str, list[str]]] = []
    rest = 0
    for url in _URL.finditer(text):
        found.extend(_words(text[rest : url.start()]))
        found.append(_url(url.group().rstrip(_URL_TRAILER)))
        rest = url.end()
    found.extend(_words(text[rest:]))
    return found


def _words(text: str) -> list[tuple[str, list[str]]]:
    return [(token, _parts(token)) for token in _TOKEN.findall(text)]


def _parts(token: str) -> list[str]:
    """The parts of a word: of a dotted name (host or file), else of a snake_case word."""
    if "." not in token:
        return _snake(token)
    labels = token.split(".")
    if labels[-1] in FILE_EXTENSIONS or "_" in labels[-1] or not labels[-1].isalpha():
        stem = ".".join(labels[:-1])
        return [stem, *_snake(stem), *(p for label in labels for p in (label, *_snake(label)))]
    return _host_parts(labels)


def _host_parts(labels: list[str]) -> list[str]:
    """Parent domains (`example.com` of `docs.example.com`), then every label but the
    top-level one."""
    parents = [".".join(labels[i:]) for i in range(1, len(labels) - 1)]
    return [*parents, *(p for label in labels[:-1] for p in (label, *_snake(label)))]


def _snake(word: str) -> list[str]:
    return [part for part in word.split("_") if part] if "_" in word else []


def _url(url: str) -> tuple[str, list[str]]:
    """A URL without its scheme, and its parts: the host's, then the path's and query's."""
    _, _, rest = url.partition("://")
    authority, _, path = rest.partition("/")
    host = authority.rpartition("@")[2].partition(":")[0]
    parts: list[str] = []
    if host:
        parts.append(host)
        if not host.replace(".", "").isdigit():  # an IP address has no name parts
            parts.extend(_host_parts(host.split(".")) if "." in host else [])
    for whole, sub in _words(path):
        parts.extend((whole, *sub))
    return rest, parts
