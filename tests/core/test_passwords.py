"""The argon2 profile: one policy for every password, a cheap one only for the test suite."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from telreg.config import Environment, Settings
from telreg.core import passwords


def test_production_refuses_the_fast_test_profile() -> None:
    with pytest.raises(ValidationError, match="production must use 'standard'"):
        Settings(env=Environment.production, password_hashing="fast", secret_key="k")


def test_a_hash_made_under_one_profile_verifies_under_the_other_and_asks_to_be_upgraded() -> None:
    fast, standard = passwords.PROFILES["fast"], passwords.PROFILES["standard"]
    hashed = fast.hash("correct horse battery")
    assert standard.verify(hashed, "correct horse battery")
    assert standard.check_needs_rehash(hashed)
    assert not standard.check_needs_rehash(standard.hash("correct horse battery"))
