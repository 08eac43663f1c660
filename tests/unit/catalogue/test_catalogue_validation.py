"""validate_catalogue: the schema pass and the cross-reference pass, with precise paths."""

from __future__ import annotations

import pytest

from configurator.interchange import CatalogueIssue, validate_catalogue
from tests.unit.catalogue.conftest import FIXTURES, load


def errors_of(document: object) -> list[str]:
    return [str(error) for error in validate_catalogue(document)]


def test_completed_design_example_is_valid(design_example):
    assert validate_catalogue(design_example) == []


def test_verbatim_design_example_is_refused_only_for_its_dangling_references():
    document = load(FIXTURES / "design_example.json")
    assert errors_of(document) == [
        "products[0].route[1].work_centre: unknown work centre 'TEST'",
        "products[0].groups[0].options[0].bom.CPU-U5: unknown sku 'CPU-U5'",
        "products[0].groups[0].options[1].extra_minutes.TEST: unknown work centre 'TEST'",
        "products[0].rules[0].if[0]: unknown group 'gpu'",
        "products[0].rules[0].then[0]: unknown group 'psu'",
        "products[0].rules[0].then[1]: unknown group 'psu'",
        "products[0].rules[1].all[0]: unknown group 'display'",
        "products[0].rules[1].all[1]: unknown group 'battery'",
        "products[0].rules[2].groups[1]: unknown group 'board'",
        "products[0].rules[3].limit_attribute: no option of product 'nb14' has attribute "
        "'supply_watts'",
        "products[0].price_rules[0].when[1]: unknown group 'memory'",
        "standard_products[0].selections.memory: unknown group 'memory'",
    ]


def _set(path: str, value):
    """A mutation that sets document[path] (path like "products.0.rules.0.then.1")."""

    def mutate(document: dict) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target = document
        for part in parents:
            target = target[part]
        target[int(last) if isinstance(last, str) and last.isdigit() else last] = value

    return mutate


def _delete(path: str):
    def mutate(document: dict) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target = document
        for part in parents:
            target = target[part]
        del target[last]

    return mutate


P = "products.0"
CPU = f"{P}.groups.0"

