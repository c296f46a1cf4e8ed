"""Accounts by email in the web client: an Email field at registration, the links of the
mail actually sent (verify, reset with "New password"), "Forgot password?" and "Log out
everywhere"."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser.pages import ChatPage
from tests.conftest import unique_name
from tests.integration.api import PASSWORD
from tests.integration.mailpit import token_in, wait_for_mail
from tests.integration.processes import ServiceProcess
from tests.integration.test_email_accounts import unique_address

NEW_PASSWORD = "a browser-chosen password"


async def test_register_with_an_email_verify_it_then_reset_the_password(
    web_browser: Browser, service: ServiceProcess, opened: list[ChatPage]
) -> None:
    person = await ChatPage.open(web_browser, service.url, opened, register=False)
    page, name, email = person.page, unique_name("mail"), unique_address("browser")
    await page.get_by_label("Email").fill(email)
    await person.register(name)

    (verification,) = await wait_for_mail(email)
    await page.goto(f"/#/verify-email?token={token_in(verification, 'verify')}")
    await expect(page.get_by_role("status")).to_have_text("Your email address is confirmed.")
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("button", name="Log out everywhere")).to_be_visible()

    await page.get_by_role("button", name="Log out", exact=True).click()
    await page.get_by_role("link", name="Forgot password?").click()
    await page.get_by_label("Email or account name").fill(email)
    await page.get_by_role("button", name="Send reset link").click()
    await expect(page.get_by_role("status")).to_contain_text("on its way")

    mails = await wait_for_mail(email, 2)
    reset = next(m for m in mails if m["Subject"] == "Reset your password")
    await page.goto(f"/#/reset-password?token={token_in(reset, 'reset')}")
    await page.get_by_label("New password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Set new password").click()
    await page.get_by_role("button", name="Continue").click()
    await person.log_in(name, NEW_PASSWORD)
    person.assert_no_page_errors()


async def test_log_out_everywhere_ends_the_other_devices_too(
    web_browser: Browser, service: ServiceProcess, opened: list[ChatPage]
) -> None:
    phone = await ChatPage.open(web_browser, service.url, opened)
    laptop = await ChatPage.open(web_browser, service.url, opened, register=False)
    await laptop.log_in(phone.username, PASSWORD)

    await laptop.page.get_by_role("button", name="Log out everywhere").click()
    await expect(laptop.page.get_by_role("button", name="Log in")).to_be_visible()
    # The phone's socket is closed (4001) and its tokens refused: it is back at the login.
    await expect(phone.page.get_by_role("button", name="Log in")).to_be_visible()
