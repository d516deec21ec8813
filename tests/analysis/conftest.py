"""Fixtures for the theme engine tests. No network: the model is read from site-packages."""

from __future__ import annotations

import pytest
from themes_fixtures import HashingEmbedder


@pytest.fixture
def hashing_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """Every test gets its own embedding cache, never the user's."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("SURVEYAPP_THEMES_CACHE", str(directory))
    return directory


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory):
    """One embedding cache for the real-model tests: the taxonomy examples are embedded once."""
    return tmp_path_factory.mktemp("model-cache")