BAD = {
    "unknown option in requires.then": (
        _set(f"{P}.rules.0.then.1", "psu.999w"),
        "products[0].rules[0].then[1]: unknown option 'psu.999w'",
    ),
    "unknown group in excludes": (
        _set(f"{P}.rules.1.all.0", "screen.oled"),
        "products[0].rules[1].all[0]: unknown group 'screen'",
    ),
    "unknown option in a price rule": (
        _set(f"{P}.price_rules.0.when.1", "memory.8gb"),
        "products[0].price_rules[0].when[1]: unknown option 'memory.8gb'",
    ),
    "duplicate option code": (
        _set(f"{CPU}.options.1.code", "u5"),
        "products[0].groups[0].options[1].code: duplicate option code 'u5' in group 'cpu' "
        "(first at products[0].groups[0].options[0])",
    ),
    "duplicate group code": (
        _set(f"{P}.groups.2.code", "board"),
        "products[0].groups[2].code: duplicate group code 'board' (first at products[0].groups[1])",
    ),
    "duplicate rule id": (
        _set(f"{P}.rules.3.id", "gpu-psu"),
        "products[0].rules[3].id: duplicate rule id 'gpu-psu' (first at products[0].rules[0])",
    ),
    "duplicate component sku": (
        _set("components.1.sku", "CPU-U7"),
        "components[1].sku: duplicate sku 'CPU-U7' (first at components[0])",
    ),
    "min greater than max": (
        _set(f"{P}.groups.7.min", 3),
        "products[0].groups[7].min: min 3 is greater than max 2",
    ),
    "max above the number of options": (
        _set(f"{P}.groups.7.max", 4),
        "products[0].groups[7].max: max 4 is more than the group's 3 option(s)",
    ),
    "default names an unknown option": (
        _set(f"{CPU}.default", ["u9"]),
        "products[0].groups[0].default[0]: unknown option 'cpu.u9'",
    ),
    "too many defaults": (
        _set(f"{CPU}.default", ["u5", "u7"]),
        "products[0].groups[0].default: 2 default option(s), but group 'cpu' takes exactly 1",
    ),
    "unknown sku in a bom": (
        _set(f"{CPU}.options.0.bom", {"CPU-U3": 1}),
        "products[0].groups[0].options[0].bom.CPU-U3: unknown sku 'CPU-U3'",
    ),
    "unknown work centre in a route": (
        _set(f"{P}.route.1.work_centre", "BURN"),
        "products[0].route[1].work_centre: unknown work centre 'BURN'",
    ),
    "unknown work centre in extra_minutes": (
        _set(f"{CPU}.options.1.extra_minutes", {"PAINT": 5}),
        "products[0].groups[0].options[1].extra_minutes.PAINT: unknown work centre 'PAINT'",
    ),
    "table row of the wrong length": (
        _set(f"{P}.rules.2.allowed.1", ["u7"]),
        "products[0].rules[2].allowed[1]: row has 1 entries but the rule lists 2 groups",
    ),
    "table group not single-choice": (
        _set(f"{P}.rules.2.groups.1", "extras"),
        "products[0].rules[2].groups[1]: group 'extras' is not single-choice (max 2); "
        "a table needs max 1",
    ),
    "table row with an unknown option": (
        _set(f"{P}.rules.2.allowed.1.1", "b3"),
        "products[0].rules[2].allowed[1][1]: unknown option 'board.b3'",
    ),
    "table null in a required group": (
        _set(f"{P}.rules.2.allowed.1.1", None),
        "products[0].rules[2].allowed[1][1]: null (no pick) is impossible: group 'board' needs "
        "a pick (min 1)",
    ),
    "sum over an attribute no option has": (
        _set(f"{P}.rules.3.attribute", "watt"),
        "products[0].rules[3].attribute: no option of product 'nb14' has attribute 'watt'",
    ),
    "summed attribute that is not a number": (
        _set(f"{CPU}.options.0.attributes", {"watts": "28"}),
        "products[0].groups[0].options[0].attributes.watts: attribute 'watts' is summed by "
        "rule 'power', so it must be a number",
    ),
    "sum with both limit and limit_attribute": (
        _set(f"{P}.rules.3.limit", 100),
        "products[0].rules[3]: needs exactly one of 'limit' (a number) and 'limit_attribute'",
    ),
    "unknown rule type": (
        _set(f"{P}.rules.0.type", "implies"),
        'products[0].rules[0].type: must be one of requires, excludes, table, sum, not "implies"',
    ),
    "rule without a message": (
        _delete(f"{P}.rules.1.message"),
        "products[0].rules[1]: missing required field 'message'",
    ),
    "bad money string": (
        _set(f"{CPU}.options.1.price", "180.0"),
        'products[0].groups[0].options[1].price: "180.0" must be a non-negative amount written '
        'as a string with two decimals, like "12.50"',
    ),
    "money as a number": (
        _set(f"{P}.base_price", 549),
        "products[0].base_price: 549 must be a non-negative amount written as a string with two "
        'decimals, like "12.50"',
    ),
    "negative option price": (
        _set(f"{CPU}.options.1.price", "-1.00"),
        'products[0].groups[0].options[1].price: "-1.00" must be a non-negative amount written '
        'as a string with two decimals, like "12.50"',
    ),
    "negative stock": (
        _set("components.0.stock", -5),
        "components[0].stock: must be at least 0, not -5",
    ),
    "supply on an impossible date": (
        _set("components.0.supply.0.available_on", "2026-02-30"),
        'components[0].supply[0].available_on: "2026-02-30" must be a date like "2026-12-01"',
    ),
    "minutes per day beyond a day": (
        _set("work_centres.0.minutes_per_day", 1441),
        "work_centres[0].minutes_per_day: must be at most 1440, not 1441",
    ),
    "workday listed twice": (
        _set("work_centres.0.workdays", [0, 1, 1]),
        "work_centres[0].workdays: lists 1 more than once",
    ),
    "wrong format string": (
        _set("format", "atelier-catalogue/2"),
        'format: must be "atelier-catalogue/1", not "atelier-catalogue/2"',
    ),
    "lowercase currency": (
        _set("currency", "eur"),
        'currency: "eur" must be an ISO 4217 currency code of three uppercase letters, like "EUR"',
    ),
    "unknown currency": (
        _set("currency", "EUX"),
        "currency: unknown currency 'EUX': use an ISO 4217 code like 'EUR'",
    ),
    "unknown top-level key": (
        _set("catalog", []),
        "unknown field 'catalog'",
    ),
    "unknown key on an option": (
        _set(f"{CPU}.options.0.colour", "red"),
        "products[0].groups[0].options[0]: unknown field 'colour'",
    ),
    "uppercase option code": (
        _set(f"{CPU}.options.0.code", "U5"),
        'products[0].groups[0].options[0].code: "U5" must be a code of 1 to 40 lowercase '
        "letters, digits, '_' or '-', starting with a letter or digit",
    ),
    "lowercase sku as a bom key": (
        _set(f"{CPU}.options.0.bom", {"cpu-u5": 1}),
        'products[0].groups[0].options[0].bom: key "cpu-u5" must be a SKU of 1 to 64 uppercase '
        "letters, digits, '_' or '-', starting with a letter or digit",
    ),
    "name too long": (
        _set(f"{P}.name", "x" * 201),
        "products[0].name: must have at most 200 characters, not 201",
    ),
    "standard product selection with an unknown option": (
        _set("standard_products.0.selections.memory", ["8gb"]),
        "standard_products[0].selections.memory[0]: unknown option 'memory.8gb'",
    ),
    "standard product selection with an unknown group": (
        _set("standard_products.0.selections.colour", ["red"]),
        "standard_products[0].selections.colour: unknown group 'colour'",
    ),
    "standard product with too many picks": (
        _set("standard_products.0.selections.extras", ["mouse", "sleeve", "dock"]),
        "standard_products[0].selections.extras: 3 option(s) picked in group 'extras', which "
        "takes 0 to 2",
    ),
    "standard product missing a required group": (
        _delete("standard_products.0.selections.cpu"),
        "standard_products[0].selections: 0 option(s) picked in group 'cpu', which takes exactly 1",
    ),
    "standard product of an unknown product": (
        _set("standard_products.0.product", "nb15"),
        "standard_products[0].product: unknown product 'nb15'",
    ),
}


