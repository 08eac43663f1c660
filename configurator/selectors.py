"""Readers of the catalogue, and the per-process cache of compiled products.

A product is compiled once, at publish, and its pickled form stored in the database;
each web or worker process unpickles it on first use and keeps it for the life of the
process (published versions are immutable, so the cache never goes stale).
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from configurator import engine, errors
from configurator.models import CatalogueVersion, CompiledProduct, Product

# The compiled form's layout follows the engine's code: a changed engine recompiles.
ENGINE_VERSION = hashlib.sha256(
    b"".join(p.read_bytes() for p in sorted((Path(__file__).parent / "engine").glob("*.py")))
).hexdigest()[:16]

_cache: dict[tuple[int, str], engine.CompiledProduct] = {}
_lock = threading.Lock()


class NoPublishedCatalogue(Exception):
    pass


def published_version(*, with_document: bool = True) -> CatalogueVersion:
    """The newest published version. `with_document=False` leaves the (large) frozen
    document unread until used: a click answered from the compiled cache never needs it."""
    versions = CatalogueVersion.objects.filter(status=CatalogueVersion.Status.PUBLISHED)
    if not with_document:
        versions = versions.defer("document")
    version = versions.order_by("-number").first()
    if version is None:
        raise NoPublishedCatalogue("No catalogue has been published yet")
    return version


def version_by_number(number: int) -> CatalogueVersion | None:
    return CatalogueVersion.objects.filter(
        status=CatalogueVersion.Status.PUBLISHED, number=number
    ).first()


def product_document(version: CatalogueVersion, code: str) -> dict | None:
    for product in (version.document or {}).get("products", []):
        if product["code"] == code:
            return product
    return None


def compiled_product(version: CatalogueVersion, code: str) -> engine.CompiledProduct | None:
    """The compiled form of product `code` of a published `version`, or None."""
    key = (version.pk, code)
    compiled = _cache.get(key)
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
        # Stored by an older engine (or never): compile here and store for the others.
        from configurator.services import store_compiled

        product = Product.objects.get(version=version, code=code)
        compiled = pickle.loads(
            bytes(store_compiled(product=product, document=version.document).blob)
        )
    with _lock:
        _cache[key] = compiled
    return compiled


# --- The configurator's answer, shared by the partner API and the shop's pages --------


@dataclass(frozen=True)
class ConfiguredProduct:
    version: CatalogueVersion
    product_code: str
    configuration: engine.Configuration
    estimated_ship_date: date | None


def configure_product(
    *,
    code: str,
    selections: object,
    order: Sequence[str] = (),
    version: CatalogueVersion | None = None,
) -> ConfiguredProduct:
    """The engine's answer for `selections` of product `code` in the published catalogue
    (or `version`), with the estimated ship date once the configuration is complete.

    Raises CatalogueUnavailable, ProductNotFound, or InvalidSelection (with per-field
    errors) for selections that name unknown codes or are malformed.
    """
    if version is None:
        try:
            version = published_version(with_document=False)
        except NoPublishedCatalogue as exc:
            raise errors.CatalogueUnavailable(str(exc)) from exc
    compiled = compiled_product(version, code)
    if compiled is None:
        raise errors.ProductNotFound(f"There is no product '{code}' in the catalogue.")
    try:
        configuration = engine.configure(compiled, selections, order=order)
    except engine.EngineError as exc:
        raise errors.InvalidSelection(str(exc), errors={exc.field: [exc.message]}) from exc
    ship = None
    if configuration.complete:
        ship = estimated_ship_date(product_code=code, selections=selections)
    return ConfiguredProduct(
        version=version, product_code=code, configuration=configuration, estimated_ship_date=ship
    )


def estimated_ship_date(*, product_code: str, selections: object, quantity: int = 1) -> date | None:
    """When one more unit of this configuration would ship if ordered now, or None.

    Production owns the answer (`production.selectors.estimate_ship_date`, a read
    without locks against the current plan; placing the order makes the real promise).
    The shop's pages and the API both call this wrapper. Until production provides that
    function, the answer is None ("no estimate"), never an error.
    """
    try:
        from production.selectors import estimate_ship_date
    except ImportError:
        return None
    return estimate_ship_date(product_code=product_code, selections=selections, quantity=quantity)
