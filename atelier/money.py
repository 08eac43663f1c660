"""The one money formatter: amounts as documents and the API write them (`amount_text`,
two decimals, never "-0.00") and as the shop shows them (`Money`, with the currency's
symbol). Pure Python; money is Decimal throughout, never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

CENT = Decimal("0.01")
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


def amount_text(value: str | Decimal) -> str:
    """ "007.50" -> "7.50"; "-0.00" -> "0.00"."""
    amount = Decimal(value).quantize(CENT)
    return f"{amount.copy_abs() if amount.is_zero() else amount}"


@dataclass(frozen=True)
class Money:
    """An amount in a currency as a customer reads it: "€1,234.50", "−€5.00", "12.00 CHF"."""

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        sign = "−" if self.amount < 0 else ""
        symbol = SYMBOLS.get(self.currency)
        number = f"{abs(self.amount):,.2f}"
        return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {self.currency}"

    @property
    def signed(self) -> str:
        return f"+{self}" if self.amount >= 0 else str(self)
