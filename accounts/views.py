"""Account pages: sign up, confirm the address, log in and out, reset the password, and
"My account" (orders, saved configurations, reorder). Each view parses, checks, calls one
service or selector and renders.

No message here tells whether an account exists: sign-up always ends on the same page,
a failed log-in always reads LOGIN_FAILED, a refused one THROTTLED, and the password
reset always says a mail is on its way if the address has an account (Django's view).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from rest_framework.throttling import BaseThrottle

from accounts import selectors, services, throttling
from accounts.forms import ConfirmForm, LoginForm, SignUpForm
from accounts.mail import site_link
from configurator import shop

BACKEND = "django.contrib.auth.backends.ModelBackend"
LOGIN_FAILED = (
    "That e-mail address and password do not match an active account. If you signed up "
    "recently, open the confirmation link we e-mailed you first."
)
THROTTLED = (
    "Too many failed attempts. Please wait {minutes} minutes before trying again, "
    "or reset your password."
)


def client_address(request) -> str:
    # DRF's reading of the client address, so ATELIER_NUM_PROXIES means the same here as
    # for the API's rate limits (a forged X-Forwarded-For is not believed).
    return BaseThrottle().get_ident(request)


def throttled_message() -> str:
    return THROTTLED.format(minutes=max(1, settings.ATELIER_LOGIN_WINDOW_SECONDS // 60))


@require_http_methods(["GET", "POST"])
def sign_up(request):
    form = SignUpForm(request.POST or None)
    status = 422 if form.is_bound else 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if throttling.mail_request_refused(address=client_address(request), account=email):
            form.add_error(None, throttled_message())
            status = 429
        else:
            services.sign_up(email=email, password=form.cleaned_data["password"])
            return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form}, status=status)


def sign_up_done(request):
    return render(request, "accounts/signup_done.html")


@require_http_methods(["GET", "POST"])
def verify(request, token: str):
    try:
        user = services.user_for_token(token=token)
    except services.InvalidLink:
        return render(request, "accounts/verify_invalid.html", status=400)
    form = ConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        if throttling.login_blocked(address=address, account=user.username):
            form.add_error(None, throttled_message())
            status = 429
        else:
            try:
                confirmed = services.confirm_email(
                    token=token, password=form.cleaned_data["password"]
                )
            except services.InvalidLink:
                return render(request, "accounts/verify_invalid.html", status=400)
            if confirmed is None:
                throttling.login_failed(address=address, account=user.username)
                form.add_error("password", "That is not the password of this sign-up.")
                status = 422
            else:
                login(request, confirmed.user, backend=BACKEND)
                note = (
                    f" {confirmed.claimed_orders} earlier order"
                    f"{'s' if confirmed.claimed_orders != 1 else ''} placed with this address "
                    f"{'are' if confirmed.claimed_orders != 1 else 'is'} now in your account."
                    if confirmed.claimed_orders
                    else ""
                )
                messages.success(request, f"Your e-mail address is confirmed.{note}")
                return redirect("accounts:home")
    elif form.is_bound:
        status = 422
    return render(
        request, "accounts/verify.html", {"form": form, "email": user.email}, status=status
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("accounts:home")


@require_http_methods(["GET", "POST"])
def log_in(request):
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            email, password = form.cleaned_data["email"], form.cleaned_data["password"]
            address = client_address(request)
            if throttling.login_blocked(address=address, account=email):
                form.add_error(None, throttled_message())
                status = 429
            else:
                user = authenticate(request, username=email, password=password)
                if user is None:
                    throttling.login_failed(address=address, account=email)
                    form.add_error(None, LOGIN_FAILED)
                else:
                    throttling.login_succeeded(account=email)
                    login(request, user)
                    claimed = services.claim_guest_orders(user=user)
                    if claimed:
                        messages.success(
                            request,
                            f"{claimed} guest order{'s' if claimed != 1 else ''} "
                            "placed with your address added to your account.",
                        )
                    return redirect(_next_url(request))
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "accounts/login.html", context, status=status)


class LogoutView(auth_views.LogoutView):
    next_page = "shop:products"  # a URL name: resolve_url reverses it


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if throttling.mail_request_refused(address=client_address(self.request), account=email):
            form.add_error(None, throttled_message())
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)

    @property
    def extra_email_context(self):
        # Links on ATELIER_SITE_URL, not on the Host header of the request.
        return {"site_url": site_link("")}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
def home(request):
    context = {
        "orders": selectors.orders_of(user=request.user),
        "saved": selectors.saved_of(user=request.user),
    }
    return render(request, "accounts/home.html", context)


@login_required
def order_detail(request, public_id):
    placed = selectors.order_of(user=request.user, public_id=public_id)
    if placed is None:
        raise Http404("No such order")
    return render(request, "accounts/order.html", {"order": placed.order, "placed": placed})


def _configure_page(request, page, **context):
    """The configure page, as configurator.views renders it (its regions and starting
    points), for a saved configuration or a reorder reopened from the account."""
    return render(request, "shop/configure.html", {**shop.configure_context(page=page), **context})


@login_required
def saved_detail(request, pk: int):
    saved = selectors.saved_one_of(user=request.user, pk=pk)
    if saved is None:
        raise Http404("No such saved configuration")
    try:
        page = shop.reopen_configuration(saved=saved)
    except shop.ProductNotFound as exc:
        raise Http404("That product is no longer sold") from exc
    share_url = request.build_absolute_uri(reverse("shop:saved", args=[saved.token]))
    return _configure_page(
        request, page, saved=saved, share_url=share_url, form_data={"title": saved.title}
    )


@login_required
def reorder(request, public_id, position: int):
    line = selectors.order_line_of(user=request.user, public_id=public_id, position=position)
    if line is None:
        raise Http404("No such order line")
    try:
        page = shop.reopen(
            product_code=line.product_code,
            selections=line.selections,
            made_against=line.catalogue_version,
            was_total=None if line.standard_sku else line.unit_price,
            made="Ordered",
            quantity=line.quantity,
        )
    except shop.ProductNotFound as exc:
        raise Http404("That product is no longer sold") from exc
    return _configure_page(request, page, reorder=line, form_data={"quantity": line.quantity})
