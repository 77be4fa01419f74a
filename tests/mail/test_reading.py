"""Reading mail from the real Dovecot: folders, pages, messages, never marking seen."""

from __future__ import annotations

import threading

import imapclient
import pytest

from tests.support import mailgen
from tests.support.fixtures_mail import BULK_COUNT, PASSWORD, PASSWORD_USER, imaps_settings
from tui.core.mail.client import Credential, MailClient
from tui.core.mail.errors import MailCancelled, MailError, MailFolderChanged, MailNotFound


@pytest.fixture
def client(dovecot):
    """A logged-in client for the password user (INBOX = the corpus)."""
    c = MailClient(imaps_settings(dovecot, PASSWORD_USER))
    c.connect()
    c.login(Credential.password(PASSWORD))
    yield c
    c.close()


@pytest.fixture
def oauth_client(dovecot, mail_idp):
    """A logged-in client for the OAuth user (has the Bulk folder)."""
    from tests.support.fixtures_mail import IMAP_SCOPE, OAUTH_USER

    token = mail_idp.issue_token(OAUTH_USER, scope=IMAP_SCOPE)
    c = MailClient(imaps_settings(dovecot, OAUTH_USER))
    c.connect()
    c.login(Credential.token(token.access_token))
    yield c
    c.close()


def _raw_flags(dovecot, user, folder, uid):
    """Flags as the server has them, read by a plain imapclient connection."""
    with imapclient.IMAPClient(
        dovecot.host, dovecot.imaps_port, ssl_context=dovecot.ssl_context()
    ) as c:
        c.plain_login(user, PASSWORD)  # LOGIN cannot carry a non-ASCII password
        c.select_folder(folder, readonly=True)
        return {f.decode() for f in c.get_flags([uid])[uid]}


def test_folders(oauth_client):
    folders = {f.name: f for f in oauth_client.folders()}
    assert list(folders)[0] == "INBOX"
    assert {"INBOX", "Bulk", "Archive/2024"} <= set(folders)
    assert folders["Archive"].selectable is False
    assert folders["Archive/2024"].delimiter == "/"


def test_every_seeded_message_lists_with_decoded_fields(client, corpus):
    page = client.page("INBOX")
    assert page.total == len(corpus)
    assert page.next_before_uid is None
    assert [m.uid for m in page.messages] == list(range(len(corpus), 0, -1))
    by_uid = {m.uid: m for m in page.messages}
    for uid, item in enumerate(corpus, start=1):
        row = by_uid[uid]
        assert row.subject == item.subject or item.subject in row.subject, item.key
        assert item.sender in row.sender, item.key
        assert row.date is not None and row.date.tzinfo is not None, item.key
        assert row.size > 0
        assert ("\\Seen" in row.flags) == ("S" in item.flags), item.key
        assert ("\\Flagged" in row.flags) == ("F" in item.flags), item.key
        assert "\\Recent" not in row.flags


def test_every_seeded_message_opens(client, corpus):
    for uid, item in enumerate(corpus, start=1):
        view = client.message(uid, "INBOX")
        assert view.uid == uid
        assert item.subject in view.subject, item.key
        assert item.sender in view.sender, item.key
        assert item.body_snippet in view.body, item.key
        assert [(a.filename, a.size) for a in view.attachments] == list(item.attachments)
        if "absent" in item.extra:
            assert item.extra["absent"] not in view.body
        assert view.headers and all(isinstance(v, str) for _, v in view.headers)


def test_html_only_message_is_converted(client, corpus):
    uid = next(i for i, s in enumerate(corpus, 1) if s.key == "html-only")
    view = client.message(uid)
    assert view.body_type == "text/html"
    assert "<h1>" not in view.body and "item one" in view.body


def test_alternative_prefers_plain_text(client, corpus):
    uid = next(i for i, s in enumerate(corpus, 1) if s.key == "alternative")
    view = client.message(uid)
    assert view.body_type == "text/plain"
    assert "HTML" not in view.body


def test_big_attachment_is_not_downloaded_but_sized(client, corpus, monkeypatch):
    uid = next(i for i, s in enumerate(corpus, 1) if s.key == "big-attachment")
    requested: list = []
    real_fetch = client._imap.fetch

    def spy(messages, data, *a, **kw):
        requested.append(list(data))
        return real_fetch(messages, data, *a, **kw)

    monkeypatch.setattr(client._imap, "fetch", spy)
    view = client.message(uid)
    assert view.size > mailgen.BIG_ATTACHMENT_SIZE
    assert [(a.filename, a.size, a.content_type) for a in view.attachments] == [
        ("scan.pdf", mailgen.BIG_ATTACHMENT_SIZE, "application/pdf"),
        ("übersicht.txt", 4, "text/plain"),
    ]
    assert view.body.strip() == "See the attached scan."
    fetched = " ".join(" ".join(items) for items in requested)
    assert "BODY.PEEK[2]" not in fetched and "BODY.PEEK[]<" in fetched  # never the whole PDF


def test_opening_and_listing_never_marks_seen(client, dovecot, corpus):
    unseen = [i for i, s in enumerate(corpus, 1) if "S" not in s.flags]
    for uid in unseen:
        client.message(uid)
    client.page("INBOX")
    for uid in unseen:
        assert "\\Seen" not in _raw_flags(dovecot, PASSWORD_USER, "INBOX", uid)


