"""The tokenizer and the query parser (`domain/search.py`): examples of every kind of
token, and properties over any text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat_service.domain.search import (
    MAX_TERM,
    MAX_TERMS_PER_MESSAGE,
    MIN_TERM,
    QUERY_MAX,
    QueryError,
    SearchQuery,
    message_terms,
    normalize,
    parse_query,
)


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("Deploying the app", ["deploying", "the", "app"]),
        ("Café CRÈME brûlée", ["cafe", "creme", "brulee"]),
        ("ﬁle Ｆｕｌｌ①", ["file", "full1"]),  # NFKC: ligature, full width, circled digit
        ("Straße", ["strasse"]),  # case folding, not just lowercasing
        ("example.com", ["example.com", "example"]),
        ("docs.example.co.uk", ["docs.example.co.uk", "example.co.uk", "co.uk", "docs",
                                "example", "co"]),
        ("q3_report.pdf", ["q3_report.pdf", "q3_report", "q3", "report", "pdf"]),
        ("setup_guide v2", ["setup_guide", "setup", "guide", "v2"]),
        ("__init__", ["__init__", "init"]),
        ("see https://www.Example.com/guides/setup_guide.html?lang=fr.",
         ["see", "www.example.com/guides/setup_guide.html?lang=fr", "www.example.com",
          "example.com", "www", "example", "guides", "setup_guide.html", "setup_guide",
          "setup", "guide", "html", "lang", "fr"]),
        ("(http://10.0.0.1:8080/status)", ["10.0.0.1:8080/status", "10.0.0.1", "status"]),
        ("ftp://me@files.example.org", ["me@files.example.org", "files.example.org",
                                        "example.org", "files", "example"]),
        ("a I x y", []),  # one-letter words are not indexed
        ("hello, hello! HELLO", ["hello"]),
        ("", []),
    ],
)  # fmt: skip
def test_terms_of_examples(text: str, terms: list[str]) -> None:
    assert message_terms(text) == terms


def test_no_content_has_no_terms() -> None:
    assert message_terms(None) == []


def test_terms_per_message_are_capped_keeping_the_first() -> None:
    words = [f"word{n}" for n in range(200)]
    assert message_terms(" ".join(words)) == words[:MAX_TERMS_PER_MESSAGE]


def test_long_terms_are_cut_on_both_sides() -> None:
    word = "x" * QUERY_MAX
    assert message_terms(word) == ["x" * MAX_TERM]
    assert parse_query(word) == SearchQuery((), "x" * MAX_TERM)


@pytest.mark.parametrize(
    ("q", "words", "prefix"),
    [
        ("deploy", (), "deploy"),
        ("Deploy the APP", ("deploy", "the"), "app"),
        ("cafe café CAFE", (), "cafe"),  # repeats are one word
        ("example.com", (), "example.com"),
        ("https://example.com/x", (), "example.com/x"),
        ("a deploy", (), "deploy"),  # one-letter words are ignored
        ("app app deploy", ("app",), "deploy"),
    ],
)
def test_queries(q: str, words: tuple[str, ...], prefix: str) -> None:
    assert parse_query(q) == SearchQuery(words, prefix)


@pytest.mark.parametrize("q", ["", "   ", "a", "? ! -", "x" * (QUERY_MAX + 1), "a b c d",
                               " ".join(f"w{n}" for n in range(9))])  # fmt: skip
def test_unsearchable_queries_are_refused(q: str) -> None:
    with pytest.raises(QueryError):
        parse_query(q)


def test_the_last_word_matches_as_a_prefix_the_others_whole() -> None:
    terms = set(message_terms("Deploying the app"))
    assert parse_query("deploy").matches(terms)
    assert parse_query("the deploy").matches(terms)
    assert not parse_query("deploy the").matches(terms)  # "deploy" is not a whole word
    assert not parse_query("app deployed").matches(terms)


# Properties over any text, and over a small alphabet that makes collisions likely.
small_text = st.text(alphabet="abcdeéèçñüABCÉ _.-/:", max_size=80)
any_text = st.text(max_size=200)


@given(any_text)
def test_terms_are_distinct_normalized_and_bounded(text: str) -> None:
    terms = message_terms(text)
    assert len(terms) == len(set(terms)) <= MAX_TERMS_PER_MESSAGE
    for term in terms:
        assert MIN_TERM <= len(term) <= MAX_TERM
        assert not any(ch.isspace() for ch in term)


@given(any_text)
def test_normalizing_first_changes_nothing(text: str) -> None:
    assert message_terms(normalize(text)) == message_terms(text)


@given(small_text)
def test_case_and_accents_do_not_matter(text: str) -> None:
    plain = text.upper().translate(str.maketrans("ÉÈÇÑÜ", "EECNU"))
    assert message_terms(plain) == message_terms(text)


@given(any_text)
def test_a_query_is_parsed_or_refused_with_a_reason(q: str) -> None:
    try:
        query = parse_query(q)
    except QueryError as exc:
        assert str(exc)
    else:
        assert MIN_TERM <= len(query.prefix) <= MAX_TERM
        assert query.prefix not in query.words


@given(st.lists(st.from_regex(r"[A-Za-zÀ-ÖØ-öø-ÿ0-9]{2,12}", fullmatch=True), min_size=1))
def test_every_word_of_a_message_finds_it_whole_and_by_any_prefix(words: list[str]) -> None:
    terms = set(message_terms(" ".join(words)))
    for word in words:
        assert parse_query(word).matches(terms)
        for end in range(MIN_TERM, len(word)):
            assert parse_query(word[:end]).matches(terms)
    assert parse_query(" ".join(words[-8:])).matches(terms)


@given(st.lists(st.from_regex(r"[a-z0-9]{2,8}", fullmatch=True), min_size=2, max_size=4))
def test_every_part_of_a_snake_or_file_name_finds_it(parts: list[str]) -> None:
    snake = "_".join(parts)
    terms = set(message_terms(f"{snake}.pdf"))
    assert {snake, f"{snake}.pdf", "pdf", *parts} <= terms
