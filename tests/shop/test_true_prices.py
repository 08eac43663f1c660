"""What the configure page promises about money, on the demo catalogue: labels are the
change of the total (price rules included; an excluded option's whole resolution), the
"From" price is the cheapest build, a conflict shows its new total and ship date before
it is applied, and reasons are sentences naming every rule and pick involved."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from configurator.services import import_catalogue
from tests.demo import demo_document
from tests.shop.conftest import form_data

pytestmark = pytest.mark.django_db

NB14_DEFAULTS = {
    "cpu": ["u5"],
    "memory": ["16gb"],
    "storage": ["512gb"],
    "display": ["fhd"],
    "graphics": ["integrated"],
    "battery": ["54wh"],
    "adapter": ["65w"],
    "keyboard": ["std-de"],
    "os": ["win11home"],
    "colour": ["platinum"],
    "warranty": ["1y"],
}


@pytest.fixture
def demo(db):
    return import_catalogue(document=demo_document(), publish=True).version


def _choice(html: str, input_id: str) -> str:
    """The markup of one option: from its input to the end of its block."""
    start = html.index(f'id="{input_id}"')
    return html[start : html.index('<div class="choice', start)]


def _label(html: str, input_id: str) -> str:
    return re.search(r'<span class="choice-price">([^<]*)</span>', _choice(html, input_id))[1]


def _total(html: str) -> str:
    return re.search(r'<strong id="total">([^<]*)</strong>', html)[1]


def test_from_price_is_the_cheapest_complete_configuration(client, demo):
    html = client.get("/").content.decode()
    # Notebook 14: the default build is 549.00; Ubuntu's credit makes 499.00 possible.
    assert "From <strong>€499.00</strong>" in html
    assert "From <strong>€549.00</strong>" not in html


def test_a_price_rule_credit_shows_in_the_label(client, demo):
    html = client.get("/p/nb14/").content.decode()
    assert _total(html) == "€549.00"
    assert _label(html, "opt-os-ubuntu") == "−€50.00"
    assert "+€0.00" not in html and "−€0.00" not in html
    assert _label(html, "opt-os-win11home") == "Included"  # the pick
    assert _label(html, "opt-keyboard-std-us") == "Included"  # no change either
    picked = client.post(
        "/p/nb14/update/", form_data({**NB14_DEFAULTS, "os": ["ubuntu"]}, order=NB14_DEFAULTS)
    ).content.decode()
    assert _total(picked) == "€499.00"


def test_excluded_label_is_the_whole_resolution_and_names_every_rule(client, demo):
    html = client.get("/p/nb14/").content.decode()
    rtx = _choice(html, "opt-graphics-rtx4050")
    # RTX 4050 (350) needs the Core Ultra 7 (+180) and the 100 W adapter (+35).
    assert _label(html, "opt-graphics-rtx4050") == "+€565.00"
    assert "The RTX 4050 comes only on the Core Ultra 7 mainboard" in rtx
    assert "(you chose Processor: Intel Core Ultra 5" in rtx
    assert "The RTX 4050 needs the 100 W adapter (you chose Power adapter: 65 W" in rtx
    assert "Choosing it changes Processor: Intel Core Ultra 5 225H → Intel Core Ultra 7" in rtx
    assert "Power adapter: 65 W USB-C adapter → 100 W USB-C adapter." in rtx


def test_no_engine_wording_reaches_the_page(client, demo):
    for code in ("nb14", "nb16c", "tower"):
        html = client.get(f"/p/{code}/").content.decode()
        assert "min:" not in html and "max:" not in html
        assert "choose at least" not in html.lower()
        assert "because of" not in html


def test_a_conflict_shows_the_new_total_and_ship_date_before_it_is_applied(client, demo):
    start = client.get("/p/nb14/").content.decode()
    label = _label(start, "opt-display-oled")
    assert label == "+€300.00"  # OLED 240 + the 72 Wh battery 60
    chosen = {**NB14_DEFAULTS, "display": ["oled"]}
    pending = client.post(
        "/p/nb14/update/", form_data(chosen, order=NB14_DEFAULTS, last_good=NB14_DEFAULTS)
    ).content.decode()
    assert "Battery: 54 Wh, 3-cell → 72 Wh, 4-cell" in pending
    effect = re.search(r'<p class="conflict-effect"[^>]*>(.*?)</p>', pending, re.S)[1]
    assert "New total <strong>€849.00</strong> (+€300.00)" in effect
    assert "estimated ship date <strong>" in effect
    assert "Total with the change" in pending and _total(pending) == "€849.00"
    assert "€789.00" not in pending  # the build that cannot be ordered is never priced
    # Labels (changes from a build that cannot be ordered) wait until it is settled.
    assert 'class="choice-price"' not in pending
    assert "Estimated ship date with the change: <strong>" in pending
    shown_date = re.search(r"estimated ship date <strong>([^<]*)</strong>", effect)[1]

    order = {**NB14_DEFAULTS}
    order.pop("display")
    order["display"] = ["oled"]
    applied = client.post(
        "/p/nb14/update/",
        form_data(chosen, order=order, last_good=NB14_DEFAULTS, action="resolve"),
    ).content.decode()
    assert _total(applied) == "€849.00"
    assert f"Estimated ship date: <strong>{shown_date}</strong>" in applied


def test_every_excluded_label_equals_the_change_its_resolution_makes(client, demo):
    """Click each excluded option of the default Notebook 14, apply the proposed change:
    the total moves by exactly the label."""
    start = client.get("/p/nb14/").content.decode()
    excluded = re.findall(
        r'class="choice is-excluded">\s*<input[^>]*name="g-(\w+)" value="([\w-]+)"', start
    )
    assert len(excluded) >= 3
    for group, option in excluded:
        label = _label(start, f"opt-{group}-{option}")
        chosen = {**NB14_DEFAULTS, group: [option]}  # nothing else in a multi-choice group
        order = {**NB14_DEFAULTS}
        order.pop(group, None)
        order[group] = [option]
        applied = client.post(
            "/p/nb14/update/",
            form_data(chosen, order=order, last_good=NB14_DEFAULTS, action="resolve"),
        ).content.decode()
        before = _money(_total(start))
        after = _money(_total(applied))
        assert _money(label) == after - before, (group, option, label, _total(applied))


def _money(text: str) -> Decimal:
    sign = -1 if text.startswith("−") else 1
    return sign * Decimal(re.sub(r"[^0-9.]", "", text))


def test_a_click_past_a_full_group_proposes_the_change_its_label_priced(client, demo):
    full = {**NB14_DEFAULTS, "accessories": ["sleeve", "mouse", "dock"]}
    start = client.post("/p/nb14/update/", form_data(full)).content.decode()
    assert "Accessories takes at most 3 choices" in _choice(start, "opt-accessories-headset")
    label = _label(start, "opt-accessories-headset")
    # Keep the headset and two of the three, cheapest: the dock (189) makes room.
    assert label == "−€140.00"
    chosen = {**full, "accessories": ["sleeve", "mouse", "dock", "headset"]}
    pending = client.post("/p/nb14/update/", form_data(chosen, order=full, last_good=full))
    html = pending.content.decode()
    assert pending.status_code == 200
    assert "To choose Accessories: " in html
    assert "→" in html and "we’d change" in html
    assert 'value="headset" id="opt-accessories-headset" checked' in html
    new_total = _money(_total(start)) + _money(label)
    assert _money(_total(html)) == new_total
    order = {**full, "accessories": ["sleeve", "mouse", "dock", "headset"]}
    applied = client.post(
        "/p/nb14/update/", form_data(chosen, order=order, last_good=full, action="resolve")
    ).content.decode()
    assert _money(_total(applied)) == new_total
    assert 'value="headset" id="opt-accessories-headset" checked' in applied
    assert 'value="dock" id="opt-accessories-dock" checked' not in applied
    undone = client.post(
        "/p/nb14/update/", form_data(chosen, order=order, last_good=full, action="undo")
    ).content.decode()
    assert 'value="dock" id="opt-accessories-dock" checked' in undone
