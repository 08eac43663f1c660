import pytest

from tests.demo import demo_document as _demo_document


@pytest.fixture(scope="session")
def demo_document() -> dict:
    return _demo_document()


@pytest.fixture
def demo() -> dict:
    return _demo_document()
