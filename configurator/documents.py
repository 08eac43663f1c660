"""Between the database and the `atelier-catalogue/1` document.

`read_catalogue` builds the document of a version from its rows (plus the production
master data it names); `write_catalogue` writes a validated document's rows. Both keep
one field order so that import → export → import → export gives identical JSON.
Components, work centres and standard products come out sorted by their codes; products,
groups, options and rules keep the order they were imported or arranged in.
"""

from __future__ import annotations

from decimal import Decimal

from atelier.money import amount_text
from configurator.interchange.canonical import canonical
from configurator.models import (
    CatalogueVersion,
    Option,
    OptionGroup,
    PriceRule,
    Product,
    RouteStep,
    Rule,
    StartingPoint,
)
from production.models import Component, Holiday, StandardProduct, SupplyBatch, WorkCentre

FORMAT = "atelier-catalogue/1"
RULE_FIELDS = {
    "requires": ("if", "then"),
    "excludes": ("all",),
    "table": ("groups", "allowed"),
    "sum": ("attribute", "op", "limit", "limit_attribute"),
}


def _component_doc(component: Component) -> dict:
    return {
        "sku": component.sku,
        "name": component.name,
        "stock": component.stock,
        "supply": [
            {"quantity": batch.quantity, "available_on": batch.available_on.isoformat()}
            for batch in component.supply.all()
            if batch.batch_run_id is None  # a batch run's output belongs to the run
        ],
    }


def _work_centre_doc(centre: WorkCentre) -> dict:
    doc = {
        "code": centre.code,
        "name": centre.name,
        "minutes_per_day": centre.minutes_per_day,
        "workdays": list(centre.workdays),
    }
    holidays = [h.date.isoformat() for h in centre.holidays.all()]
    if holidays:
        doc["holidays"] = holidays
    if centre.plan != WorkCentre.Plan.BUILD_TO_ORDER:
        doc["plan"] = centre.plan
    return doc


def _option_doc(option: Option) -> dict:
    doc: dict[str, object] = {"code": option.code, "name": option.name}
    if option.description:
        doc["description"] = option.description
    if option.image:
        doc["image"] = option.image
    if option.image_alt:
        doc["image_alt"] = option.image_alt
    doc["price"] = amount_text(option.price)
    doc["bom"] = dict(option.bom)
    doc["attributes"] = dict(option.attributes)
    if option.extra_minutes:
        doc["extra_minutes"] = dict(option.extra_minutes)
    if option.specs:
        doc["specs"] = specs_doc(option.specs)
    return doc


def specs_doc(pairs: list) -> dict[str, str]:
    """A `specs` object from the stored [[name, value], ...] (which keeps the order)."""
    return {str(name): str(value) for name, value in pairs}


def specs_rows(specs: dict[str, str]) -> list[list[str]]:
    return [[name, value] for name, value in specs.items()]


def starting_point_doc(start: StartingPoint) -> dict:
    doc: dict[str, object] = {"code": start.code, "name": start.name}
    if start.description:
        doc["description"] = start.description
    doc["selections"] = {g: list(picks) for g, picks in start.selections.items()}
    return doc


def _rule_doc(rule: Rule) -> dict:
    doc = {"id": rule.rule_id, "type": rule.type}
    for field in RULE_FIELDS[rule.type]:
        if field in rule.definition:
            doc[field] = rule.definition[field]
    doc["message"] = rule.message
    return doc


def product_doc(product: Product) -> dict:
    doc: dict[str, object] = {"code": product.code, "name": product.name}
    if product.description:
        doc["description"] = product.description
    if product.image:
        doc["image"] = product.image
    if product.image_alt:
        doc["image_alt"] = product.image_alt
    doc["base_price"] = amount_text(product.base_price)
    if product.specs:
        doc["specs"] = specs_doc(product.specs)
    doc["route"] = [
        {"work_centre": s.work_centre, "minutes": s.minutes} for s in product.route.all()
    ]
    doc["groups"] = [
        {
            "code": group.code,
            "name": group.name,
            "min": group.min,
            "max": group.max,
            "default": list(group.default),
            "changes_picture": group.changes_picture,
            "options": [_option_doc(option) for option in group.options.all()],
        }
        for group in product.groups.all()
    ]
    doc["rules"] = [_rule_doc(rule) for rule in product.rules.all()]
    doc["price_rules"] = [
        {"id": r.rule_id, "when": list(r.when), "amount": amount_text(r.amount), "label": r.label}
        for r in product.price_rules.all()
    ]
    starts = product.starting_points.all()
    if starts:
        doc["starting_points"] = [starting_point_doc(s) for s in starts]
    return doc


