import copy
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
DEMO = Path(__file__).resolve().parents[3] / "configurator" / "demo" / "catalogue.json"

_cache: dict[Path, dict] = {}


def load(path: Path) -> dict:
    """A fresh copy of a JSON file (parsed once per run)."""
    if path not in _cache:
        _cache[path] = json.loads(path.read_text(encoding="utf-8"))
    return copy.deepcopy(_cache[path])


@pytest.fixture
def design_example() -> dict:
    """DESIGN.md's example, completed so that every reference resolves."""
    return load(FIXTURES / "design_example_completed.json")


@pytest.fixture
def demo() -> dict:
    return load(DEMO)
