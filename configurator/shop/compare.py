"""The comparison page: two or three products (each in the configuration its configure
page opens with) or saved configurations (reopened against today's catalogue, as their
share links open them) side by side: price, ship date and every spec, with the rows
where they differ marked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from atelier.money import Money
from configurator.shop.pages import start_page
from configurator.shop.presentation import ConfigurePage
from configurator.shop.saved import reopen_saved

MAX_COMPARED = 3
MISSING = "—"


@dataclass(frozen=True)
class Compared:
    """One column: what it is, where it opens, and its page's state."""

    title: str
    subtitle: str
    code: str
    token: str
    page: ConfigurePage

    @property
    def ship_date(self) -> date | None:
        return self.page.ship_date if self.page.can_order else None

    @property
    def price(self) -> Money:
        return self.page.total


@dataclass(frozen=True)
class CompareRow:
    name: str
    values: tuple[str, ...]
    kind: str = "spec"  # "price", "ship" or "spec"

    @property
    def differs(self) -> bool:
        return len(set(self.values)) > 1


@dataclass(frozen=True)
class Comparison:
    columns: tuple[Compared, ...]
    rows: tuple[CompareRow, ...]

    @property
    def differences(self) -> int:
        return sum(row.differs for row in self.rows)


def compare(*, products: list[str], tokens: list[str]) -> Comparison:
    """Products by code and saved configurations by token, in that order (the caller has
    checked that each exists and that there are at most `MAX_COMPARED`). Raises
    ProductNotFound or SavedNotFound for one that vanished in between."""
    columns: list[Compared] = []
    for code in products:
        page = start_page(code=code)
        columns.append(Compared(page.name, "As it starts", code, "", page))
    for token in tokens:
        saved, page = reopen_saved(token=token)
        title = saved.title or page.name
        subtitle = f"Saved {page.name}" if saved.title else "Saved configuration"
        columns.append(Compared(title, subtitle, page.code, token, page))
    rows = [
        CompareRow("Price", tuple(str(c.price) for c in columns), "price"),
        CompareRow("Ship date", tuple(_ship_text(c) for c in columns), "ship"),
    ]
    names: dict[str, None] = {}
    for column in columns:
        names.update(dict.fromkeys(row.name for row in column.page.spec_sheet.rows))
    sheets = [column.page.spec_sheet.as_dict() for column in columns]
    rows.extend(CompareRow(name, tuple(s.get(name, MISSING) for s in sheets)) for name in names)
    return Comparison(tuple(columns), tuple(rows))


def _ship_text(column: Compared) -> str:
    if column.ship_date is not None:
        return f"{column.ship_date:%a %-d %b %Y}"
    if not column.page.can_order:
        return "Once the configuration is complete"
    return "Cannot be built from the parts we have or expect"