def read_catalogue(version: CatalogueVersion) -> dict:
    """The document of `version` with today's components, work centres and standard products.

    Passed through `canonical` because jsonb does not keep the key order of bom,
    attributes and selections: one spelling, whatever the database."""
    products = version.products.prefetch_related(
        "route", "groups__options", "rules", "price_rules", "starting_points"
    ).order_by("position", "id")
    return canonical(
        {
            "format": FORMAT,
            "currency": version.currency,
            "components": [
                _component_doc(c)
                for c in Component.objects.prefetch_related("supply").order_by("sku")
            ],
            "work_centres": [
                _work_centre_doc(w)
                for w in WorkCentre.objects.prefetch_related("holidays").order_by("code")
            ],
            "products": [product_doc(p) for p in products],
            "standard_products": [
                {
                    "sku": s.sku,
                    "product": s.product_code,
                    "selections": s.selections,
                    "price": amount_text(s.price),
                    "stock": s.stock,
                }
                for s in StandardProduct.objects.order_by("sku")
            ],
        }
    )


def write_products(version: CatalogueVersion, products: list[dict]) -> None:
    """Replace the products of `version` (a draft being written) with `products`."""
    version.products.all().delete()
    options: list[Option] = []
    for p_index, p in enumerate(products):
        product = Product.objects.create(
            version=version,
            code=p["code"],
            name=p["name"],
            description=p.get("description", ""),
            image=p.get("image", ""),
            image_alt=p.get("image_alt", ""),
            base_price=Decimal(p["base_price"]),
            specs=specs_rows(p.get("specs", {})),
            position=p_index,
        )
        StartingPoint.objects.bulk_create(
            StartingPoint(
                product=product,
                code=s["code"],
                name=s["name"],
                description=s.get("description", ""),
                selections={g: list(picks) for g, picks in s["selections"].items()},
                position=i,
            )
            for i, s in enumerate(p.get("starting_points", []))
        )
        RouteStep.objects.bulk_create(
            RouteStep(
                product=product, position=i, work_centre=s["work_centre"], minutes=s["minutes"]
            )
            for i, s in enumerate(p.get("route", []))
        )
        for g_index, g in enumerate(p["groups"]):
            group = OptionGroup.objects.create(
                product=product,
                code=g["code"],
                name=g["name"],
                min=g["min"],
                max=g["max"],
                default=list(g.get("default", [])),
                changes_picture=bool(g.get("changes_picture", False)),
                position=g_index,
            )
            options.extend(
                Option(
                    group=group,
                    code=o["code"],
                    name=o["name"],
                    description=o.get("description", ""),
                    image=o.get("image", ""),
                    image_alt=o.get("image_alt", ""),
                    price=Decimal(o["price"]),
                    bom=o.get("bom", {}),
                    attributes=o.get("attributes", {}),
                    extra_minutes=o.get("extra_minutes", {}),
                    specs=specs_rows(o.get("specs", {})),
                    position=o_index,
                )
                for o_index, o in enumerate(g["options"])
            )
        Rule.objects.bulk_create(
            Rule(
                product=product,
                rule_id=r["id"],
                type=r["type"],
                message=r["message"],
                definition={k: r[k] for k in RULE_FIELDS[r["type"]] if k in r},
                position=i,
            )
            for i, r in enumerate(p.get("rules", []))
        )
        PriceRule.objects.bulk_create(
            PriceRule(
                product=product,
                rule_id=r["id"],
                when=r["when"],
                amount=Decimal(r["amount"]),
                label=r["label"],
                position=i,
            )
            for i, r in enumerate(p.get("price_rules", []))
        )
    Option.objects.bulk_create(options)


def write_master_data(document: dict) -> None:
    """Upsert components, work centres and standard products named by `document`.

    Supply batches and holidays of the named components and work centres are replaced;
    stock already reserved by orders is checked by the caller (services.import_catalogue).
    """
    for c in document.get("components", []):
        component, _ = Component.objects.update_or_create(
            sku=c["sku"], defaults={"name": c["name"], "stock": c["stock"]}
        )
        # Supplier batches only: a planned batch run's output is the run's (production).
        suppliers = component.supply.filter(batch_run__isnull=True)
        suppliers.filter(reserved=0).delete()
        kept = {(b.available_on.isoformat(), b.quantity) for b in suppliers}
        SupplyBatch.objects.bulk_create(
            SupplyBatch(component=component, quantity=b["quantity"], available_on=b["available_on"])
            for b in c.get("supply", [])
            if (b["available_on"], b["quantity"]) not in kept
        )
    for w in document.get("work_centres", []):
        centre, _ = WorkCentre.objects.update_or_create(
            code=w["code"],
            defaults={
                "name": w["name"],
                "minutes_per_day": w["minutes_per_day"],
                "workdays": list(w["workdays"]),
                "plan": w.get("plan", WorkCentre.Plan.BUILD_TO_ORDER),
            },
        )
        centre.holidays.all().delete()
        Holiday.objects.bulk_create(
            Holiday(work_centre=centre, date=day) for day in w.get("holidays", [])
        )
    skus = []
    for s in document.get("standard_products", []):
        skus.append(s["sku"])
        StandardProduct.objects.update_or_create(
            sku=s["sku"],
            defaults={
                "product_code": s["product"],
                "selections": s["selections"],
                "price": Decimal(s["price"]),
                "stock": s["stock"],
            },
        )
    StandardProduct.objects.exclude(sku__in=skus).delete()
