"""Print what the engine answers for a product and selections, as the shop would show it."""

from django.core.management.base import BaseCommand, CommandError

from configurator import engine
from configurator.selectors import NoPublishedCatalogue, compiled_product, published_version


def parse_selections(pairs: list[str]) -> dict[str, list[str]]:
    """`cpu=u7 accessories=mouse,bag` → {"cpu": ["u7"], "accessories": ["mouse", "bag"]}."""
    selections: dict[str, list[str]] = {}
    for pair in pairs:
        group, sep, options = pair.partition("=")
        if not sep or not group:
            raise CommandError(f"'{pair}' is not group=option[,option…]")
        selections.setdefault(group, []).extend(o for o in options.split(",") if o)
    return selections


class Command(BaseCommand):
    help = "Show every option's state, the price and any conflict for given selections."

    def add_arguments(self, parser):
        parser.add_argument("product", help="product code, e.g. nb14")
        parser.add_argument("selections", nargs="*", help="group=option[,option…]")
        parser.add_argument("--count", action="store_true", help="also count completions")

    def handle(self, *args, product: str, selections: list[str], count: bool, **options):
        try:
            version = published_version()
        except NoPublishedCatalogue as exc:
            raise CommandError(str(exc)) from exc
        compiled = compiled_product(version, product)
        if compiled is None:
            raise CommandError(f"there is no product '{product}' in {version}")
        picks = parse_selections(selections)
        try:
            result = engine.configure(compiled, picks)
        except engine.EngineError as exc:
            raise CommandError(str(exc)) from exc
        out = self.stdout.write
        out(f"{compiled.product.name} ({product}), catalogue {version}")
        for group in result.groups:
            out(f"\n{group.name} [{group.code}] choose {group.min}–{group.max}")
            for option in group.options:
                mark = {"selected": "[x]", "available": "[ ]", "excluded": " - "}[option.state]
                line = f"  {mark} {option.code:<14} {option.name:<40} {option.price:>9}"
                out(line.rstrip())
                for reason in option.reasons:
                    blocking = ", ".join(reason.selections)
                    out(
                        f"        why: {reason.message} ({reason.rule}{'; ' + blocking if blocking else ''})"
                    )
        out("")
        for price_line in result.price.lines:
            out(f"  {price_line.label:<50} {price_line.amount:>10}")
        out(f"  {'Total':<50} {result.price.total:>10} {result.price.currency}")
        state = (
            "complete" if result.complete else "valid, not complete" if result.valid else "CONFLICT"
        )
        out(f"\nConfiguration: {state}")
        for conflict in result.conflicts:
            rules = "; ".join(f"{r.rule}: {r.message}" for r in conflict.rules)
            out(f"  conflict: {', '.join(conflict.selections)} — {rules}")
        if result.resolution:
            proposal = " ".join(f"{g}={','.join(o)}" for g, o in result.resolution.items())
            out(f"  proposed: {proposal}")
        if count:
            out(
                f"\nValid complete configurations with these picks: {engine.count(compiled, picks):,}"
            )
