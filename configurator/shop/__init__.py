"""The shop's reads and writes around the engine: product cards, the configure page's
state after each click (`pages`, shown through the values of `presentation`), and saved
configurations behind share links (`saved`).

Every price shown here is the engine's (`engine.configure` / `engine.price`): the page,
the cart, the order and the API price a configuration with the same function.
"""

from configurator.shop.compare import Compared, CompareRow, Comparison, compare
from configurator.shop.page_context import configure_context
from configurator.shop.pages import (
    KINDS,
    ProductNotFound,
    configure_page,
    current_version,
    default_selections,
    option_picture,
    page_document,
    product_cards,
    product_for_form,
    product_kind,
    start_page,
    starting_price,
    update_page,
)
from configurator.shop.presentation import (
    BillLine,
    Change,
    ConfigurePage,
    ConflictView,
    GroupView,
    Money,
    OptionView,
    ProductCard,
    Selections,
    StandardOffer,
    literals,
)
from configurator.shop.regions import Region, Regions, parse_shown, render_regions
from configurator.shop.saved import (
    SavedNotFound,
    reopen,
    reopen_configuration,
    reopen_saved,
    save_configuration,
    saved_configuration,
    share_mail_link,
)
from configurator.shop.specs import SpecRow, SpecSheet, spec_sheet
from configurator.shop.starting_points import StartingOffer, starting_offers

__all__ = [
    "configure_context",
    "KINDS",
    "CompareRow",
    "Compared",
    "Comparison",
    "SpecRow",
    "SpecSheet",
    "StartingOffer",
    "compare",
    "option_picture",
    "page_document",
    "spec_sheet",
    "starting_offers",
    "BillLine",
    "Change",
    "ConfigurePage",
    "ConflictView",
    "GroupView",
    "Money",
    "OptionView",
    "ProductCard",
    "ProductNotFound",
    "Region",
    "Regions",
    "SavedNotFound",
    "Selections",
    "StandardOffer",
    "configure_page",
    "current_version",
    "default_selections",
    "literals",
    "parse_shown",
    "product_cards",
    "product_for_form",
    "product_kind",
    "reopen",
    "reopen_configuration",
    "render_regions",
    "reopen_saved",
    "save_configuration",
    "saved_configuration",
    "share_mail_link",
    "start_page",
    "starting_price",
    "update_page",
]
