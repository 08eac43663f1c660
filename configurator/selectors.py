"""Readers of the catalogue, and the per-process cache of compiled products.

A product is compiled once, at publish, and its pickled form stored in the database;
each web or worker process unpickles it on first use and keeps it (published versions
are immutable, so the cache never goes stale; it is bounded, so old versions age out).
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from atelier import errors
from atelier.caching import BoundedCache
from configurator import engine
from configurator.engine.compiled_format import COMPILED_FORMAT
from configurator.models import CatalogueVersion, CompiledProduct, Option, Product

# What CompiledProduct.engine_version holds: the version of the pickled layout, bumped by
# hand in the engine (configurator/engine/compiled_format.py). A stored form of another
# version is compiled again on first use; editing the engine's comments recompiles nothing.
ENGINE_VERSION = str(COMPILED_FORMAT)

# Owner: compiled_product. Key (version pk, product code). Bound: 256 compiled products,
# a few MB each at most (benchmarks/README.md, engine): every product of the published
# catalogue and of the few versions before it that open carts and orders still read.
_compiled_products = BoundedCache[tuple[int, str], engine.CompiledProduct](
    name="configurator.compiled_products", maxsize=256
)


class NoPublishedCatalogue(Exception):
    pass


# Owner: published_version. The published version this process read last, with the
# monotonic time until which `max_age` callers may take it unchecked. Published versions
# are immutable: the instance (its document too, once read) stays right for as long as it
# is the newest. Bound: one entry, under the key NEWEST.
NEWEST = "newest"
_published = BoundedCache[str, tuple[float, CatalogueVersion]](
    name="configurator.published_version", maxsize=1
)
# Bumped by forget_published: a check that began before a publish in this process must
# not store what it read after the publish dropped it.
_generation = 0


def published_version(*, with_document: bool = True, max_age: float = 0) -> CatalogueVersion:
    """The newest published version.

    Checked with one small query, which reuses this process's instance (and its parsed
    document) while it is still the newest. With `max_age` > 0 not even that: the answer
    may be up to `max_age` seconds behind a publish made by another process (a publish in
    this process is seen at once). Clicks in the configurator pass
    `settings.ATELIER_CATALOGUE_MAX_AGE`; writes (placing an order) never do.

    `with_document=False` leaves the (large) frozen document unread until used: a click
    answered from the compiled cache never needs it.
    """
    cached = _published.get(NEWEST)
    if cached is None or max_age <= 0 or time.monotonic() >= cached[0]:
        cached = _check_published(cached[1] if cached else None, max_age)
    version = cached[1]
    if with_document:
        version.document  # noqa: B018 - read once (deferred), then kept on the instance
    return version


def _check_published(known: CatalogueVersion | None, max_age: float):
    generation = _generation
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, published_at FROM {CatalogueVersion._meta.db_table} "
            "WHERE status = %s ORDER BY number DESC LIMIT 1",
            [CatalogueVersion.Status.PUBLISHED],
        )
        row = cursor.fetchone()
    if row is None:
        _published.clear()
        raise NoPublishedCatalogue("No catalogue has been published yet")
    # published_at too: a test database may hand a rolled-back version's id out again.
    if known is None or (known.pk, known.published_at) != (row[0], _aware(row[1])):
        known = CatalogueVersion.objects.defer("document").get(pk=row[0])
    checked = (time.monotonic() + max_age, known)
    if generation == _generation:
        _published.put(NEWEST, checked)
    return checked


def _aware(value):
    if isinstance(value, str):  # SQLite hands raw timestamps back as text (UTC)
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def forget_published() -> None:
    """Drop this process's published version (called when this process publishes)."""
    global _generation
    _generation += 1
    _published.clear()


def catalogue_max_age() -> float:
    return float(getattr(settings, "ATELIER_CATALOGUE_MAX_AGE", 0))


def version_by_number(number: int) -> CatalogueVersion | None:
    return CatalogueVersion.objects.filter(
        status=CatalogueVersion.Status.PUBLISHED, number=number
    ).first()


def product_document(version: CatalogueVersion, code: str) -> dict | None:
    for product in (version.document or {}).get("products", []):
        if product["code"] == code:
            return product
    return None


# Owner: shown_product_document. Key (version pk, product code); bound 256 product
# documents, as the compiled products' (published versions never change).
_shown_documents = BoundedCache[tuple[int, str], dict](
    name="configurator.shown_product_documents", maxsize=256
)


