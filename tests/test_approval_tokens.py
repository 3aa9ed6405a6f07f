"""Decision tokens: signed, deterministic, bound to one approval, approver, decision and generation."""
import time

import pytest

from sidecar import approval_tokens
from sidecar.errors import Forbidden

SECRET = "0123456789abcdef0123456789abcdef"


def test_a_token_says_what_it_was_issued_for_and_is_deterministic():
    expires = time.time() + 60
    token = approval_tokens.issue(SECRET, "apr_1", "demo", "approve", 2, expires)
    assert token == approval_tokens.issue(SECRET, "apr_1", "demo", "approve", 2, expires)
    decoded = approval_tokens.verify(SECRET, token)
    assert (decoded.approval_id, decoded.approver, decoded.decision, decoded.generation) == ("apr_1", "demo",
                                                                                              "approve", 2)
    approval_tokens.require_fresh(decoded)
    assert len(approval_tokens.fingerprint(token)) == 64 and SECRET not in token


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),   # signature changed
    lambda t: "x" + t,                                                # payload changed
    lambda t: t.split(".")[0],                                        # no signature
    lambda t: approval_tokens.issue("another-secret-of-thirty-two-chars!", "apr_1", "demo", "approve", 0,
                                    time.time() + 60),
])
def test_a_changed_or_foreign_token_is_refused(mangle):
    token = approval_tokens.issue(SECRET, "apr_1", "demo", "approve", 0, time.time() + 60)
    with pytest.raises(Forbidden) as caught:
        approval_tokens.verify(SECRET, mangle(token))
    assert caught.value.code == "invalid_token"


def test_an_expired_token_is_refused_and_an_unknown_decision_is_never_issued():
    decoded = approval_tokens.verify(SECRET, approval_tokens.issue(SECRET, "apr_1", "demo", "reject", 0, 1000))
    with pytest.raises(Forbidden) as caught:
        approval_tokens.require_fresh(decoded, now=1001)
    assert caught.value.code == "token_expired"
    with pytest.raises(ValueError):
        approval_tokens.issue(SECRET, "apr_1", "demo", "maybe", 0, 1000)
