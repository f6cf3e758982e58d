"""The type checker passes on the three packages, strict, with the configuration in pyproject.toml."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).parents[1]


def test_mypy_strict_finds_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # mypy reads [tool.mypy] (files, strictness, the few overrides) from pyproject.toml
    stdout, stderr, status = api.run(["--cache-dir", str(tmp_path / "mypy-cache")])
    assert status == 0, stdout + stderr
    assert "Success: no issues found" in stdout
