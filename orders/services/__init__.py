"""The one door for writers of orders, one module a concept:
- `placing`: place an order (the shop's checkout and the partner API both call it);
- `cancelling`: cancel a not-yet-started order and free what it held;
- `stock`: standard products taken from and returned to stock;
- `tokens`: partners' API tokens;
- `webhook_secrets`: rotating a webhook endpoint's signing secret.
Re-exported for callers: pricing a line (orders.pricing) and status changes
(orders.transitions), which sit one floor below (production's workers use them too).
"""

from orders.pricing import LineRequest, PricedLine, conflict_json, price_line
from orders.services.cancelling import cancel_order
from orders.services.placing import Customer, place_order
from orders.services.tokens import issue_token, revoke_tokens
from orders.services.webhook_secrets import rotate_webhook_secrets
from orders.transitions import transition, transition_many
from production.selectors import normalise_selections, standard_match

__all__ = [
    "Customer",
    "LineRequest",
    "PricedLine",
    "cancel_order",
    "conflict_json",
    "issue_token",
    "normalise_selections",
    "place_order",
    "price_line",
    "revoke_tokens",
    "rotate_webhook_secrets",
    "standard_match",
    "transition",
    "transition_many",
]
