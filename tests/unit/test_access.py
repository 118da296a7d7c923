"""Library access: who may change the library, failed sign-ins limited, every change logged."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import AccessError
from assistant.ui.access import (
    MAX_FAILURES,
    Access,
    FailureLimit,
    hash_password,
    is_loopback,
    read_users,
    verify_password,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_addresses_are_local(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::", "myhost.example"])
def test_other_addresses_and_names_are_not_local(host: str) -> None:
    assert not is_loopback(host)


def test_password_hash_verifies_only_its_password() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert verify_password("correct horse", stored)
    assert not verify_password("correct hors", stored)
    assert not verify_password("correct horse", "scrypt$bad")


def test_users_file_reads_names_and_refuses_a_bad_line(tmp_path: Path) -> None:
    good = tmp_path / "users"
    good.write_text(f"# admins\nana:{hash_password('pw-ana-123')}\n\n", encoding="utf-8")
    assert list(read_users(good)) == ["ana"]
    bad = tmp_path / "bad"
    bad.write_text("ana:plaintext\n", encoding="utf-8")
    with pytest.raises(AccessError, match="line 1"):
        read_users(bad)


def _remote(tmp_path: Path, clock: Clock | None = None, **users: str) -> Access:
    hashed = {name: hash_password(pw) for name, pw in users.items()}
    return Access(local=False, users=hashed, log_path=tmp_path / "log.jsonl", clock=clock or Clock())


def test_loopback_app_allows_changes_without_sign_in(tmp_path: Path) -> None:
    access = Access(local=True, users={}, log_path=tmp_path / "log.jsonl")
    assert access.require(None, "rebuild") == "local"


def test_remote_app_without_users_is_read_only(tmp_path: Path) -> None:
    access = _remote(tmp_path)
    assert access.read_only and "Read-only" in access.notice()
    for action in ("add", "replace", "delete", "rebuild"):
        with pytest.raises(AccessError, match="read-only"):
            access.require(None, action)
    with pytest.raises(AccessError, match="read-only"):
        access.sign_in("admin", "anything", "10.0.0.1")


def test_remote_app_needs_a_signed_in_token(tmp_path: Path) -> None:
    access = _remote(tmp_path, admin="s3cret-pass")
    with pytest.raises(AccessError, match="sign in"):
        access.require(None, "add")
    with pytest.raises(AccessError, match="sign in"):
        access.require("made-up-token", "rebuild")
    token = access.sign_in("admin", "s3cret-pass", "10.0.0.1")
    assert access.require(token, "add") == "admin"
    access.sign_out(token)
    with pytest.raises(AccessError):
        access.require(token, "add")


def test_unknown_action_is_refused(tmp_path: Path) -> None:
    access = Access(local=True, users={}, log_path=tmp_path / "log.jsonl")
    with pytest.raises(AccessError, match="unknown library action"):
        access.require(None, "format-disk")


def test_failed_sign_ins_are_rate_limited_per_client_even_with_the_right_password(tmp_path: Path) -> None:
    clock = Clock()
    access = _remote(tmp_path, clock, admin="s3cret-pass")
    for _ in range(MAX_FAILURES):
        with pytest.raises(AccessError, match="wrong user name or password"):
            access.sign_in("admin", "guess", "10.0.0.9")
    with pytest.raises(AccessError, match="too many failed sign-ins"):
        access.sign_in("admin", "s3cret-pass", "10.0.0.9")
    clock.now += 16 * 60  # the window has passed
    assert access.require(access.sign_in("admin", "s3cret-pass", "10.0.0.9"), "add") == "admin"


def test_failures_against_one_user_lock_that_user_from_every_address(tmp_path: Path) -> None:
    access = _remote(tmp_path, Clock(), admin="s3cret-pass")
    for i in range(MAX_FAILURES):
        with pytest.raises(AccessError):
            access.sign_in("admin", "guess", f"10.0.0.{i}")
    with pytest.raises(AccessError, match="too many"):
        access.sign_in("admin", "s3cret-pass", "10.0.1.1")


def test_failure_limit_forgets_old_failures() -> None:
    clock = Clock()
    limit = FailureLimit(max_failures=2, window_s=60, clock=clock)
    limit.fail("k")
    clock.now += 61
    limit.fail("k")
    assert limit.wait_s("k") == 0
    limit.fail("k")
    assert 0 < limit.wait_s("k") <= 60


def test_every_change_is_appended_to_the_log_newest_first(tmp_path: Path) -> None:
    access = Access(local=True, users={}, log_path=tmp_path / "sub" / "log.jsonl")
    access.record("ana", "add", "report.pdf", "ab" * 32)
    access.record("ana", "rebuild")
    (tmp_path / "sub" / "log.jsonl").open("a").write("not json\n")
    entries = access.entries()
    assert [e.action for e in entries] == ["rebuild", "add"]
    assert entries[1].file == "report.pdf" and entries[1].sha256 == "ab" * 32 and entries[1].user == "ana"
    assert entries[1].time.endswith("Z")


def test_service_refuses_an_upload_without_sign_in_and_logs_a_signed_in_one(tmp_path: Path) -> None:
    from assistant.settings import Settings
    from assistant.ui.service import AppService

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    access = _remote(tmp_path, admin="s3cret-pass")
    service = AppService(Settings(corpus_dir=corpus, index_dir=tmp_path / "index"), None, access)
    data = b"A note on border clinics and their patients.\n"
    with pytest.raises(AccessError, match="sign in"):
        service.save_upload(data, "note.txt", replace=False, token=None)
    assert list(corpus.iterdir()) == [] and access.entries() == []
    token = access.sign_in("admin", "s3cret-pass", "10.0.0.1")
    service.save_upload(data, "note.txt", replace=False, token=token)
    [entry] = access.entries()
    assert (entry.user, entry.action, entry.file) == ("admin", "add", "note.txt")
    import hashlib

    assert entry.sha256 == hashlib.sha256(data).hexdigest()
