"""Starting points, the spec sheet and the comparison page on the demo catalogue: a
starting point sets every group and shows the price and ship date the one pricing path
and the one promise give; the spec sheet follows each click; the comparison page
compares two or three products or saved configurations and refuses bad input with a
form error."""

from __future__ import annotations

import re

import pytest

from configurator.models import SavedConfiguration
from configurator.services import import_catalogue
from orders.pricing import LineRequest, price_line
from production import promise
from tests.demo import demo_document
from tests.shop.conftest import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    return import_catalogue(document=demo_document(), publish=True).version


def start_of(code: str, start: str) -> dict:
    product = next(p for p in demo_document()["products"] if p["code"] == code)
    return next(s for s in product["starting_points"] if s["code"] == start)


def test_configure_page_offers_each_starting_point_with_its_price_and_ship_date(client, demo):
    html = client.get("/p/nb14/").content.decode()
    for start in demo_document()["products"][0]["starting_points"]:
        request = LineRequest(product="nb14", selections=start["selections"])
        line = price_line(version=demo, request=request)
        shipped = promise.estimate_configuration(
            version=demo, product_code="nb14", selections=start["selections"]
        )
        section = html.split(f'id="start-{start["code"]}"', 1)[1].split("</li>", 1)[0]
        assert f">Start from {start['name']}</button>" in section
        assert f"€{line.unit_price:,.2f}" in section
        assert shipped is not None and f"{shipped:%a} {shipped.day} {shipped:%b %Y}" in section
        for group, picks in start["selections"].items():
            for option in picks:
                assert f'name="g-{group}" value="{option}"' in section


def test_standard_starting_point_says_it_is_in_stock(client, demo):
    html = client.get("/p/nb14/").content.decode()
    section = html.split('id="start-everyday"', 1)[1].split("</li>", 1)[0]
    assert "In stock as NB14-U5-16-512 for <strong>€519.00</strong>" in section


@pytest.mark.parametrize("start", ["everyday", "travel-pro", "graphics"])
def test_starting_point_form_sets_every_group_without_javascript(client, demo, start):
    chosen = start_of("nb14", start)["selections"]
    fields = {f"g-{g}": picks for g, picks in chosen.items()}
    fields["order"] = " ".join(f"{g}.{o}" for g, p in chosen.items() for o in p)
    response = client.post("/p/nb14/", {**fields, "action": "update"})
    assert response.status_code == 200
    html = response.content.decode()
    for group, picks in chosen.items():
        for option in picks:
            assert f'value="{option}" id="opt-{group}-{option}" checked' in html
    line = price_line(version=demo, request=LineRequest(product="nb14", selections=chosen))
    assert f'<strong id="total">€{line.unit_price:,.2f}</strong>' in html


def test_spec_sheet_merges_product_specs_with_the_picks_and_follows_a_click(client, demo):
    html = client.get("/p/nb14/").content.decode()
    sheet = _spec_sheet(html)
    # The catalogue's order (kept through PostgreSQL's jsonb, which sorts object keys):
    # the picks' specs group by group, then the product's own.
    assert list(sheet)[:5] == ["Processor", "Cores / threads", "Max boost", "Cache", "AI engine"]
    assert list(sheet)[-7:] == list(demo_document()["products"][0]["specs"])
    assert sheet["Processor"] == "Intel Core Ultra 5 225H"
    assert sheet["Cores / threads"] == "14 / 14"
    assert sheet["Weight"].startswith("1.3 kg")  # the product's own spec
    assert sheet["Accessories"] == "None"  # the product's value while nothing is picked
    chosen = {**start_of("nb14", "everyday")["selections"], "cpu": ["u7"]}
    chosen["accessories"] = ["sleeve", "mouse"]
    response = client.post("/p/nb14/update/", form_data(chosen), HTTP_HX_REQUEST="true")
    update = response.content.decode()
    assert (
        'id="spec-sheet-slot" class="spec-sheet-slot" hx-ext="morph" hx-swap-oob="morph"' in update
    )
    sheet = _spec_sheet(update)
    assert sheet["Processor"] == "Intel Core Ultra 7 255H"
    assert sheet["Max boost"] == "5.1 GHz"
    assert sheet["Accessories"] == '14" neoprene sleeve, Wireless mouse (Bluetooth)'


def test_printable_spec_sheet_shows_the_configuration_its_price_and_specs(client, demo):
    chosen = start_of("tower", "workstation")["selections"]
    html = client.get("/p/tower/").content.decode()
    link = re.search(r'href="(/p/tower/specs/\?[^"]+)" id="print-specs"', html)
    assert link is not None
    query = "&".join(f"g-{g}={o}" for g, p in chosen.items() for o in p)
    page = client.get(f"/p/tower/specs/?{query}")
    assert page.status_code == 200
    text = page.content.decode()
    line = price_line(version=demo, request=LineRequest(product="tower", selections=chosen))
    assert f"Price <strong>€{line.unit_price:,.2f}</strong>" in text
    assert _spec_sheet(text, last=True)["Processor"] == "AMD Ryzen 9 9950X"
    assert client.get(link.group(1).replace("&amp;", "&")).status_code == 200
    # Unknown codes in the query are a form problem for the configure form, never a 500.
    assert client.get("/p/tower/specs/?g-cpu=nope&quantity=x").status_code == 200
    assert client.get("/p/nope/specs/").status_code == 404


