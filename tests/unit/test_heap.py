import gc
from collections.abc import Iterator

import pytest

from chat_service.infra.heap import YOUNG_THRESHOLD, freeze_startup_objects


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_gc")
def test_objects_alive_at_start_up_leave_the_collectors_sight() -> None:
    long_lived = [[n] for n in range(1000)]
    assert _seen_by_collector(long_lived)

    freeze_startup_objects()

    assert gc.get_freeze_count() >= 1000
    assert not _seen_by_collector(long_lived)


@pytest.mark.usefixtures("restored_gc")
def test_young_collections_are_rarer_and_older_thresholds_kept() -> None:
    _, middle, old = gc.get_threshold()

    freeze_startup_objects()

    assert gc.get_threshold() == (YOUNG_THRESHOLD, middle, old)


def _seen_by_collector(thing: object) -> bool:
    return any(tracked is thing for tracked in gc.get_objects())
