"""The lookup is a mainland service: these tests run the deployment under the mainland-China policy."""

from __future__ import annotations

import pytest

from telreg.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"realname_policy": "mainland-china"})