def test_set_seen_only_when_asked(client, dovecot, corpus):
    uid = next(i for i, s in enumerate(corpus, 1) if s.key == "koi8-r")
    try:
        client.set_seen(uid, "INBOX")
        assert "\\Seen" in _raw_flags(dovecot, PASSWORD_USER, "INBOX", uid)
        assert "\\Seen" in client.page("INBOX").messages[len(corpus) - uid].flags
        client.message(uid + 1)  # the folder is examined read-only again afterwards
    finally:
        client.set_seen(uid, "INBOX", seen=False)
    assert "\\Seen" not in _raw_flags(dovecot, PASSWORD_USER, "INBOX", uid)


def test_paging_the_big_folder_has_no_gaps_or_duplicates(oauth_client):
    uids: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = oauth_client.page("Bulk", before_uid=cursor, limit=700)
        assert page.total == BULK_COUNT
        assert [m.uid for m in page.messages] == sorted(
            (m.uid for m in page.messages), reverse=True
        )
        if cursor is not None:
            assert all(m.uid < cursor for m in page.messages)
        assert all(m.subject == mailgen.bulk_subject(m.uid) for m in page.messages)
        uids += [m.uid for m in page.messages]
        pages += 1
        cursor = page.next_before_uid
        if cursor is None:
            break
    assert pages == -(-BULK_COUNT // 700)
    assert uids == list(range(BULK_COUNT, 0, -1))


def test_page_content_matches_seeded_messages(oauth_client):
    first = oauth_client.page("Bulk", limit=50)
    assert [m.uid for m in first.messages] == list(range(BULK_COUNT, BULK_COUNT - 50, -1))
    assert first.next_before_uid == BULK_COUNT - 49
    for m in first.messages:
        assert m.subject == mailgen.bulk_subject(m.uid)
        assert ("\\Seen" in m.flags) == (m.uid % 3 == 0)
    second = oauth_client.page("Bulk", before_uid=first.next_before_uid, limit=50)
    assert second.messages[0].uid == BULK_COUNT - 50
    # Opening a bulk message by UID gives its body.
    view = oauth_client.message(1234, "Bulk")
    assert view.subject == mailgen.bulk_subject(1234)
    assert "Body of bulk message 001234." in view.body


def test_cursor_from_a_renumbered_folder_is_refused(oauth_client):
    first = oauth_client.page("Bulk", limit=5)
    assert first.uidvalidity
    same = oauth_client.page("Bulk", first.next_before_uid, 5, uidvalidity=first.uidvalidity)
    assert same.messages[0].uid == BULK_COUNT - 5
    with pytest.raises(MailFolderChanged, match="renumbered"):
        oauth_client.page("Bulk", first.next_before_uid, 5, uidvalidity=first.uidvalidity + 1)


def test_page_edges(oauth_client):
    assert oauth_client.page("Bulk", before_uid=1).messages == ()
    tail = oauth_client.page("Bulk", before_uid=4, limit=50)
    assert [m.uid for m in tail.messages] == [3, 2, 1] and tail.next_before_uid is None
    beyond = oauth_client.page("Bulk", before_uid=BULK_COUNT + 500, limit=2)
    assert [m.uid for m in beyond.messages] == [BULK_COUNT, BULK_COUNT - 1]
    with pytest.raises(MailError, match="page size"):
        oauth_client.page("Bulk", limit=0)


def test_nested_folder_lists_and_opens(oauth_client):
    page = oauth_client.page(mailgen.NESTED_FOLDER)
    assert [(m.uid, m.subject, m.sender) for m in page.messages] == [
        (1, "Archived", "a@example.test")
    ]
    assert oauth_client.message(1, mailgen.NESTED_FOLDER).body == "old\n"


def test_missing_folder_and_uid(oauth_client):
    with pytest.raises(MailNotFound, match="no folder named 'Nope'") as err:
        oauth_client.page("Nope")
    assert "(server: " in err.value.message and "list the folders" in (err.value.advice or "")
    with pytest.raises(MailNotFound, match="'Archive' on .* is a container") as err:
        oauth_client.page("Archive")  # a \\Noselect container: said as such
    assert "holds folders, not messages" in err.value.message
    with pytest.raises(MailNotFound, match="no message with UID 999999"):
        oauth_client.message(999_999, "Bulk")
    # The connection is still usable afterwards.
    assert oauth_client.page("INBOX", limit=1).messages


def test_abort_from_another_thread_cancels(oauth_client):
    oauth_client.page("Bulk", limit=5)
    timer = threading.Timer(0.0, oauth_client.abort)
    timer.start()
    timer.join()
    with pytest.raises(MailCancelled):
        oauth_client.page("Bulk", before_uid=BULK_COUNT - 100, limit=1000)
    oauth_client.close()  # closing an aborted client is fine


def test_one_client_is_safe_across_threads(oauth_client):
    results: dict[int, list[int]] = {}
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            page = oauth_client.page("Bulk", before_uid=BULK_COUNT - n * 100, limit=20)
            results[n] = [m.uid for m in page.messages]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for n, uids in results.items():
        top = BULK_COUNT - n * 100 - 1
        assert uids == list(range(top, top - 20, -1))
