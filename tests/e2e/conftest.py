"""Browser tests: pytest-playwright's `page` driving Debian's Chromium (never a
downloaded browser) against pytest-django's `live_server`."""

from __future__ import annotations

import os

import pytest

from tests import servers

# The test thread and the live server's thread share the database next to Playwright's
# event loop; Django refuses that unless told it is deliberate.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": servers.CHROMIUM_PATH,
        "args": servers.CHROMIUM_ARGS,
    }


@pytest.fixture
def shop(live_server, transactional_db):
    """The live server's base URL with the shop test catalogue published."""
    from atelier import caching
    from configurator.services import import_catalogue
    from tests.shop.catalogue import catalogue

    caching.clear_all()
    import_catalogue(document=catalogue(), publish=True)
    return live_server.url


@pytest.fixture
def demo_shop(live_server, transactional_db):
    """The live server's base URL with the demo catalogue published."""
    from atelier import caching
    from configurator.services import import_catalogue
    from tests.demo import demo_document

    caching.clear_all()
    import_catalogue(document=demo_document(), publish=True)
    return live_server.url


@pytest.fixture
def page(page):
    page.set_default_timeout(10_000)
    return page
