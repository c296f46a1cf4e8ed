"""Writes postman_collection.json and postman_environment.json (Postman v2.1): every
endpoint of the contract, in an order that chains tokens and ids through collection
variables, with tests on status codes, shapes and error cases.

    python tools/postman/build_collection.py   # after changing the requests below
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
API = "{{baseUrl}}/api/v1"
ERROR_SHAPE = (
    "const e = pm.response.json().error; pm.expect(e.code).to.be.a('string');"
    " pm.expect(e.message).to.be.a('string');"
)


def request(
    name: str,
    method: str,
    url: str,
    status: int,
    body: Any = None,
    token: str | None = "token",
    tests: str = "",
    pre: str = "",
) -> dict[str, Any]:
    headers = [{"key": "Content-Type", "value": "application/json"}] if body is not None else []
    if token:
        headers.append({"key": "Authorization", "value": f"Bearer {{{{{token}}}}}"})
    checks = f"pm.test('status {status}', () => pm.response.to.have.status({status}));\n"
    if status >= 400:
        checks += f"pm.test('error shape', () => {{ {ERROR_SHAPE} }});\n"
    item: dict[str, Any] = {
        "name": name,
        "request": {"method": method, "header": headers, "url": url},
        "event": [{"listen": "test", "script": {"type": "text/javascript",
                                                "exec": (checks + tests).splitlines()}}],
    }  # fmt: skip
    if pre:
        item["event"].append(
            {
                "listen": "prerequest",
                "script": {"type": "text/javascript", "exec": pre.splitlines()},
            }
        )
    if body is not None:
        item["request"]["body"] = {"mode": "raw", "raw": json.dumps(body, indent=2)}
    return item


def test(title: str, code: str) -> str:
    return f"pm.test({json.dumps(title)}, () => {{ {code} }});\n"


NAMES = (
    "const run = Date.now().toString(36);"
    " ['a', 'b', 'c'].forEach(u => pm.collectionVariables.set('user_' + u, 'pm' + u + run));"
)
CREDS = {"username": "{{user_a}}", "password": "postman-password"}


def go_client_paging() -> list[dict[str, Any]]:
    """The reference service's own parameters: with 7 messages (the one sent above and 6
    more), `?page=2&pageSize=3` is the 4th to 6th newest, and no parameters mean 10 a page."""
    sends = [
        request(f"Send DM {n} of 7", "POST", f"{API}/messages/send", 201,
                {"recipient": "{{user_b}}", "content": f"message {n}"},
                tests=test("saved", f"pm.collectionVariables.set('dm_{n}', pm.response.json().id);"))
        for n in range(2, 8)
    ]  # fmt: skip
    newest_4_to_6 = ", ".join(f"pm.collectionVariables.get('dm_{n}')" for n in (4, 3, 2))
    return [
        *sends,
        request("Messages page 2, pageSize 3 (Go client)", "GET", f"{API}/messages/?page=2&pageSize=3", 200,
                tests=test("messages 4 to 6", "const b = pm.response.json();"
                           f" pm.expect(b.messages.map(m => m.id)).to.eql([{newest_4_to_6}]);"
                           " pm.expect(b.pagination.currentPage).to.eql(2); pm.expect(b.pagination.pageSize).to.eql(3);"
                           " pm.expect(b.pagination.totalMessages).to.eql(7); pm.expect(b.pagination.totalPages).to.eql(3);")),
        request("Messages default page size (Go client)", "GET", f"{API}/messages/", 200,
                tests=test("10 a page", "const p = pm.response.json().pagination;"
                           " pm.expect(p.pageSize).to.eql(10); pm.expect(p.totalPages).to.eql(1);"
                           " pm.expect(pm.response.json().messages.length).to.eql(7);")),
    ]  # fmt: skip


THUMBS = "%F0%9F%91%8D"  # the emoji, URL-encoded as a path segment


def reactions_and_pins(group: str) -> list[dict[str, Any]]:
    """On the group's message, before it is deleted: a (admin), b (member), c (admin)."""
    message = f"{group}/messages/{{{{group_message}}}}"
    thumbs = f"{message}/reactions/{THUMBS}"
    return [
        request("React as b", "PUT", thumbs, 204, token="token_b"),
        request("React as b again (idempotent)", "PUT", thumbs, 204, token="token_b"),
        request("React as a", "PUT", thumbs, 204),
        request("History carries reactions", "GET", f"{group}/messages?limit=10", 200,
                tests=test("count 2, me", "const m = pm.response.json().messages.find(m => m.id === pm.collectionVariables.get('group_message'));"
                           " pm.expect(m.reactions).to.eql([{emoji: '👍', count: 2, me: true}]); pm.expect(m.pinned).to.eql(false);")),
        request("Who reacted", "GET", f"{thumbs}?limit=10", 200,
                tests=test("both", "const b = pm.response.json(); pm.expect(b.users.length).to.eql(2); pm.expect(b.next_cursor).to.eql(null);")),
        request("React with 33 characters: 400", "PUT", f"{message}/reactions/{'x' * 33}", 400),
        request("Remove b's reaction", "DELETE", thumbs, 204, token="token_b"),
        request("Message carries the new count", "GET", message, 200, token="token_b",
                tests=test("count 1, not me", "pm.expect(pm.response.json().reactions).to.eql([{emoji: '👍', count: 1, me: false}]);")),
        request("Pin as b (member): 403", "PUT", f"{group}/pins/{{{{group_message}}}}", 403, token="token_b"),
        request("Pin as a", "PUT", f"{group}/pins/{{{{group_message}}}}", 204),
        request("Pins", "GET", f"{group}/pins", 200, token="token_b",
                tests=test("the pinned message", "const b = pm.response.json(); pm.expect(b.messages.map(m => m.id)).to.eql([pm.collectionVariables.get('group_message')]);"
                           " pm.expect(b.messages[0].pinned).to.eql(true);")),
        request("Unpin as c (admin)", "DELETE", f"{group}/pins/{{{{group_message}}}}", 204, token="token_c"),
        request("Pins empty", "GET", f"{group}/pins", 200,
                tests=test("none", "pm.expect(pm.response.json().messages).to.eql([]);")),
        request("Pin again", "PUT", f"{group}/pins/{{{{group_message}}}}", 204),
    ]  # fmt: skip


