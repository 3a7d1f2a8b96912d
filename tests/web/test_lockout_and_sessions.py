"""The lock-out rule and the session cookie as values, without a server."""

from __future__ import annotations

from tandem.web.lockout import Rules, SignInGuard
from tandem.web.sessions import SessionSigner, WebSession


def test_failures_spread_over_more_than_the_window_never_lock() -> None:
    now = [0.0]
    guard = SignInGuard(Rules(), clock=lambda: now[0])
    for _ in range(4):
        guard.failed("a@example.com", "10.0.0.1")
    now[0] += 15 * 60 + 1  # the four are older than 15 minutes now
    guard.failed("A@example.com ", "10.0.0.1")  # the same email as typed differently
    assert guard.locked_for_s("a@example.com", "10.0.0.2") == 0
    for _ in range(4):
        guard.failed("a@example.com", "10.0.0.1")
    assert guard.locked_for_s("a@example.com", "10.0.0.2") == 15 * 60  # five within the window
    assert guard.locked_for_s("b@example.com", "10.0.0.2") == 0


def test_a_success_clears_the_emails_failures() -> None:
    guard = SignInGuard(Rules())
    for _ in range(4):
        guard.failed("a@example.com", "10.0.0.1")
    guard.succeeded("a@example.com", "10.0.0.1")
    guard.failed("a@example.com", "10.0.0.1")
    assert guard.locked_for_s("a@example.com", "10.0.0.1") == 0


def test_a_session_is_accepted_for_its_lifetime_and_only_with_its_signature() -> None:
    signer = SessionSigner(b"k" * 32, lifetime_s=100)
    session = WebSession.anonymous(1000).signed_in("guid-1", "stamp", "sid-1", 1000)
    cookie = signer.dumps(session)
    assert signer.loads(cookie, 1100) == session
    assert signer.loads(cookie, 1101) is None  # too old
    assert SessionSigner(b"x" * 32, lifetime_s=100).loads(cookie, 1000) is None  # another key
    payload, signature = cookie.split(".")
    assert signer.loads(payload[:-1] + "A." + signature, 1000) is None
    assert signer.loads("garbage", 1000) is None
    assert signer.loads(None, 1000) is None
    assert "k" * 32 not in repr(signer)


def test_signing_in_changes_the_csrf_token() -> None:
    anonymous = WebSession.anonymous(1000)
    assert anonymous.signed_in("guid-1", "stamp", "sid-1", 1000).csrf != anonymous.csrf
