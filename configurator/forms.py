"""The configure page's form: read option picks, the pick order and the last valid
configuration from a POST, and refuse anything that names no option of the product."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from configurator import engine
from configurator.shop.compare import MAX_COMPARED
from configurator.shop.saved import saved_exists

ACTIONS = [
    ("update", "Update"),
    ("resolve", "Apply the change"),
    ("undo", "Undo"),
    ("cart", "Add to cart"),
    ("standard", "Add the in-stock model"),
    ("save", "Save"),
    ("quote", "Request a quote"),
]
MAX_LITERALS = 400  # far above any product's option count; bounds the work per request


def validate_no_markup(value: str) -> None:
    if any(ch in value for ch in "<>") or any(ord(ch) < 32 and ch not in "\r\n\t" for ch in value):
        raise ValidationError("Please leave out < > and control characters.", code="markup")


class ConfigureForm(forms.Form):
    action = forms.ChoiceField(choices=ACTIONS, required=False)
    order = forms.CharField(max_length=8000, required=False)
    last_good = forms.CharField(max_length=8000, required=False)
    title = forms.CharField(
        max_length=100, required=False, strip=True, validators=[validate_no_markup]
    )
    quantity = forms.IntegerField(min_value=1, max_value=99, required=False)

    def __init__(self, *args, product: engine.Product, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        for group in product.groups:
            choices = [(o.code, o.name) for o in group.options]
            name = f"g-{group.code}"
            if group.max == 1:
                self.fields[name] = forms.ChoiceField(
                    choices=[("", "None"), *choices], required=False, label=group.name
                )
            else:
                self.fields[name] = forms.MultipleChoiceField(
                    choices=choices, required=False, label=group.name
                )

    def clean(self):
        data = super().clean()
        selections: dict[str, list[str]] = {}
        for group in self.product.groups:
            value = data.get(f"g-{group.code}")
            picks = [value] if isinstance(value, str) and value else list(value or [])
            # Each option once. More picks than the group's maximum are a conflict the page
            # resolves (keeping the newest), not a form error.
            picks = list(dict.fromkeys(picks))
            if picks:
                selections[group.code] = picks
        data["selections"] = selections
        data["order"] = self._literals(data.get("order", ""))
        last_good: dict[str, list[str]] = {}
        for lit in self._literals(data.get("last_good", "")):
            group, _, option = lit.partition(".")
            last_good.setdefault(group, []).append(option)
        if any(len(picks) > self._max[g] for g, picks in last_good.items()):
            last_good = {}
        data["last_good"] = last_good
        data["action"] = data.get("action") or "update"
        data["quantity"] = data.get("quantity") or 1
        return data

    @property
    def choices_valid(self) -> bool:
        """Whether the option picks themselves are usable even if another field is not
        (a bad quantity or title must not throw the customer's configuration away)."""
        return "selections" in self.cleaned_data and not any(
            name.startswith("g-") for name in self.errors
        )

    @property
    def _max(self) -> dict[str, int]:
        return {g.code: g.max for g in self.product.groups}

    def _literals(self, text: str) -> list[str]:
        """Known "group.option" literals of a hidden field, in order, each once. The field
        round-trips through the browser, so anything else in it is dropped, not trusted."""
        known = {f"{g.code}.{o.code}" for g in self.product.groups for o in g.options}
        seen: list[str] = []
        for token in (text or "").split()[:MAX_LITERALS]:
            if token in known and token not in seen:
                seen.append(token)
        return seen

    def problems(self) -> list[str]:
        """The errors as sentences for the page (field names are not shown to customers)."""
        out = []
        for name, errors in self.errors.items():
            label = self[name].label if name in self.fields else ""
            for error in errors:
                out.append(f"{label}: {error}" if label and name != "__all__" else str(error))
        return out


class _TextList(forms.Field):
    """Several inputs of one name (`saved`), kept as a list of non-empty strings."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else [value] if value else []
        return [str(v).strip() for v in values if str(v).strip()]


class CompareForm(forms.Form):
    """What to compare: products by code (checkboxes) and saved configurations by share
    link or token, two or three in all. Unknown codes, unknown links and more than three
    are form errors, never a failure."""

    product = forms.MultipleChoiceField(required=False, label="Products")
    saved = _TextList(required=False, label="Saved configurations")

    def __init__(self, *args, products: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = products
        field.error_messages["invalid_choice"] = "There is no product “%(value)s”."
        self.saved_asked = 0  # share links sent, before duplicates are dropped

    def clean_saved(self) -> list[str]:
        tokens: list[str] = []
        self.saved_asked = len(self.cleaned_data["saved"])
        for text in self.cleaned_data["saved"][: MAX_COMPARED + 1]:
            if len(text) > 300 or any(ch in text for ch in "<>\"'"):
                raise ValidationError("That is not a share link.", code="saved")
            # A share link ends in /c/<token>/; a bare token is accepted too.
            token = text.rstrip("/").rsplit("/c/", 1)[-1].rsplit("/", 1)[-1]
            if not token or not saved_exists(token):
                raise ValidationError(f"No saved configuration behind “{text}”.", code="saved")
            if token not in tokens:
                tokens.append(token)
        return tokens

    def clean(self):
        data = super().clean()
        products = list(dict.fromkeys(data.get("product") or []))
        tokens = data.get("saved") or []
        data["product"] = products
        count = len(products) + max(len(tokens), self.saved_asked)
        if "product" in self.errors or "saved" in self.errors:
            return data
        if count > MAX_COMPARED:
            raise ValidationError(
                f"Choose at most {MAX_COMPARED} to compare ({count} were chosen).", code="too_many"
            )
        if count < 2:
            raise ValidationError("Choose two or three to compare.", code="too_few")
        return data

    def problems(self) -> list[str]:
        return [str(error) for errors in self.errors.values() for error in errors]
