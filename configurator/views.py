"""The shop's pages: product list, the configure page (full page and its htmx fragment),
and saved configurations behind share links. Each view parses, calls configurator.shop,
and renders; the no-JavaScript form POST and the htmx update answer the same content."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from atelier.errors import DomainError
from configurator import shop
from configurator.forms import CompareForm, ConfigureForm
from configurator.models import CatalogueVersion
from configurator.selectors import NoPublishedCatalogue
from orders import services as order_services
from orders.cart import Cart, CartError
from orders.quote_views import actor_of, issued


def product_list(request):
    try:
        version, cards = shop.product_cards()
    except NoPublishedCatalogue:
        return render(request, "shop/empty.html", status=503)
    return render(request, "shop/products.html", {"cards": cards, "version": version})


def _bound_form(data: QueryDict, code: str) -> tuple[CatalogueVersion, ConfigureForm]:
    """The published version and the configure form bound to `data` (a POST, or the
    query string of the printable spec sheet)."""
    try:
        version, product = shop.product_for_form(code)
    except shop.ProductNotFound as exc:
        raise Http404("No such product") from exc
    return version, ConfigureForm(data, product=product)


def _page_from_form(version, form: ConfigureForm, code: str) -> shop.ConfigurePage:
    """The page for a valid form; for an invalid one, the customer's picks if those are
    fine (only another field was wrong), else the default configuration."""
    valid = form.is_valid()
    data = form.cleaned_data
    if not valid and not form.choices_valid:
        return shop.start_page(code=code, version=version)
    return shop.update_page(
        version=version,
        code=code,
        selections=data["selections"],
        order=data["order"],
        last_good=data["last_good"],
        action=data["action"] if valid else "update",
        quantity=data["quantity"],
    )


def _render_page(request, page, *, form=None, problems=(), status=200):
    form_data = getattr(form, "cleaned_data", {})
    return render(
        request,
        "shop/configure.html",
        {**shop.configure_context(page=page, problems=problems), "form_data": form_data},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def configure(request, code: str):
    """GET: the default configuration. POST (the form without JavaScript, and the
    Add to cart / Save buttons): apply the change and answer the whole page."""
    if request.method == "GET":
        try:
            page = shop.start_page(code=code)
        except shop.ProductNotFound as exc:
            raise Http404("No such product") from exc
        return _render_page(request, page)
    version, form = _bound_form(request.POST, code)
    page = _page_from_form(version, form, code)
    if not form.is_valid():
        return _render_page(request, page, form=form, problems=form.problems(), status=422)
    action = form.cleaned_data["action"]
    if action in ("cart", "standard"):
        return _add_to_cart(request, form, page)
    if action == "quote":
        return _request_quote(request, form, page)
    if action == "save":
        if not page.valid:
            problem = "Choose how to settle the conflict before saving."
            return _render_page(request, page, form=form, problems=[problem], status=422)
        owner = request.user if request.user.is_authenticated else None
        saved = shop.save_configuration(
            version=page.version,
            code=code,
            selections=page.selections,
            title=form.cleaned_data["title"],
            owner=owner,
        )
        if owner is not None:
            messages.success(
                request,
                f"Saved as “{saved.title}” in your account. Anyone with the link below "
                "can open it too.",
            )
        else:
            messages.success(
                request, "Saved. Anyone with the link below can open this configuration."
            )
        return redirect("shop:saved", token=saved.token)
    return _render_page(request, page, form=form)


def _add_to_cart(request, form, page):
    action = form.cleaned_data["action"]
    if not page.can_order or (action == "standard" and page.standard is None):
        problem = "Finish the configuration (and settle any conflict) before adding it to the cart."
        return _render_page(request, page, form=form, problems=[problem], status=422)
    try:
        Cart(request.session).add(
            product=page.code,
            selections=page.selections,
            quantity=form.cleaned_data["quantity"],
            standard_sku=page.standard.sku if action == "standard" else "",
            title=form.cleaned_data["title"],
        )
    except CartError as exc:
        return _render_page(request, page, form=form, problems=[str(exc)], status=422)
    messages.success(request, f"{page.name} was added to your cart.")
    return redirect("orders:cart")


def _request_quote(request, form, page):
    """An account holder's quote for this configuration and quantity. A visitor who is
    not logged in keeps the configuration behind a share link and logs in first; the
    link brings them back to it."""
    if not page.can_order:
        problem = "Finish the configuration (and settle any conflict) before asking for a quote."
        return _render_page(request, page, form=form, problems=[problem], status=422)
    if not request.user.is_authenticated:
        saved = shop.save_configuration(
            version=page.version,
            code=page.code,
            selections=page.selections,
            title=form.cleaned_data["title"],
        )
        messages.info(request, "Log in to ask for a quote; your configuration is kept.")
        return redirect_to_login(reverse("shop:saved", args=[saved.token]))
    try:
        quote = order_services.issue_quote(
            lines=[
                order_services.LineRequest(
                    product=page.code,
                    selections={g: list(picks) for g, picks in page.selections.items() if picks},
                    quantity=form.cleaned_data["quantity"],
                )
            ],
            user=request.user,
            actor=actor_of(request.user),
        )
    except DomainError as exc:
        return _render_page(request, page, form=form, problems=[exc.detail], status=422)
    return issued(request, quote)


@require_POST
def configure_update(request, code: str):
    """htmx: after one change, the regions of the page that changed since what the page
    says it shows (`shown`), each morphed into the page out of band (the control in use
    keeps its node and its focus), plus an announcement for screen readers. Without `shown` (a page
    from before regions) the whole configurator fragment, as before."""
    version, form = _bound_form(request.POST, code)
    page = _page_from_form(version, form, code)
    problems, status = (form.problems(), 422) if not form.is_valid() else ((), 200)
    regions = shop.render_regions(page=page, problems=problems)
    context = {
        "page": page,
        "form_data": form.cleaned_data,
        "problems": problems,
        "regions": regions,
    }
    if "shown" not in request.POST:
        return render(request, "shop/_update.html", context, status=status)
    context["changed"] = regions.changed(shown=shop.parse_shown(request.POST["shown"]))
    return render(request, "shop/_changes.html", context, status=status)


def saved_configuration(request, token: str):
    try:
        saved, page = shop.reopen_saved(token=token)
    except (shop.SavedNotFound, shop.ProductNotFound) as exc:
        raise Http404("No such saved configuration") from exc
    share_url = request.build_absolute_uri(reverse("shop:saved", args=[saved.token]))
    return render(
        request,
        "shop/configure.html",
        {
            **shop.configure_context(page=page),
            "form_data": {"title": saved.title},
            "saved": saved,
            "share_url": share_url,
            "share_mail": shop.share_mail_link(name=page.name, title=saved.title, url=share_url),
        },
    )


def spec_sheet(request, code: str):
    """The printable spec sheet of a configuration (the configure form's fields, by GET:
    the configure page links here with its current picks)."""
    version, form = _bound_form(request.GET, code)
    if not any(name.startswith("g-") for name in request.GET):
        page = shop.start_page(code=code, version=version)
    else:
        page = _page_from_form(version, form, code)
    return render(request, "shop/spec_sheet.html", {"page": page})


# Seconds a browser may keep an option's picture fragment: its stored picture can change
# when a catalogue is re-imported with other bytes under the same path (docs/catalogue-media.md).
OPTION_PICTURE_MAX_AGE = 3600


@require_GET
def option_picture(request, code: str, group: str, option: str):
    """An option's own picture, the fragment its details show once opened (fetched by
    static/shop/option_pictures.js, so the page carries no picture nobody opens); `v` is
    the catalogue version the page was made from."""
    number = request.GET.get("v", "")
    if number and not (number.isascii() and number.isdigit() and len(number) <= 9):
        raise Http404("No such catalogue version")
    try:
        picture = shop.option_picture(
            code=code, group=group, option=option, version=int(number) if number else None
        )
    except shop.ProductNotFound as exc:
        raise Http404("No such picture") from exc
    response = render(request, "shop/_option_picture.html", {"picture": picture})
    patch_cache_control(response, public=True, max_age=OPTION_PICTURE_MAX_AGE)
    return response


def compare(request):
    """Two or three products or saved configurations side by side (a GET form: the home
    page's checkboxes submit here, and so does this page's own form)."""
    try:
        _, cards = shop.product_cards()
    except NoPublishedCatalogue:
        return render(request, "shop/empty.html", status=503)
    form = CompareForm(request.GET or None, products=[(c.code, c.name) for c in cards])
    comparison = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                comparison = shop.compare(
                    products=form.cleaned_data["product"], tokens=form.cleaned_data["saved"]
                )
            except (shop.ProductNotFound, shop.SavedNotFound):
                form.add_error(None, "One of those is no longer in the catalogue.")
        if comparison is None:
            status = 422
    # The form shows again what was asked: boxes ticked, links kept (two inputs at least).
    saved_values = [v[:300] for v in request.GET.getlist("saved")[:3]]
    context = {
        "form": form,
        "cards": cards,
        "comparison": comparison,
        "checked": request.GET.getlist("product"),
        "saved_values": saved_values + [""] * (2 - len(saved_values)),
    }
    return render(request, "shop/compare.html", context, status=status)
