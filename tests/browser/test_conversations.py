"""Two and three people chatting in their own browsers, everything arriving live."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser.pages import ChatPage
from tests.integration.processes import ServiceProcess


async def test_two_people_chat_with_live_unread_badge_reply_and_seen(
    web_browser: Browser, service: ServiceProcess, opened: list[ChatPage]
) -> None:
    alice, bob = await ChatPage.pair(web_browser, service.url, opened, "Hi Bob, lunch today?")
    await expect(alice.message("Hi Bob, lunch today?")).not_to_contain_text("Sending")

    # Bob never reloads: the conversation appears, then its badge rises with each message.
    await expect(bob.conversation(alice.username)).to_contain_text("1 unread")
    await alice.send("At noon?")
    await expect(bob.conversation(alice.username)).to_contain_text("2 unread")
    await expect(bob.conversation(alice.username)).to_contain_text("At noon?")

    await bob.open_conversation(alice.username)
    await expect(bob.message("At noon?")).to_be_visible()
    assert await bob.message_texts() == ["Hi Bob, lunch today?", "At noon?"]
    await expect(bob.conversation(alice.username)).not_to_contain_text("unread")
    await bob.send("Sure, see you there")

    await expect(alice.message("Sure, see you there")).to_be_visible()
    await expect(alice.message("At noon?")).to_contain_text("Seen")
    expected = ["Hi Bob, lunch today?", "At noon?", "Sure, see you there"]
    assert await alice.message_texts() == expected
    await expect(alice.conversation(bob.username)).not_to_contain_text("unread")


async def test_a_group_of_three_with_members_managed_by_its_admin(
    web_browser: Browser, service: ServiceProcess, opened: list[ChatPage]
) -> None:
    ann = await ChatPage.open(web_browser, service.url, opened)
    ben = await ChatPage.open(web_browser, service.url, opened)
    cat = await ChatPage.open(web_browser, service.url, opened)

    await ann.create_group("Trip planning", [ben.username])
    await ann.send("Where shall we go?")
    await expect(ben.conversation("Trip planning")).to_contain_text("1 unread")

    # The admin adds the third person, who sees the group appear and reads its history.
    await ann.page.get_by_role("button", name="Members").click()
    members = ann.page.get_by_role("dialog", name="Members")
    await members.get_by_label("Add people").fill(cat.username)
    await members.get_by_role("button", name=f"Add {cat.username}").click()
    await expect(members.get_by_role("listitem").filter(has_text=cat.username)).to_be_visible()
    await members.press("Escape")
    await expect(members).to_be_hidden()

    await cat.open_conversation("Trip planning")
    await expect(cat.message("Where shall we go?")).to_be_visible()
    await cat.send("The mountains!")
    await ben.open_conversation("Trip planning")
    await ben.send("Agreed")

    for person in (ann, cat):
        await expect(person.message("Agreed")).to_be_visible()
    await expect(ann.message("Where shall we go?")).to_be_visible()
    seen_by = ann.message("Where shall we go?").locator(".seen")
    await expect(seen_by).to_contain_text(ben.username)
    await expect(seen_by).to_contain_text(cat.username)

    # Ann makes Cat an admin; Cat now sees the admin's tools.
    await ann.page.get_by_role("button", name="Members").click()
    await members.get_by_role("button", name=f"Make admin: {cat.username}").click()
    await expect(members.get_by_role("button", name=f"Make member: {cat.username}")).to_be_visible()
    await members.press("Escape")
    await cat.page.get_by_role("button", name="Members").click()
    cat_members = cat.page.get_by_role("dialog", name="Members")
    await expect(cat_members.get_by_label("Add people")).to_be_visible()
    await cat_members.press("Escape")

    # Removing a member: the admin removes Ben, who loses the group live.
    await ann.page.get_by_role("button", name="Members").click()
    await members.get_by_role("button", name=f"Remove {ben.username}").click()
    await expect(members.get_by_role("listitem").filter(has_text=ben.username)).to_be_hidden()
    await members.press("Escape")
    await expect(ben.conversation("Trip planning")).to_be_hidden()

    # Cat leaves on her own.
    await cat.page.get_by_role("button", name="Members").click()
    await (
        cat.page.get_by_role("dialog", name="Members")
        .get_by_role("button", name="Leave group")
        .click()
    )
    await expect(cat.conversation("Trip planning")).to_be_hidden()
    await expect(ann.log.get_by_text(f"{cat.username} left the group")).to_be_visible()


async def test_joining_a_public_group_from_its_link(
    web_browser: Browser, service: ServiceProcess, opened: list[ChatPage]
) -> None:
    owner = await ChatPage.open(web_browser, service.url, opened)
    visitor = await ChatPage.open(web_browser, service.url, opened)
    await owner.create_group("Open book club", [])
    await owner.send("Welcome, readers")
    link = owner.page.url

    await visitor.page.goto(link)
    await visitor.page.get_by_role("button", name="Join group").click()
    await expect(visitor.message("Welcome, readers")).to_be_visible()
    await expect(visitor.conversation("Open book club")).to_be_visible()
    await expect(owner.log.get_by_text(f"{visitor.username} joined the group")).to_be_visible()

    # A private group cannot be joined from its address: the page says why.
    await owner.page.get_by_role("button", name="New conversation").click()
    dialog = owner.page.get_by_role("dialog", name="New conversation")
    await dialog.get_by_label("Group name").fill("Board only")
    await dialog.get_by_label("Private").check()
    await dialog.get_by_role("button", name="Create group").click()
    await expect(owner.page.get_by_role("heading", name="Board only")).to_be_visible()
    await visitor.page.goto(owner.page.url)
    await visitor.page.get_by_role("button", name="Join group").click()
    await expect(visitor.page.get_by_text("This group is private")).to_be_visible()
    await expect(visitor.conversation("Board only")).to_have_count(0)


async def test_edits_and_deletes_show_live_on_the_other_side(
    web_browser: Browser, service: ServiceProcess, opened: list[ChatPage]
) -> None:
    alice, bob = await ChatPage.pair(web_browser, service.url, opened, "See you at 5")
    composer = alice.page.get_by_label("Message", exact=True)
    await composer.fill("Bring the map")
    await composer.press("Shift+Enter")  # a new line, not a send
    await composer.press_sequentially("and a torch")
    await composer.press("Enter")
    await bob.open_conversation(alice.username)
    await expect(bob.message("Bring the map")).to_be_visible()
    assert await bob.message_texts() == ["See you at 5", "Bring the map\nand a torch"]

    await alice.message("See you at 5").get_by_role("button", name="Edit message").click()
    editor = alice.log.get_by_role("textbox", name="Edit message")
    await editor.fill("See you at 6")
    await editor.press("Enter")
    await expect(bob.message("See you at 6")).to_contain_text("edited")
    await expect(bob.message("See you at 5")).to_have_count(0)

    await alice.message("Bring the map").get_by_role("button", name="Delete message").click()
    await alice.page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    await expect(bob.message("Bring the map")).to_have_count(0)
    await expect(bob.log.get_by_text("Message deleted")).to_be_visible()
    assert await bob.message_texts() == ["See you at 6", "Message deleted"]

    # Typed in a quick row, without waiting: stored and shown in the order typed.
    burst = [f"quick {i}" for i in range(1, 6)]
    for text in burst:
        await composer.fill(text)
        await composer.press("Enter")
    await expect(bob.message("quick 5")).to_be_visible()
    await expect(alice.message("quick 5")).not_to_contain_text("Sending")
    for person in (alice, bob):
        assert (await person.message_texts())[2:] == burst


async def test_keyboard_only_a_person_finds_someone_and_sends(
    web_browser: Browser, service: ServiceProcess, opened: list[ChatPage]
) -> None:
    alice = await ChatPage.open(web_browser, service.url, opened)
    bob = await ChatPage.open(web_browser, service.url, opened)
    keys = alice.page.keyboard
    await alice.page.get_by_role("button", name="New conversation").focus()
    await keys.press("Enter")
    await expect(alice.page.get_by_label("Find people")).to_be_focused()
    await keys.type(bob.username)
    message_bob = alice.page.get_by_role("button", name=f"Message {bob.username}")
    await expect(message_bob).to_be_visible()
    while not await message_bob.evaluate("el => el === document.activeElement"):
        await keys.press("Tab")
    await keys.press("Enter")
    await expect(alice.page.get_by_label("Message", exact=True)).to_be_focused()
    await keys.type("typed without a mouse")
    await keys.press("Enter")
    await expect(bob.conversation(alice.username)).to_contain_text("typed without a mouse")


async def test_the_list_is_filtered_by_name(
    web_browser: Browser, service: ServiceProcess, opened: list[ChatPage]
) -> None:
    alice, bob = await ChatPage.pair(web_browser, service.url, opened, "hello")
    await alice.create_group("Book club", [bob.username])
    await alice.send("first meeting on Monday")

    links = alice.conversations.get_by_role("link")
    await expect(links).to_have_count(2)
    await expect(links.first).to_contain_text("Book club")  # newest activity first
    filter_box = alice.page.get_by_role("searchbox", name="Filter conversations")
    await filter_box.fill("BOOK")
    await expect(links).to_have_count(1)
    await expect(links.first).to_contain_text("Book club")
    await filter_box.fill(bob.username[2:8])
    await expect(links).to_have_count(1)
    await expect(links.first).to_contain_text(bob.username)
    await filter_box.fill("")
    await expect(links).to_have_count(2)