def after_delete(group: str) -> list[dict[str, Any]]:
    """A deleted message is unpinned and takes no reaction."""
    return [
        request("Deleted message is unpinned", "GET", f"{group}/pins", 200,
                tests=test("none", "pm.expect(pm.response.json().messages).to.eql([]);")),
        request("React to a deleted message: 409", "PUT", f"{group}/messages/{{{{group_message}}}}/reactions/{THUMBS}", 409,
                tests=test("message_deleted", "pm.expect(pm.response.json().error.code).to.eql('message_deleted');")),
    ]  # fmt: skip


def replies_mentions_history(group: str) -> list[dict[str, Any]]:
    """A reply to the group message that mentions b (after b read it), b's unread mention,
    b's mentions, and the group message's two versions."""
    return [
        request("Reply mentioning b", "POST", f"{group}/messages", 201,
                {"content": "@{{user_b}} see above", "reply_to": "{{group_message}}"},
                tests=test("quote and mention", "const b = pm.response.json(); pm.collectionVariables.set('reply_id', b.id);"
                           " pm.expect(b.reply_to.id).to.eql(pm.collectionVariables.get('group_message'));"
                           " pm.expect(b.reply_to.content).to.eql('edited');"
                           " pm.expect(b.mentions).to.eql([pm.collectionVariables.get('user_b')]);")),
        request("Reply to nothing: 400", "POST", f"{group}/messages", 400,
                {"content": "re", "reply_to": "00000000-0000-1000-8000-000000000000"},
                tests=test("invalid_reply_to", "pm.expect(pm.response.json().error.code).to.eql('invalid_reply_to');")),
        request("Conversations as b: a mention", "GET", f"{API}/conversations?limit=10", 200, token="token_b",
                tests=test("mention_count", "const c = pm.response.json().conversations.find(c => c.id === pm.collectionVariables.get('group_id'));"
                           " pm.expect(c.mention_count).to.eql(1); pm.expect(c.unread_count).to.eql(1);")),
        request("Mentions of b", "GET", f"{API}/users/me/mentions?limit=10", 200, token="token_b",
                tests=test("the reply", "const b = pm.response.json(); pm.expect(b.messages.map(m => m.id)).to.eql([pm.collectionVariables.get('reply_id')]);"
                           " pm.expect(b.next_cursor).to.eql(null);")),
        request("Mentions bad limit: 400", "GET", f"{API}/users/me/mentions?limit=0", 400, token="token_b"),
        request("Edit history", "GET", f"{group}/messages/{{{{group_message}}}}/history", 200, token="token_b",
                tests=test("two versions", "pm.expect(pm.response.json().versions.map(v => v.content)).to.eql(['group hello', 'edited']);")),
    ]  # fmt: skip


