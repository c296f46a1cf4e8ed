"""The cap on glibc's malloc arenas that `serve` applies."""

from __future__ import annotations

import platform

import pytest

from chat_service.infra.allocator import limit_malloc_arenas


def test_zero_leaves_the_default() -> None:
    assert limit_malloc_arenas(0) is False


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_the_cap() -> None:
    assert limit_malloc_arenas(2) is True
