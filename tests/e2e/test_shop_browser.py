"""The shop in a real browser: configure with a rule-blocked choice and its resolution,
save and reopen, two configurations in the cart, checkout, status page; the same
without JavaScript; bad checkout input answered with errors and nothing stored."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from orders.models import Order

pytestmark = pytest.mark.e2e

TOTAL = "#total"


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_configure_resolve_conflict_save_and_reopen(page: Page, shop):
    page.goto(shop + "/")
    page.get_by_role("link", name=re.compile("Notebook 14")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notebook 14")
    expect(page.locator(TOTAL)).to_have_text("€629.00")
    expect(page.locator("#ship-date")).to_contain_text("Estimated ship date")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    # The OLED display is excluded, says why, and can still be chosen.
    oled = page.locator("#opt-display-oled")
    expect(page.locator("#opt-display-oled-why")).to_contain_text(
        "The OLED display needs the 86 Wh battery"
    )
    expect(page.locator("#opt-display-oled-why")).to_contain_text("(you chose Battery: 54 Wh)")
    oled.check()
    conflict = page.locator(".conflict")
    expect(conflict).to_contain_text("To choose Display: 2.8K OLED, we’d change:")
    expect(conflict).to_contain_text("Battery: 54 Wh → 86 Wh")
    expect(page.locator("#announce")).to_contain_text("conflicts with your other choices")
    assert focused_id(page) == "opt-display-oled"

    conflict.get_by_role("button", name="Apply the change").click()
    expect(page.locator(".conflict")).to_have_count(0)
    expect(page.locator("#opt-battery-86wh")).to_be_checked()
    expect(page.locator("#opt-display-oled")).to_be_checked()
    expect(page.locator(TOTAL)).to_have_text("€839.00")
    assert focused_id(page) == "opt-display-oled"

    # Keyboard: arrow to the next processor; focus stays, price and ship date follow.
    ship_before = page.locator("#ship-date").inner_text()
    page.locator("#opt-cpu-u5").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator(TOTAL)).to_have_text("€1,019.00")
    expect(page.locator("#announce")).to_contain_text("Total €1,019.00.")
    assert focused_id(page) == "opt-cpu-u7"
    expect(page.locator("#ship-date")).to_contain_text("Estimated ship date")
    assert "Estimated ship date" in ship_before
    assert page.evaluate("window.__sameDocument") is True

    page.get_by_label(re.compile("Save and share")).fill("Travel OLED")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(re.compile(r"/c/[\w-]+/$"))
    share_url = page.locator("#share-url").input_value()
    assert share_url == page.url

    other = page.context.new_page()
    other.goto(share_url)
    expect(other.get_by_role("heading", name="“Travel OLED”")).to_be_visible()
    for option in ("cpu-u7", "display-oled", "battery-86wh", "memory-16gb"):
        expect(other.locator(f"#opt-{option}")).to_be_checked()
    expect(other.locator(TOTAL)).to_have_text("€1,019.00")


def test_two_configurations_cart_checkout_and_status(page: Page, shop):
    from production.services import schedule_order

    page.goto(shop + "/p/nb14/")
    page.locator("#opt-memory-32gb").check()
    expect(page.locator(TOTAL)).to_have_text("€769.00")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(shop + "/cart/")

    page.goto(shop + "/p/nb14/")
    page.locator("#opt-extras-backlight").check()
    expect(page.locator(TOTAL)).to_have_text("€654.00")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".cart-line")).to_have_count(2)
    expect(page.locator("#cart-total")).to_have_text("€2,077.00")

    page.get_by_label("Quantity").first.fill("3")
    page.get_by_role("button", name=re.compile("^Update quantity of")).first.click()
    expect(page.locator("#cart-total")).to_have_text("€3,615.00")

    page.get_by_role("link", name="Check out").click()
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("E-mail").fill("grace@example.com")
    page.get_by_label("Shipping address").fill("1 Harbour Street\nArlington")
    page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, Grace Hopper")

    order = Order.objects.get()
    assert order.lines.count() == 2
    page.get_by_role("link", name="See the order status").click()
    expect(page).to_have_url(shop + f"/orders/{order.public_id}/")
    expect(page.locator(".status-badge")).to_have_text("Received")

    schedule_order(order_id=order.pk)  # what the Celery worker does after the commit
    page.reload()
    expect(page.locator(".status-badge")).to_have_text("Scheduled")
    expect(page.locator("#promised-ship-date")).to_be_visible()
    expect(page.locator(".timeline li")).to_have_count(2)


def test_the_shop_works_without_javascript(browser, shop):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(shop + "/p/nb14/")
    update = page.locator(".no-js-only").get_by_role("button", name="Update")
    expect(update).to_be_visible()

    page.locator("#opt-display-oled").check()
    update.click()
    expect(page.locator(".conflict")).to_contain_text("Battery: 54 Wh → 86 Wh")
    page.get_by_role("button", name="Apply the change").click()
    expect(page.locator("#opt-battery-86wh")).to_be_checked()
    expect(page.locator(TOTAL)).to_have_text("€839.00")

    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(shop + "/cart/")
    expect(page.locator("#cart-total")).to_have_text("€839.00")
    page.get_by_role("button", name=re.compile("^Remove")).click()
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()
    context.close()


def test_bad_checkout_input_is_answered_with_errors_and_nothing_is_stored(page: Page, shop):
    page.goto(shop + "/p/nb14/")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("Full name").fill("<script>alert('x')</script>")
    page.get_by_label("E-mail").fill("not-an-email")
    # The browser stops the address at the field's maxlength; the server checks it too.
    page.get_by_label("Shipping address").fill("x" * 1001)
    assert len(page.get_by_label("Shipping address").input_value()) == 1000
    page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the 2 fields")
    expect(page.locator(".error")).to_have_count(2)
    expect(page.locator(".error").first).to_have_text(
        "Please leave out < > and control characters."
    )
    expect(page.get_by_label("Full name")).to_have_value("<script>alert('x')</script>")
    assert Order.objects.count() == 0


def _amount(text: str) -> Decimal:
    sign = -1 if text.strip().startswith("−") else 1
    return sign * Decimal(re.sub(r"[^0-9.]", "", text))


def test_labels_are_the_change_of_the_total(page: Page, shop):
    """Every label is how the total changes: zero reads "Included" (never "+€0.00"), and
    an excluded option's label is what applying its proposed change does to the total,
    shown on the page (new total and ship date) before it is applied."""
    page.goto(shop + "/p/nb14/")
    labels = page.locator(".choice-price").all_inner_texts()
    assert labels and not any(re.search(r"[+−]€0\.00", text) for text in labels)
    for selected in page.locator(".choice.is-selected .choice-price").all_inner_texts():
        assert selected == "Included"

    excluded = page.locator(".choice.is-excluded input").evaluate_all(
        "inputs => inputs.map(i => i.id)"
    )
    assert excluded
    for input_id in excluded:
        page.goto(shop + "/p/nb14/")
        before = _amount(page.locator(TOTAL).inner_text())
        label = page.locator(f"label[for='{input_id}'] .choice-price").inner_text()
        page.locator(f"#{input_id}").check()
        conflict = page.locator(".conflict")
        expect(conflict).to_be_visible()
        effect = page.locator("#conflict-effect")
        expect(effect).to_contain_text("New total")
        expect(effect).to_contain_text("estimated ship date")
        pending = _amount(page.locator(TOTAL).inner_text())
        assert pending - before == _amount(label), (input_id, label)
        conflict.get_by_role("button", name="Apply the change").click()
        expect(page.locator(".conflict")).to_have_count(0)
        expect(page.locator(f"#{input_id}")).to_be_checked()
        assert _amount(page.locator(TOTAL).inner_text()) == pending, input_id