def after_quoted_deleted(group: str) -> list[dict[str, Any]]:
    return [
        request("Reply shows the deleted quote", "GET", f"{group}/messages/{{{{reply_id}}}}", 200,
                tests=test("no quoted text", "const q = pm.response.json().reply_to;"
                           " pm.expect(q.deleted).to.eql(true); pm.expect(q.content).to.eql(null);")),
        request("Edit history after delete", "GET", f"{group}/messages/{{{{group_message}}}}/history", 200,
                tests=test("no versions", "pm.expect(pm.response.json().versions).to.eql([]);")),
    ]  # fmt: skip


def search_requests(group: str) -> list[dict[str, Any]]:
    """Search after the group message was edited to "edited", and before it is deleted."""
    found = "pm.expect(pm.response.json().messages.map(m => m.id)).to.include(pm.collectionVariables.get('{}'));"
    return [
        request("Search group by prefix", "GET", f"{group}/messages/search?q=EDIT&limit=5", 200,
                tests=test("found", found.format("group_message"))
                + test("page shape", "pm.expect(pm.response.json()).to.have.keys('messages', 'next_cursor');")),
        request("Search group, old text: nothing", "GET", f"{group}/messages/search?q=group%20hello", 200,
                tests=test("none", "pm.expect(pm.response.json().messages).to.eql([]);")),
        request("Search without a word: 400", "GET", f"{group}/messages/search?q=%20-%20", 400),
        request("Search direct messages", "GET", f"{API}/messages/search?q=postm", 200,
                tests=test("found", found.format("dm_id"))),
        request("Search direct messages as b", "GET", f"{API}/messages/search?q=hello%20from", 200, token="token_b",
                tests=test("found", found.format("dm_id"))),
    ]  # fmt: skip


