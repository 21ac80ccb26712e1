"""Test-wide settings."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _session_result_cache(tmp_path_factory):
    """The report result cache of module- and session-scoped fixtures: never ~/.cache."""
    before = os.environ.get("FORESIGHT_CACHE_DIR")
    os.environ["FORESIGHT_CACHE_DIR"] = str(tmp_path_factory.mktemp("session-result-cache"))
    yield
    if before is None:
        os.environ.pop("FORESIGHT_CACHE_DIR", None)
    else:
        os.environ["FORESIGHT_CACHE_DIR"] = before


@pytest.fixture(autouse=True)
def _private_result_cache(tmp_path_factory, monkeypatch):
    """Each test its own result cache: a `foresight report` run by one test (perhaps on
    monkeypatched numerics) is never served to another."""
    monkeypatch.setenv("FORESIGHT_CACHE_DIR", str(tmp_path_factory.mktemp("result-cache")))
