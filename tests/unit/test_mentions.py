"""Which members a text mentions."""

from chat_service.domain.mentions import MENTIONS_MAX, mentioned

MEMBERS = {"ann", "bob", "bob.smith", "cy-d"}


def test_members_are_mentioned_lowercase_once_in_order() -> None:
    assert mentioned("@Bob hi @ANN and @bob again", MEMBERS) == ("bob", "ann")


def test_only_members_and_only_real_mentions() -> None:
    assert mentioned("@eve, ann@bob.com, @@ann, x@ann", MEMBERS) == ()
    assert mentioned(None, MEMBERS) == ()
    assert mentioned("no at sign", MEMBERS) == ()


def test_trailing_punctuation_is_not_part_of_the_name() -> None:
    assert mentioned("thanks @bob. and @cy-d-", MEMBERS) == ("bob", "cy-d")
    assert mentioned("ping @bob.smith.", MEMBERS) == ("bob.smith",)


def test_mentions_are_capped() -> None:
    many = {f"user{i:03}" for i in range(MENTIONS_MAX + 10)}
    text = " ".join(f"@{name}" for name in sorted(many))
    assert len(mentioned(text, many)) == MENTIONS_MAX