def items() -> list[dict[str, Any]]:
    def login(user: str, save: str) -> dict[str, Any]:
        return request(
            f"Login {user}", "POST", f"{API}/auth/login", 200,
            {"username": f"{{{{user_{user}}}}}", "password": "postman-password"}, token=None,
            tests=test("token pair", "const b = pm.response.json();"
                       " pm.expect(b.token_type).to.eql('Bearer');"
                       f" pm.collectionVariables.set('{save}', b.token);"
                       f" pm.collectionVariables.set('{save}_refresh', b.refresh_token);"),
        )  # fmt: skip

    def register(user: str) -> dict[str, Any]:
        return request(
            f"Register {user}", "POST", f"{API}/auth/register", 201,
            {"username": f"{{{{user_{user}}}}}", "password": "postman-password"}, token=None,
            tests=test("account", "const b = pm.response.json();"
                       f" pm.expect(b.username).to.eql(pm.collectionVariables.get('user_{user}'));"
                       " pm.expect(b.created_at).to.match(/\\.\\d{9}Z$/);"),
            pre=NAMES if user == "a" else "",
        )  # fmt: skip

    group = f"{API}/conversations/{{{{group_id}}}}"
    return [
        request("Health", "GET", f"{API}/health", 200, token=None,
                tests=test("reference keys", "const b = pm.response.json();"
                           " pm.expect(b).to.have.keys('Status', 'HeartBeat', 'Message', 'checks');"
                           " pm.expect(b.Status).to.eql('ALIVE');")),
        request("Ready", "GET", f"{API}/ready", 200, token=None),
        request("OpenAPI", "GET", f"{API}/openapi.json", 200, token=None,
                tests=test("openapi 3", "pm.expect(pm.response.json().openapi).to.match(/^3\\./);")),
        request("Metrics", "GET", "{{baseUrl}}/metrics", 200, token=None,
                tests=test("prometheus text", "pm.expect(pm.response.text()).to.include('http_requests_total');")),
        register("a"),
        request("Register a again: 409", "POST", f"{API}/auth/register", 409, CREDS, token=None,
                tests=test("username_taken", "pm.expect(pm.response.json().error.code).to.eql('username_taken');")),
        request("Register invalid: 400", "POST", f"{API}/auth/register", 400,
                {"username": "x", "password": "short"}, token=None,
                tests=test("details", "pm.expect(pm.response.json().error.details).to.be.an('object');")),
        register("b"),
        register("c"),
        request("Login wrong password: 401", "POST", f"{API}/auth/login", 401,
                {"username": "{{user_a}}", "password": "wrong-password"}, token=None,
                tests=test("invalid_credentials", "pm.expect(pm.response.json().error.code).to.eql('invalid_credentials');")),
        login("a", "token"),
        login("b", "token_b"),
        login("c", "token_c"),
        request("Me without token: 401", "GET", f"{API}/users/me", 401, token=None,
                tests=test("WWW-Authenticate", "pm.expect(pm.response.headers.get('WWW-Authenticate')).to.eql('Bearer');")),
        request("Me", "GET", f"{API}/users/me", 200,
                tests=test("me", "pm.expect(pm.response.json().username).to.eql(pm.collectionVariables.get('user_a'));")),
        request("Search users", "GET", f"{API}/users?q={{{{user_a}}}}&limit=5", 200,
                tests=test("found", "pm.expect(pm.response.json().users.map(u => u.username)).to.include(pm.collectionVariables.get('user_a'));")),
        request("Refresh", "POST", f"{API}/auth/refresh", 200, {"refresh_token": "{{token_refresh}}"}, token=None,
                tests=test("new pair", "const b = pm.response.json(); pm.collectionVariables.set('old_refresh', pm.collectionVariables.get('token_refresh'));"
                           " pm.collectionVariables.set('token', b.token); pm.collectionVariables.set('token_refresh', b.refresh_token);")),
        request("Refresh reused: 401", "POST", f"{API}/auth/refresh", 401, {"refresh_token": "{{old_refresh}}"}, token=None),
        request("Send DM", "POST", f"{API}/messages/send", 201, {"recipient": "{{user_b}}", "content": "hello from postman", "client_message_id": "{{user_a}}-1"},
                tests=test("message", "const b = pm.response.json(); pm.expect(b.sender).to.eql(pm.collectionVariables.get('user_a'));"
                           " pm.expect(b.timestamp).to.match(/\\.\\d{9}Z$/); pm.collectionVariables.set('dm_id', b.id); pm.collectionVariables.set('dm_conversation', b.conversation_id);")),
        request("Send DM retried: same message", "POST", f"{API}/messages/send", 201, {"recipient": "{{user_b}}", "content": "hello from postman", "client_message_id": "{{user_a}}-1"},
                tests=test("same id", "pm.expect(pm.response.json().id).to.eql(pm.collectionVariables.get('dm_id'));")),
        request("Send DM to nobody: 404", "POST", f"{API}/messages/send", 404, {"recipient": "nobody-{{user_a}}", "content": "x"},
                tests=test("recipient_not_found", "pm.expect(pm.response.json().error.code).to.eql('recipient_not_found');")),
        request("Send DM empty: 400", "POST", f"{API}/messages/send", 400, {"recipient": "{{user_b}}", "content": "   "}),
        request("Messages page 1", "GET", f"{API}/messages?page=1&page_size=10", 200,
                tests=test("pagination", "const p = pm.response.json().pagination;"
                           " pm.expect(p).to.have.keys('currentPage', 'pageSize', 'totalMessages', 'totalPages', 'nextCursor'); pm.expect(p.totalMessages).to.eql(1);")),
        request("Messages by cursor", "GET", f"{API}/messages/?limit=1&before={{{{dm_id}}}}", 200,
                tests=test("older page empty", "pm.expect(pm.response.json().messages).to.eql([]);")),
        request("Messages bad page: 400", "GET", f"{API}/messages?page=0", 400),
        *go_client_paging(),
        request("Conversations", "GET", f"{API}/conversations?limit=10", 200,
                tests=test("direct listed", "const c = pm.response.json().conversations; pm.expect(c[0].id).to.eql(pm.collectionVariables.get('dm_conversation')); pm.expect(c[0]).to.have.property('unread_count');")),
        request("Create private group", "POST", f"{API}/conversations", 201, {"name": "Postman", "members": ["{{user_b}}"], "is_private": True},
                tests=test("creator is admin", "const b = pm.response.json(); pm.collectionVariables.set('group_id', b.id);"
                           " pm.expect(b.members.find(m => m.username === pm.collectionVariables.get('user_a')).role).to.eql('admin');")),
        request("Create public group", "POST", f"{API}/conversations", 201, {"name": "Open", "members": [], "is_private": False},
                tests=test("saved", "pm.collectionVariables.set('public_id', pm.response.json().id);")),
        request("Create group invalid: 400", "POST", f"{API}/conversations", 400, {"name": "", "members": []}),
        request("Get group", "GET", group, 200, tests=test("two members", "pm.expect(pm.response.json().members.length).to.eql(2);")),
        request("Join private as c: 403", "POST", f"{group}/join", 403, token="token_c"),
        request("Join public as c", "POST", f"{API}/conversations/{{{{public_id}}}}/join", 204, token="token_c"),
        request("Add c as member", "POST", f"{group}/members", 201, {"username": "{{user_c}}"}),
        request("Add c again: 409", "POST", f"{group}/members", 409, {"username": "{{user_c}}"}),
        request("Promote c", "PATCH", f"{group}/members/{{{{user_c}}}}", 200, {"role": "admin"},
                tests=test("admin", "pm.expect(pm.response.json().role).to.eql('admin');")),
        request("Sync position as b", "GET", f"{API}/sync", 200, token="token_b",
                tests=test("no events, a position", "const b = pm.response.json(); pm.expect(b.events).to.eql([]); pm.collectionVariables.set('sync_b', b.next_since);")),
        request("Post in group", "POST", f"{group}/messages", 201, {"content": "group hello", "attachment": {"type": "image", "url": "https://example.com/a.png"}},
                tests=test("saved", "pm.collectionVariables.set('group_message', pm.response.json().id);")),
        request("Group history", "GET", f"{group}/messages?limit=10", 200,
                tests=test("newest first", "pm.expect(pm.response.json().messages[0].id).to.eql(pm.collectionVariables.get('group_message'));")),
        request("Group history around", "GET", f"{group}/messages?around={{{{group_message}}}}&limit=5", 200),
        request("Group history after", "GET", f"{group}/messages?after={{{{group_message}}}}", 200,
                tests=test("nothing newer", "pm.expect(pm.response.json().messages).to.eql([]);")),
        request("Get message", "GET", f"{group}/messages/{{{{group_message}}}}", 200),
        request("Edit message", "PATCH", f"{group}/messages/{{{{group_message}}}}", 200, {"content": "edited"},
                tests=test("edited_at", "pm.expect(pm.response.json().edited_at).to.be.a('string');")),
        request("Edit as b: 403", "PATCH", f"{group}/messages/{{{{group_message}}}}", 403, {"content": "mine now"}, token="token_b"),
        *search_requests(group),
        request("Mark read as b", "POST", f"{group}/read", 204, {"message_id": "{{group_message}}"}, token="token_b"),
        *reactions_and_pins(group),
        *replies_mentions_history(group),
        *typing_and_presence(group),
        request("Delete message", "DELETE", f"{group}/messages/{{{{group_message}}}}", 204),
        request("Deleted message is a tombstone", "GET", f"{group}/messages/{{{{group_message}}}}", 200,
                tests=test("no content", "const b = pm.response.json(); pm.expect(b.deleted).to.eql(true); pm.expect(b.content).to.eql(null);")),
        *after_delete(group),
        *after_quoted_deleted(group),
        request("Deleted message is not found", "GET", f"{group}/messages/search?q=edited", 200,
                tests=test("none", "pm.expect(pm.response.json().messages).to.eql([]);")),
        request("Remove c", "DELETE", f"{group}/members/{{{{user_c}}}}", 204),
        request("Removed c cannot read: 404", "GET", group, 404, token="token_c"),
        request("Removed c cannot search: 404", "GET", f"{group}/messages/search?q=edited", 404, token="token_c"),
        request("Sync as b: what b heard since", "GET", f"{API}/sync?since={{{{sync_b}}}}&limit=500", 200, token="token_b",
                tests=test("edits, deletes, read marker and removal, each with a stream_id", "const b = pm.response.json(); const types = b.events.map(e => e.type); ['message.created', 'message.updated', 'conversation.read', 'message.deleted', 'conversation.member_left'].forEach(t => pm.expect(types).to.include(t)); b.events.forEach(e => pm.expect(e.stream_id).to.be.a('string')); pm.expect(b.has_more).to.eql(false); pm.collectionVariables.set('sync_b', b.next_since);")),
        request("Sync again from next_since: nothing", "GET", f"{API}/sync?since={{{{sync_b}}}}", 200, token="token_b",
                tests=test("empty", "pm.expect(pm.response.json().events).to.eql([]);")),
        request("Sync with a malformed since: 400", "GET", f"{API}/sync?since=not-a-position", 400, token="token_b"),
        request("Sync from beyond the retention: 410", "GET", f"{API}/sync?since=AQAAAAAAAAAB", 410, token="token_b",
                tests=test("sync_expired", "pm.expect(pm.response.json().error.code).to.eql('sync_expired');")),
        request("Unknown conversation: 404", "GET", f"{API}/conversations/00000000-0000-4000-8000-000000000000", 404),
        request("Logout", "POST", f"{API}/auth/logout", 204, {"refresh_token": "{{token_refresh}}"}, token=None),
        request("Refresh after logout: 401", "POST", f"{API}/auth/refresh", 401, {"refresh_token": "{{token_refresh}}"}, token=None),
        *accounts_by_email(),
    ]  # fmt: skip


