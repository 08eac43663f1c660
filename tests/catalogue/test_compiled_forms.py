"""Compiled forms written by an older engine: the selector reads (compiles in memory, writes
nothing); the writer run after `migrate` stores this engine's form once for every process."""

import pytest
from django.core.management import call_command

from atelier import caching
from configurator import selectors, services
from configurator.models import CompiledProduct
from configurator.services import import_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_process_state():
    selectors.forget_published()
    caching.clear_all()
    yield
    selectors.forget_published()
    caching.clear_all()


def _age_every_form() -> None:
    CompiledProduct.objects.update(engine_version="older-engine", blob=b"")


def test_a_stale_form_is_compiled_in_memory_and_nothing_is_written(demo):
    version = import_catalogue(document=demo, publish=True).version
    _age_every_form()
    code = demo["products"][0]["code"]
    compiled = selectors.compiled_product(version, code)
    assert compiled is not None and compiled.product.code == code
    assert set(CompiledProduct.objects.values_list("engine_version", flat=True)) == {"older-engine"}


def test_the_writer_stores_this_engines_forms_once(demo):
    import_catalogue(document=demo, publish=True)
    assert services.store_stale_compiled() == 0  # publishing stored them already
    _age_every_form()
    assert services.store_stale_compiled() == len(demo["products"])
    assert set(CompiledProduct.objects.values_list("engine_version", flat=True)) == {
        selectors.ENGINE_VERSION
    }


def test_migrate_stores_the_stale_forms(demo):
    import_catalogue(document=demo, publish=True)
    _age_every_form()
    call_command("migrate", verbosity=0, interactive=False)
    assert set(CompiledProduct.objects.values_list("engine_version", flat=True)) == {
        selectors.ENGINE_VERSION
    }
