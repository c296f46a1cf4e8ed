"""The first load of the client, measured in the browser: JavaScript and CSS bytes as
sent (gzip) and the time until the first screen can be used. Only the size is asserted
(a budget the code controls); the time is printed, since timing on a shared machine
would make a flaky test."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.browser.pages import ChatPage
from tests.conftest import unique_name
from tests.integration.processes import ServiceProcess

BUDGET_BYTES = 100 * 1024

_FIGURES = """() => {
  const assets = performance.getEntriesByType('resource')
    .filter((r) => /\\.(js|css)$/.test(new URL(r.name).pathname));
  const sum = (key) => assets.reduce((total, r) => total + r[key], 0);
  return {
    files: assets.length,
    compressed: sum('encodedBodySize'),
    uncompressed: sum('decodedBodySize'),
    interactive: performance.getEntriesByName('chat:interactive')[0]?.startTime ?? null,
  };
}"""


async def _figures(page: Page) -> dict[str, float]:
    await page.wait_for_function("() => performance.getEntriesByName('chat:interactive').length")
    return await page.evaluate(_FIGURES)


async def test_first_load_fits_the_size_budget_and_reports_time_to_interactive(
    web_browser: Browser, service: ServiceProcess, opened: list[ChatPage]
) -> None:
    person = await ChatPage.open(web_browser, service.url, opened, register=False)
    cold = await _figures(person.page)
    assert cold["files"] >= 2  # the stylesheet and the modules
    assert cold["compressed"] < cold["uncompressed"]  # sent gzipped
    assert cold["compressed"] < BUDGET_BYTES, cold

    # Logged in, the first screen waits for the conversation list too.
    await person.register(unique_name("load"))
    await person.page.reload()
    await expect(person.conversations).to_be_visible()
    warm = await _figures(person.page)
    print(
        f"\nfirst load: {cold['files']} JS+CSS files, {cold['compressed']} bytes gzip "
        f"({cold['uncompressed']} uncompressed); interactive after "
        f"{cold['interactive']:.0f} ms (login screen, cold cache), "
        f"{warm['interactive']:.0f} ms (logged in, conversation list loaded, warm cache)"
    )