def accounts_by_email() -> list[dict[str, Any]]:
    """Registering with an address, the reset and verification calls (the mail goes to
    Mailpit, or waits in the outbox), a password change and logout-all ending sessions."""
    user_d = {"username": "{{user_d}}", "password": "postman-password", "email": "{{email_d}}"}
    new_password = {"username": "{{user_d}}", "password": "postman-password-2"}
    naming = (
        "const run = Date.now().toString(36);"
        " pm.collectionVariables.set('user_d', 'pmd' + run);"
        " pm.collectionVariables.set('email_d', 'pmd.' + run + '@example.com');"
    )
    login_d = test(
        "token pair",
        "pm.collectionVariables.set('token_d', pm.response.json().token);"
        " pm.collectionVariables.set('token_d_refresh', pm.response.json().refresh_token);",
    )
    return [
        request("Register d with an email", "POST", f"{API}/auth/register", 201, user_d, token=None, pre=naming,
                tests=test("email", "pm.expect(pm.response.json().email).to.eql(pm.collectionVariables.get('email_d'));")),
        request("Register with a taken email: 409", "POST", f"{API}/auth/register", 409,
                {**user_d, "username": "{{user_d}}-2"}, token=None,
                tests=test("email_taken", "pm.expect(pm.response.json().error.code).to.eql('email_taken');")),
        request("Register with a bad email: 400", "POST", f"{API}/auth/register", 400,
                {**user_d, "username": "{{user_d}}-3", "email": "not-an-address"}, token=None),
        request("Login d", "POST", f"{API}/auth/login", 200, {"username": "{{user_d}}", "password": "postman-password"},
                token=None, tests=login_d),
        request("Me d: email not verified", "GET", f"{API}/users/me", 200, token="token_d",
                tests=test("email fields", "const b = pm.response.json(); pm.expect(b.email).to.eql(pm.collectionVariables.get('email_d'));"
                           " pm.expect(b.email_verified).to.eql(false);")),
        request("Resend verification", "POST", f"{API}/auth/verify-email/resend", 202, token="token_d"),
        request("Verify with a bad token: 400", "POST", f"{API}/auth/verify-email", 400, {"token": "not-a-token"}, token=None,
                tests=test("invalid_token", "pm.expect(pm.response.json().error.code).to.eql('invalid_token');")),
        request("Password reset by email", "POST", f"{API}/auth/password-reset", 202, {"email": "{{email_d}}"}, token=None),
        request("Password reset by username", "POST", f"{API}/auth/password-reset", 202, {"username": "{{user_d}}"}, token=None),
        request("Password reset for nobody: 202", "POST", f"{API}/auth/password-reset", 202, {"email": "nobody.{{user_d}}@example.com"}, token=None),
        request("Password reset without an account: 400", "POST", f"{API}/auth/password-reset", 400, {}, token=None),
        request("Reset confirm with a bad token: 400", "POST", f"{API}/auth/password-reset/confirm", 400,
                {"token": "not-a-token", "new_password": "postman-password-2"}, token=None),
        request("Change password, wrong current: 403", "POST", f"{API}/auth/password", 403,
                {"current_password": "wrong-password", "new_password": "postman-password-2"}, token="token_d"),
        request("Change password", "POST", f"{API}/auth/password", 204,
                {"current_password": "postman-password", "new_password": "postman-password-2"}, token="token_d"),
        request("Me with a token from before: 401", "GET", f"{API}/users/me", 401, token="token_d"),
        request("Refresh from before: 401", "POST", f"{API}/auth/refresh", 401, {"refresh_token": "{{token_d_refresh}}"}, token=None),
        request("Login d with the new password", "POST", f"{API}/auth/login", 200, new_password, token=None, tests=login_d),
        request("Logout everywhere", "POST", f"{API}/auth/logout-all", 204, token="token_d"),
        request("Me after logout-all: 401", "GET", f"{API}/users/me", 401, token="token_d"),
        request("Refresh after logout-all: 401", "POST", f"{API}/auth/refresh", 401, {"refresh_token": "{{token_d_refresh}}"}, token=None),
    ]  # fmt: skip


