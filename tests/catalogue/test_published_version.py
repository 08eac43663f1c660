"""Reading the published version: one small query, or none for a configurator click that
may run up to ATELIER_CATALOGUE_MAX_AGE seconds behind another process's publish."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atelier import caching
from configurator import selectors, services
from configurator.engine.compiled_format import COMPILED_FORMAT
from configurator.models import CompiledProduct
from configurator.selectors import NoPublishedCatalogue, published_version
from configurator.services import import_catalogue, publish_draft

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_process_state():
    caching.clear_all()
    yield
    caching.clear_all()


def test_nothing_published_is_an_error_not_a_stale_answer(demo):
    with pytest.raises(NoPublishedCatalogue):
        published_version(max_age=60)
    version = import_catalogue(document=demo, publish=True).version
    assert published_version(max_age=60).pk == version.pk


def test_the_known_version_is_checked_with_one_query_and_reused(demo):
    version = import_catalogue(document=demo, publish=True).version
    first = published_version(with_document=False)
    with CaptureQueriesContext(connection) as queries:
        again = published_version(with_document=False)
    assert again is first and again.number == version.number
    assert len(queries) == 1
    # The document is read once and kept on the instance: it is frozen.
    assert published_version().document["products"]
    with CaptureQueriesContext(connection) as queries:
        assert published_version().document == version.document
    assert len(queries) == 1


def test_within_max_age_a_click_needs_no_query(demo):
    import_catalogue(document=demo, publish=True)
    first = published_version(with_document=False, max_age=60)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert published_version(with_document=False, max_age=60) is first
    assert len(queries) == 0


def test_a_publish_in_this_process_is_seen_at_once(demo):
    first = import_catalogue(document=demo, publish=True).version
    assert published_version(max_age=60).number == first.number
    second = publish_draft()
    assert published_version(max_age=60).number == second.number == first.number + 1


def test_another_process_publish_is_seen_after_max_age(demo, monkeypatch):
    first = import_catalogue(document=demo, publish=True).version
    known = published_version(with_document=False, max_age=60)
    second = publish_draft()
    # What a process that did not publish holds: the first version, checked a moment ago.
    selectors._published.put(selectors.NEWEST, (selectors.time.monotonic() + 60, known))
    assert published_version(max_age=60).number == first.number  # within its max age
    assert published_version().number == second.number  # an order's read always checks
    selectors._published.put(selectors.NEWEST, (selectors.time.monotonic() + 60, known))
    later = selectors.time.monotonic() + 61
    monkeypatch.setattr(selectors.time, "monotonic", lambda: later)
    assert published_version(max_age=60).number == second.number


def test_warm_up_loads_every_product_so_a_click_needs_no_compiled_read(demo):
    assert selectors.warm_up() == 0  # nothing published yet: nothing to load, no error
    version = import_catalogue(document=demo, publish=True).version
    caching.clear_all()
    assert selectors.warm_up() == len(demo["products"])
    with CaptureQueriesContext(connection) as queries:
        for product in demo["products"]:
            assert selectors.compiled_product(version, product["code"]) is not None
    assert len(queries) == 0


def test_a_stored_form_of_another_compiled_format_is_compiled_again(demo):
    version = import_catalogue(document=demo, publish=True).version
    code = demo["products"][0]["code"]
    stored = CompiledProduct.objects.get(product__version=version, product__code=code)
    assert stored.engine_version == str(COMPILED_FORMAT)
    CompiledProduct.objects.filter(pk=stored.pk).update(
        engine_version="0", blob=b"not a pickle of this format"
    )
    caching.clear_all()
    assert selectors.warm_up() == len(demo["products"]) - 1  # it is not loaded at boot
    assert selectors.compiled_product(version, code).product.code == code  # in memory
    stored.refresh_from_db()
    assert stored.engine_version == "0"  # a read writes nothing
    assert services.store_stale_compiled() == 1  # the writer run after `migrate`
    stored.refresh_from_db()
    assert stored.engine_version == str(COMPILED_FORMAT)  # stored again for the others
