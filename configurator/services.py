"""Writers of the catalogue: import, publish. Each runs in one transaction.

A bad catalogue is refused whole (nothing half-imported stays): validation runs before
any write, and every write happens inside `transaction.atomic`.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from configurator import documents, engine, media, selectors
from configurator.interchange.bundles import MediaSource
from configurator.interchange.references import check_selections
from configurator.interchange.validation import CatalogueIssue, validate_catalogue
from configurator.models import CatalogueVersion, CompiledProduct, Product
from configurator.selectors import ENGINE_VERSION
from production.models import Component


class CatalogueRejected(Exception):
    """The document (or the draft being published) is not a valid catalogue."""

    def __init__(self, errors: list[CatalogueIssue]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass(frozen=True)
class ImportResult:
    version: CatalogueVersion
    products: int
    components: int


def draft_version() -> CatalogueVersion:
    """The one draft, created on first use (guarded by the one_draft_catalogue constraint)."""
    draft = CatalogueVersion.objects.filter(status=CatalogueVersion.Status.DRAFT).first()
    if draft is None:
        draft, _ = CatalogueVersion.objects.get_or_create(status=CatalogueVersion.Status.DRAFT)
    return draft


def check_products(document: dict) -> list[CatalogueIssue]:
    """Engine checks a schema-valid document needs before it may be published: every
    product has a valid configuration and every standard product is one."""
    errors: list[CatalogueIssue] = []
    compiled = {}
    for index, doc in enumerate(document["products"]):
        product = engine.product_from_document(doc, document["currency"])
        try:
            compiled[doc["code"]] = engine.compile_product(product)
        except engine.DiagramTooLarge as exc:
            # Refused before it can hang a worker; the message names the groups to split.
            errors.append(
                CatalogueIssue(
                    f"products[{index}].rules",
                    f"product '{doc['code']}' cannot be published: {exc.message}",
                )
            )
            continue
        report = engine.lint(compiled[doc["code"]])
        if report.empty:
            reason = "; ".join(report.messages) or "no configuration satisfies every rule"
            errors.append(
                CatalogueIssue(
                    f"products[{index}]",
                    f"product '{doc['code']}' has no valid configuration: {reason}",
                )
            )
    for index, doc in enumerate(document["products"]):
        product_compiled = compiled.get(doc["code"])
        if product_compiled is None:
            continue
        for s_index, start in enumerate(doc.get("starting_points", [])):
            problem = configuration_problem(
                compiled=product_compiled, selections=start["selections"]
            )
            if problem:
                errors.append(
                    CatalogueIssue(
                        f"products[{index}].starting_points[{s_index}].selections",
                        f"starting point '{start['code']}' is not a complete valid "
                        f"configuration of '{doc['code']}': {problem}",
                    )
                )
    for index, std in enumerate(document.get("standard_products", [])):
        standard_of = compiled.get(std["product"])
        if standard_of is None:
            continue
        problem = configuration_problem(compiled=standard_of, selections=std["selections"])
        if problem:
            errors.append(
                CatalogueIssue(
                    f"standard_products[{index}].selections",
                    f"'{std['sku']}' is not a complete valid configuration of '{std['product']}': {problem}",
                )
            )
    return errors


def configuration_problem(
    *, compiled: engine.CompiledProduct, selections: dict[str, list[str]]
) -> str:
    """Why `selections` is not a complete valid configuration of `compiled` ('' when it
    is): the unknown code, each rule it breaks (id and message), or the groups short of
    picks. One wording for the import, publishing and the admin's starting points."""
    try:
        result = engine.configure(compiled, selections)
    except engine.EngineError as exc:
        return str(exc)
    if not result.valid:
        broken = {
            reason.rule: reason.message
            for conflict in result.conflicts
            for reason in conflict.rules
        }
        return "; ".join(
            f"breaks rule '{rule}': {message}" for rule, message in broken.items()
        ) or ("it cannot be completed")
    if not result.complete:
        short = [
            f"group '{g.code}' takes {g.min}–{g.max}, {len(g.selected)} picked"
            if g.min != g.max
            else f"group '{g.code}' takes {g.min}, {len(g.selected)} picked"
            for g in result.groups
            if not g.min <= len(g.selected) <= g.max
        ]
        return "; ".join(short) or "it is not a complete configuration"
    return ""


def starting_point_problems(*, product: Product, selections: object) -> list[str]:
    """Why `selections` cannot be a starting point of `product` (a draft's row), as
    sentences for the admin form ([] when it is a complete valid configuration). Checked
    against the product's rules as they are now; publishing checks every starting point
    again, so a later edit of the rules cannot slip an invalid one into a version."""
    if not isinstance(selections, dict) or not all(
        isinstance(picks, list) and all(isinstance(p, str) for p in picks)
        for picks in selections.values()
    ):
        return [
            'Selections must be an object of group code → list of option codes, like {"cpu": ["u5"]}.'
        ]
    doc = documents.product_doc(product)
    issues = check_selections(doc, selections)
    if issues:
        return [
            f"{issue.path}: {issue.message}" if issue.path else issue.message for issue in issues
        ]
    try:
        compiled = engine.compile_product(
            engine.product_from_document(doc, product.version.currency)
        )
    except (engine.CatalogueError, engine.DiagramTooLarge) as exc:
        return [f"The product's rules cannot be checked as they are: {exc}"]
    problem = configuration_problem(compiled=compiled, selections=selections)
    return [f"Not a complete valid configuration of '{product.code}': {problem}"] if problem else []


