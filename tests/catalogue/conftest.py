import copy
import json
from pathlib import Path

import pytest

DEMO_PATH = Path(__file__).resolve().parents[2] / "configurator" / "demo" / "catalogue.json"


@pytest.fixture(scope="session")
def demo_document() -> dict:
    return json.loads(DEMO_PATH.read_text())


@pytest.fixture
def demo(demo_document) -> dict:
    return copy.deepcopy(demo_document)
