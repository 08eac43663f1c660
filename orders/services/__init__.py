"""The one door for writers of orders, one module a concept:
- `placing`: place an order (the shop's checkout and the partner API both call it);
- `cancelling`: cancel a not-yet-started order and free what it held;
- `stock`: standard products taken from and returned to stock;
- `quotes`: issue a quote, accept it into an order at its prices, withdraw or extend it;
- `tokens`: partners' API tokens;
- `webhook_secrets`: rotating a webhook endpoint's signing secret.
Re-exported for callers: pricing a line (orders.pricing) and status changes
(orders.transitions), which sit one floor below (production's workers use them too).
"""

from orders.pricing import LineRequest, PricedLine, conflict_json, price_line
from orders.services.cancelling import cancel_order
from orders.services.placing import Customer, FrozenLine, commit_order, place_order
from orders.services.quotes import (
    accept_quote,
    check_acceptable,
    extend_quotes,
    issue_quote,
    ship_date_if_accepted,
    withdraw_quotes,
)
from orders.services.tokens import issue_token, revoke_tokens
from orders.services.webhook_secrets import rotate_webhook_secrets
from orders.transitions import transition, transition_many
from production.selectors import normalise_selections, standard_match

__all__ = [
    "Customer",
    "FrozenLine",
    "LineRequest",
    "PricedLine",
    "accept_quote",
    "cancel_order",
    "check_acceptable",
    "commit_order",
    "conflict_json",
    "extend_quotes",
    "issue_quote",
    "issue_token",
    "normalise_selections",
    "place_order",
    "price_line",
    "revoke_tokens",
    "rotate_webhook_secrets",
    "ship_date_if_accepted",
    "standard_match",
    "transition",
    "transition_many",
    "withdraw_quotes",
]