def typing_and_presence(group: str) -> list[dict[str, Any]]:
    """Typing in the group (c is a member by now), and who is online (nobody: no sockets)."""
    presence = f"{API}/users/presence"
    too_many = ",".join(f"user{n:03d}" for n in range(101))
    return [
        request("Typing in group", "POST", f"{group}/typing", 204),
        request("Typing again at once (no fan-out)", "POST", f"{group}/typing", 204),
        request("Typing in unknown conversation: 404", "POST", f"{API}/conversations/00000000-0000-4000-8000-000000000000/typing", 404),
        request("Presence of a and b", "GET", f"{presence}?usernames={{{{user_a}}}},{{{{user_b}}}}", 200,
                tests=test("both offline, in order", "const p = pm.response.json().presence;"
                           " pm.expect(p.map(x => x.username)).to.eql([pm.collectionVariables.get('user_a'), pm.collectionVariables.get('user_b')]);"
                           " p.forEach(x => { pm.expect(x.online).to.eql(false); pm.expect(x).to.have.property('last_seen_at'); });")),
        request("Presence of nobody known", "GET", f"{presence}?usernames=nobody-{{{{user_a}}}}", 200,
                tests=test("never seen", "pm.expect(pm.response.json().presence[0].last_seen_at).to.eql(null);")),
        request("Presence without names: 400", "GET", presence, 400),
        request("Presence of 101 names: 400", "GET", f"{presence}?usernames={too_many}", 400),
    ]  # fmt: skip


def main() -> None:
    collection = {
        "info": {
            "name": "chat-service",
            "description": "Every endpoint of the chat-service API, chained: run it in order.",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "variable": [{"key": "baseUrl", "value": "http://127.0.0.1:8000"}],
        "item": items(),
    }
    environment = {
        "name": "chat-service local",
        "values": [{"key": "baseUrl", "value": "http://127.0.0.1:8000", "enabled": True}],
    }
    (ROOT / "postman_collection.json").write_text(json.dumps(collection, indent=2) + "\n")
    (ROOT / "postman_environment.json").write_text(json.dumps(environment, indent=2) + "\n")


if __name__ == "__main__":
    main()