def shown_product_document(version: CatalogueVersion, code: str) -> dict | None:
    """Product `code`'s document as pages and the API show it: the frozen document with
    each `specs` object in the catalogue's order. A published version's document is kept
    in a JSON column, and PostgreSQL's jsonb does not keep an object's key order; the
    product and option rows keep the specs as lists of pairs, in order. Read once per
    process (two queries)."""
    key = (version.pk, code)
    shown = _shown_documents.get(key)
    if shown is not None:
        return shown
    doc = product_document(version, code)
    if doc is None:
        return None
    product = Product.objects.filter(version=version, code=code).only("specs").first()
    options = {
        (group, option): specs
        for group, option, specs in Option.objects.filter(
            group__product__version=version, group__product__code=code
        ).values_list("group__code", "code", "specs")
    }
    shown = {**doc}
    if product is not None and doc.get("specs"):
        shown["specs"] = _in_order(doc["specs"], product.specs)
    shown["groups"] = [
        {
            **group,
            "options": [
                {**o, "specs": _in_order(o["specs"], options.get((group["code"], o["code"])))}
                if o.get("specs")
                else o
                for o in group["options"]
            ],
        }
        for group in doc.get("groups", [])
    ]
    return _shown_documents.put(key, shown)


def _in_order(specs: Mapping[str, str], pairs: object) -> dict[str, str]:
    """`specs` in the order of the stored [[name, value], ...] (names it lacks last)."""
    order = [name for name, _ in pairs] if isinstance(pairs, list) else []
    ranked = {name: index for index, name in enumerate(order)}
    return dict(sorted(specs.items(), key=lambda item: ranked.get(item[0], len(ranked))))


def compiled_product(version: CatalogueVersion, code: str) -> engine.CompiledProduct | None:
    """The compiled form of product `code` of a published `version`, or None."""
    key = (version.pk, code)
    compiled = _compiled_products.get(key)
    if compiled is not None:
        return compiled
    doc = product_document(version, code)
    if doc is None:
        return None
    row = (
        CompiledProduct.objects.filter(product__version=version, product__code=code)
        .only("blob", "engine_version")
        .first()
    )
    if row is not None and row.engine_version == ENGINE_VERSION:
        compiled = pickle.loads(bytes(row.blob))
    else:
        # Stored by an older engine (or never): compile in this process, and leave storing
        # to the writer (services.store_stale_compiled, run after `migrate` at deploy).
        catalogue = version.document or {}
        compiled = engine.compile_product(engine.product_from_document(doc, catalogue["currency"]))
    return _compiled_products.put(key, compiled)


# --- The configurator's answer, shared by the partner API and the shop's pages --------


@dataclass(frozen=True)
class ConfiguredProduct:
    """The engine's answer for a configuration of `quantity` units. The ship date is
    production's (capable-to-promise), filled in by the storefront floor above this one
    (configurator.shop.answers); None here."""

    version: CatalogueVersion
    product_code: str
    configuration: engine.Configuration
    quantity: int = 1
    estimated_ship_date: date | None = None

    @property
    def line_total(self) -> Decimal:
        """The unit price times the quantity."""
        return self.configuration.price.total * self.quantity


def configure_product(
    *,
    code: str,
    selections: Mapping[str, Sequence[str]],
    order: Sequence[str] = (),
    quantity: int = 1,
    version: CatalogueVersion | None = None,
) -> ConfiguredProduct:
    """The engine's answer for `selections` of product `code` in the published catalogue
    (or `version`), for `quantity` units (the ship date is left to the caller).

    Raises CatalogueUnavailable, ProductNotFound, or InvalidSelection (with per-field
    errors) for selections that name unknown codes or are malformed.
    """
    if version is None:
        try:
            version = published_version(with_document=False, max_age=catalogue_max_age())
        except NoPublishedCatalogue as exc:
            raise errors.CatalogueUnavailable(str(exc)) from exc
    compiled = compiled_product(version, code)
    if compiled is None:
        raise errors.ProductNotFound(f"There is no product '{code}' in the catalogue.")
    try:
        configuration = engine.configure(compiled, selections, order=order)
    except engine.EngineError as exc:
        raise errors.InvalidSelection(str(exc), errors={exc.field: [exc.message]}) from exc
    return ConfiguredProduct(
        version=version, product_code=code, configuration=configuration, quantity=quantity
    )


def warm_up() -> int:
    """Load the published version and every product's compiled form into this process
    (a web worker calls it when it starts, so no customer waits on the first click).
    Returns how many products it loaded; 0 without a published catalogue."""
    try:
        version = published_version()
    except NoPublishedCatalogue:
        return 0
    # Only forms stored by this engine: compiling (after an engine change) is left to the
    # first click on each product, so a worker never outlives its boot timeout compiling.
    codes = CompiledProduct.objects.filter(
        product__version=version, engine_version=ENGINE_VERSION
    ).values_list("product__code", flat=True)
    loaded = 0
    for code in codes:
        compiled = compiled_product(version, code)
        if compiled is not None:
            engine.warm_up(compiled)  # the per-process parts clicks read (explanations)
            loaded += 1
    return loaded