@pytest.mark.parametrize("mutate, expected", BAD.values(), ids=BAD.keys())
def test_bad_document_is_refused_with_path_and_message(design_example, mutate, expected):
    mutate(design_example)
    assert expected in errors_of(design_example)


def test_every_schema_error_is_listed_at_once(design_example):
    design_example["currency"] = "euro"
    design_example["components"][0]["stock"] = -1
    design_example["products"][0]["groups"][0]["options"][0]["price"] = "free"
    design_example["products"][0]["rules"][0]["then"] = []
    paths = [error.path for error in validate_catalogue(design_example)]
    assert paths == [
        "currency",
        "components[0].stock",
        "products[0].groups[0].options[0].price",
        "products[0].rules[0].then",
    ]


def test_cross_references_wait_until_the_schema_passes(design_example):
    design_example["products"][0]["rules"][0]["then"][0] = "psu.999w"  # a reference error
    design_example["components"][0]["stock"] = -1  # a schema error
    assert errors_of(design_example) == ["components[0].stock: must be at least 0, not -1"]


def test_every_cross_reference_error_is_listed_at_once(design_example):
    product = design_example["products"][0]
    product["rules"][0]["then"][1] = "psu.999w"
    product["groups"][0]["options"][0]["bom"] = {"CPU-X": 1}
    design_example["standard_products"][0]["selections"]["gpu"] = ["rtx9090"]
    assert errors_of(design_example) == [
        "products[0].groups[0].options[0].bom.CPU-X: unknown sku 'CPU-X'",
        "products[0].rules[0].then[1]: unknown option 'psu.999w'",
        "standard_products[0].selections.gpu[0]: unknown option 'gpu.rtx9090'",
    ]


@pytest.mark.parametrize(
    "document, expected",
    [
        ([], "must be an object, not an array"),
        ("catalogue", "must be an object, not a string"),
        (None, "must be an object, not null"),
    ],
)
def test_a_document_that_is_not_an_object_is_refused(document, expected):
    assert errors_of(document)[0] == expected


def test_missing_sections_are_named():
    assert errors_of({"format": "atelier-catalogue/1"}) == [
        "missing required field 'currency'",
        "missing required field 'components'",
        "missing required field 'work_centres'",
        "missing required field 'products'",
    ]


def test_error_renders_as_path_colon_message():
    error = CatalogueIssue("products[0].rules[3].then[1]", "unknown option 'psu.999w'")
    assert str(error) == "products[0].rules[3].then[1]: unknown option 'psu.999w'"
    assert str(CatalogueIssue("", "the file is empty")) == "the file is empty"


def test_optional_sections_may_be_left_out(design_example):
    product = design_example["products"][0]
    del product["route"], product["rules"], product["price_rules"]
    for group in product["groups"]:
        del group["default"]
        for option in group["options"]:
            del option["bom"], option["attributes"]
    del design_example["standard_products"], design_example["components"][0]["supply"]
    assert validate_catalogue(design_example) == []


def test_a_hostile_number_of_errors_is_capped(design_example):
    design_example["components"] = [{"sku": "X", "name": "x", "stock": -1} for _ in range(5000)]
    errors = validate_catalogue(design_example)
    assert len(errors) == 1001
    assert errors[-1].message.startswith("... and ")


def test_non_finite_attribute_is_refused(design_example):
    design_example["products"][0]["groups"][0]["options"][0]["attributes"]["watts"] = float("nan")
    assert (
        "products[0].groups[0].options[0].attributes.watts: must be a finite number"
        in errors_of(design_example)
    )