def _check_reserved_stock(document: dict) -> list[CatalogueIssue]:
    reserved = dict(
        Component.objects.filter(
            sku__in=[c["sku"] for c in document["components"]], reserved__gt=0
        ).values_list("sku", "reserved")
    )
    return [
        CatalogueIssue(
            f"components[{i}].stock",
            f"stock {c['stock']} of '{c['sku']}' is below the {reserved[c['sku']]} reserved by orders",
        )
        for i, c in enumerate(document["components"])
        if c["sku"] in reserved and c["stock"] < reserved[c["sku"]]
    ]


def import_catalogue(
    *,
    document: object,
    publish: bool = False,
    user=None,
    media_source: MediaSource | None = None,
) -> ImportResult:
    """Replace the draft with `document` (validated whole first, its pictures read from
    `media_source` and checked before any write); publish it if asked."""
    errors = validate_catalogue(document)
    if errors:
        raise CatalogueRejected(errors)
    assert isinstance(document, dict)
    errors = check_products(document) + _check_reserved_stock(document)
    try:
        staged = media.stage_images(document=document, source=media_source)
    except media.MediaRejected as exc:
        errors += exc.errors
    if errors:
        raise CatalogueRejected(errors)
    created: list[str] = []
    try:
        with transaction.atomic():
            draft = CatalogueVersion.objects.select_for_update().get(pk=draft_version().pk)
            draft.currency = document["currency"]
            draft.save(update_fields=["currency"])
            documents.write_master_data(document)
            documents.write_products(draft, document["products"])
            version = publish_draft(user=user) if publish else draft
            # Last, so that a failure above leaves storage untouched.
            media.store_images(staged, created=created)
    except IntegrityError as exc:
        media.delete_created(created)
        # An order reserved stock between the check above and the write: the
        # reserved <= stock constraint refused it, and everything rolled back.
        raise CatalogueRejected(
            [CatalogueIssue("components", f"stock changed by orders during the import: {exc}")]
        ) from exc
    except OSError as exc:  # the storage refused a write: rolled back, files removed
        media.delete_created(created)
        raise CatalogueRejected(
            [CatalogueIssue("products", f"storing the pictures failed: {exc}")]
        ) from exc
    except BaseException:
        media.delete_created(created)
        raise
    return ImportResult(
        version=version,
        products=len(document["products"]),
        components=len(document["components"]),
    )


def export_catalogue(*, version: CatalogueVersion | None = None) -> dict:
    """The document of `version` (the draft by default). A published version exports
    its frozen products with today's stock and calendars."""
    version = version or draft_version()
    return documents.read_catalogue(version)


def publish_draft(*, user=None, note: str = "") -> CatalogueVersion:
    """Freeze the draft as the next numbered version; a fresh draft copies it.

    Refused (CatalogueRejected) when the draft is not a valid catalogue or a product has
    no valid configuration at all. The compiled form of each product is stored with it.
    """
    with transaction.atomic():
        draft = CatalogueVersion.objects.select_for_update().get(pk=draft_version().pk)
        document = documents.read_catalogue(draft)
        errors = validate_catalogue(document)
        if not errors:
            errors = check_products(document)
        if errors:
            raise CatalogueRejected(errors)
        number = (CatalogueVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        draft.status = CatalogueVersion.Status.PUBLISHED
        draft.number = number
        draft.document = document
        draft.published_at = timezone.now()
        draft.published_by = user if getattr(user, "pk", None) else None
        draft.note = note
        draft.save()
        for product in draft.products.all():
            store_compiled(product=product, document=document)
        fresh = CatalogueVersion.objects.create(
            status=CatalogueVersion.Status.DRAFT, currency=draft.currency
        )
        documents.write_products(fresh, document["products"])
        transaction.on_commit(selectors.forget_published)
    selectors.forget_published()
    return draft


def store_compiled(*, product, document: dict) -> CompiledProduct:
    doc = next(p for p in document["products"] if p["code"] == product.code)
    compiled = engine.compile_product(engine.product_from_document(doc, document["currency"]))
    row, _ = CompiledProduct.objects.update_or_create(
        product=product,
        defaults={
            "engine_version": ENGINE_VERSION,
            "blob": pickle.dumps(compiled, protocol=pickle.HIGHEST_PROTOCOL),
            "configurations": str(engine.count(compiled)),
        },
    )
    return row


def store_stale_compiled() -> int:
    """Compile and store the published products whose stored form an older engine wrote
    (or none did), so that processes load them instead of each compiling them on its first
    click. Run after `migrate` (a deploy); returns how many it stored."""
    try:
        version = selectors.published_version()
    except selectors.NoPublishedCatalogue:
        return 0
    stale = version.products.exclude(compiled__engine_version=ENGINE_VERSION)
    for product in stale:
        store_compiled(product=product, document=version.document or {})
    return len(stale)
