"""Who may change the library: sign-in, the rate limit on failed sign-ins, and the log of changes.

Reading (Ask, Search, page views, downloading cited PDFs) is open to anyone who reaches the app. Changing
the library (add, replace, delete, rebuild) is open on loopback, needs a signed-in user when the app
listens beyond it, and is impossible when it listens beyond it with no user configured (read-only).
`Access.require` is the one check every library-changing handler calls, whatever the client (the page,
or a hand-made API call: the sign-in token lives in the server's per-session state, never in the request).
No gradio here, so all of it is testable without a server.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AccessError

ACTIONS = ("add", "replace", "delete", "rebuild")
ADMIN = "admin"  # the user MHQA_ADMIN_PASSWORD signs in
LOCAL_USER = "local"  # who the log names for changes made on a loopback-only app
# scrypt cost: n=2**14, r=8 (the parameters hashlib's documentation and OWASP name for interactive use)
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
MAX_FAILURES = 5  # failed sign-ins per client address, and per user name, within WINDOW_S
WINDOW_S = 15 * 60
SESSION_S = 8 * 3600  # a sign-in lasts a working day


def is_loopback(host: str) -> bool:
    """True when `host` (the address the app listens on) is reachable from this machine only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything, so treat it as reachable from outside


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt$n$r$p$salt$hash` (hex), the form of a users-file line after the name and the colon."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches a `hash_password` string (compared in constant time)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), maxmem=256 * 1024 * 1024
        )
        return hmac.compare_digest(got, bytes.fromhex(digest))
    except ValueError:
        return False


def read_users(path: Path) -> dict[str, str]:
    """`name:scrypt$...` lines (blank lines and # comments skipped), as `mhqa passwd NAME` prints them."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise AccessError(f"{path}: cannot read the users file ({exc})") from exc
    users: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, colon, stored = line.partition(":")
        if not colon or not name.strip() or not stored.startswith("scrypt$") or stored.count("$") != 5:
            raise AccessError(f"{path}, line {number}: expected 'name:scrypt$...' (make one with mhqa passwd NAME)")
        users[name.strip()] = stored
    return users


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One library change: when (UTC, ISO), who, what, which file and its content's sha256."""

    time: str
    user: str
    action: str
    file: str
    sha256: str


class FailureLimit:
    """Failed sign-ins counted per key (client address, user name) over a sliding window."""

    def __init__(
        self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max, self._window, self._clock = max_failures, window_s, clock
        self._failures: dict[str, list[float]] = {}

    def _recent(self, key: str) -> list[float]:
        now = self._clock()
        kept = [t for t in self._failures.get(key, []) if now - t < self._window]
        self._failures[key] = kept
        return kept

    def wait_s(self, key: str) -> float:
        """Seconds until `key` may try again; 0 when it may now."""
        recent = self._recent(key)
        if len(recent) < self._max:
            return 0.0
        return max(0.0, recent[-self._max] + self._window - self._clock())

    def fail(self, key: str) -> None:
        self._recent(key).append(self._clock())

    def clear(self, key: str) -> None:
        self._failures.pop(key, None)


class Access:
    """The library's access policy for one running app, its signed-in sessions and its change log."""

    def __init__(
        self, *, local: bool, users: dict[str, str], log_path: Path, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.local = local  # listening on loopback only: changes need no sign-in
        self._users = dict(users)
        self.log_path = log_path
        self._clock = clock
        self._limit = FailureLimit(clock=clock)
        self._sessions: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_host(cls, host: str, *, admin_password: str, users_file: Path | None, log_path: Path) -> Access:
        users = read_users(users_file) if users_file else {}
        if admin_password:
            users[ADMIN] = hash_password(admin_password)
        return cls(local=is_loopback(host), users=users, log_path=log_path)

    @property
    def read_only(self) -> bool:
        return not self.local and not self._users

    @property
    def needs_sign_in(self) -> bool:
        return not self.local and bool(self._users)

    def notice(self) -> str:
        """What the Library tab and the terminal say about changing the library."""
        if self.local:
            return "Listening on this machine only: anyone at it can change the library."
        if self.read_only:
            return (
                "Read-only: this app listens beyond this machine and no administrator is set "
                "(MHQA_ADMIN_PASSWORD or MHQA_USERS_FILE), so the library cannot be changed here. "
                "Reading, search and page views stay open."
            )
        return "Changing the library (add, replace, delete, rebuild) needs sign-in."

    def sign_in(self, user: str, password: str, client: str) -> str:
        """A session token for `user`, or AccessError; failures are counted per client and per user name."""
        user = user.strip()
        keys = (f"client:{client}", f"user:{user.lower()}")
        with self._lock:
            wait = max(self._limit.wait_s(k) for k in keys)
            if wait > 0:
                raise AccessError(f"too many failed sign-ins; try again in {int(wait // 60) + 1} minute(s)")
        if self.read_only:
            raise AccessError("this app is read-only: no administrator is set")
        stored = self._users.get(user)
        # a missing user still costs one scrypt, so the answer's timing does not tell which names exist
        ok = verify_password(password, stored or hash_password("", salt=b"\0" * 16)) and stored is not None
        with self._lock:
            if not ok:
                for k in keys:
                    self._limit.fail(k)
                raise AccessError("wrong user name or password")
            for k in keys:
                self._limit.clear(k)
            token = secrets.token_urlsafe(32)
            self._sessions[token] = (user, self._clock() + SESSION_S)
        return token

    def sign_out(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)

    def user_of(self, token: str | None) -> str | None:
        """The signed-in user of a session token (LOCAL_USER on a loopback app), None when there is none."""
        if self.local:
            return LOCAL_USER
        with self._lock:
            session = self._sessions.get(token or "")
            if session is None or session[1] < self._clock():
                self._sessions.pop(token or "", None)
                return None
            return session[0]

    def require(self, token: str | None, action: str) -> str:
        """The gate of every library change: the user allowed to do `action`, or AccessError."""
        if action not in ACTIONS:
            raise AccessError(f"unknown library action {action!r}")
        if self.read_only:
            raise AccessError(f"cannot {action}: this app is read-only (no administrator is set)")
        user = self.user_of(token)
        if user is None:
            what = "rebuild the index" if action == "rebuild" else f"{action} documents"
            raise AccessError(f"sign in to {what}")
        return user

    def record(self, user: str, action: str, file: str = "", sha256: str = "") -> LogEntry:
        """Append one change to the log (a JSON line); an unwritable log refuses the change's report."""
        entry = LogEntry(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), user, action, file, sha256)
        line = json.dumps(
            {"time": entry.time, "user": user, "action": action, "file": file, "sha256": sha256}, ensure_ascii=False
        )
        with self._lock:
            try:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.log_path, "a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
            except OSError as exc:
                raise AccessError(f"{self.log_path}: cannot append to the library log ({exc.strerror})") from exc
        return entry

    def entries(self, limit: int = 50) -> list[LogEntry]:
        """The latest `limit` changes, newest first (unreadable lines are skipped)."""
        try:
            lines = self.log_path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise AccessError(f"{self.log_path}: cannot read the library log ({exc})") from exc
        out = []
        for line in reversed(lines):
            try:
                d = json.loads(line)
                out.append(LogEntry(str(d["time"]), str(d["user"]), str(d["action"]), str(d["file"]), str(d["sha256"])))
            except (ValueError, KeyError, TypeError):
                continue
            if len(out) >= limit:
                break
        return out