def test_home_page_has_a_compare_form_with_a_box_per_product(client, demo):
    html = client.get("/").content.decode()
    assert '<form class="compare-pick" method="get" action="/compare/">' in html
    for code in ("nb14", "nb16c", "tower"):
        assert f'<input type="checkbox" name="product" value="{code}"> Compare <span' in html


def test_compare_two_products_side_by_side_with_differences_marked(client, demo):
    response = client.get("/compare/?product=nb14&product=tower")
    assert response.status_code == 200
    html = response.content.decode()
    rows = _compare_rows(html)
    assert rows["Price"][0] == ["€549.00", "€699.00"]
    assert rows["Price"][1] is True
    assert rows["Operating system"] == (["Windows 11 Home", "Windows 11 Home"], False)
    assert rows["Processor"][1] is True
    ship = rows["Ship date"][0]
    for code, shown in zip(("nb14", "tower"), ship, strict=True):
        defaults = {
            g["code"]: g["default"]
            for p in demo_document()["products"]
            if p["code"] == code
            for g in p["groups"]
        }
        date = promise.estimate_configuration(version=demo, product_code=code, selections=defaults)
        assert shown == f"{date:%a} {date.day} {date:%b %Y}"
    assert rows["Monitor"][0] == ["—", "None"]  # a spec only one of them has


def test_compare_a_saved_configuration_with_a_product(client, demo):
    chosen = start_of("nb14", "travel-pro")["selections"]
    location = client.post("/p/nb14/", form_data(chosen, action="save", title="Mine"))["Location"]
    token = SavedConfiguration.objects.get().token
    response = client.get(f"/compare/?product=nb14&saved=http://testserver{location}")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="compare-title">Mine</span>' in html
    assert f'href="/c/{token}/"' in html
    line = price_line(version=demo, request=LineRequest(product="nb14", selections=chosen))
    assert _compare_rows(html)["Price"][0] == ["€549.00", f"€{line.unit_price:,.2f}"]
    by_token = client.get(f"/compare/?saved={token}&saved=&product=tower")
    assert by_token.status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("product=nb14&product=nope", "There is no product “nope”."),
        (
            "product=nb14&product=nb16c&product=tower&saved=abc",
            "No saved configuration behind “abc”.",
        ),
        ("product=nb14", "Choose two or three to compare."),
        ("product=nb14&product=<script>", "There is no product “&lt;script&gt;”."),
        ("product=nb14&saved=%3Cscript%3E", "That is not a share link."),
        ("product=nb14&product=nb16c&saved=" + "x" * 5000, "That is not a share link."),
    ],
)
def test_bad_comparison_requests_are_form_errors(client, demo, query, message):
    response = client.get(f"/compare/?{query}")
    assert response.status_code == 422
    html = response.content.decode()
    assert 'role="alert" id="compare-problems"' in html
    assert message in html
    assert html.count("<script") == client.get("/compare/").content.decode().count("<script")


def test_more_than_three_to_compare_is_a_form_error(client, demo):
    location = client.post(
        "/p/nb14/", form_data(start_of("nb14", "everyday")["selections"], action="save")
    )["Location"]
    response = client.get(f"/compare/?product=nb14&product=nb16c&product=tower&saved={location}")
    assert response.status_code == 422
    assert "Choose at most 3 to compare (4 were chosen)." in response.content.decode()
    assert client.get("/compare/").status_code == 200  # the empty form, no error
    many = "&".join(f"saved={location}" for _ in range(50))
    response = client.get(f"/compare/?product=nb14&{many}")
    assert response.status_code == 422
    assert "Choose at most 3 to compare (51 were chosen)." in response.content.decode()


def _spec_sheet(html: str, *, last: bool = False) -> dict[str, str]:
    tables = re.findall(r'<table class="specs">(.*?)</table>', html, re.S)
    rows = re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td>', tables[-1 if last else 0], re.S)
    return {name: _text(value) for name, value in rows}


def _compare_rows(html: str) -> dict[str, tuple[list[str], bool]]:
    table = html.split('id="comparison"', 1)[1].split("</table>", 1)[0]
    out = {}
    for css, head, cells in re.findall(
        r'<tr class="([^"]*)">\s*<th scope="row">(.*?)</th>\s*(.*?)\s*</tr>', table, re.S
    ):
        name = re.sub(r"<span.*", "", head).strip()
        out[name] = (
            [_text(c) for c in re.findall(r"<td>(.*?)</td>", cells, re.S)],
            "differs" in css,
        )
    return out


def _text(html: str) -> str:
    return (
        re.sub(r"<[^>]+>", "", html)
        .replace("&quot;", '"')
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        .strip()
    )
