"""The shop's words for the engine's reasons (configurator.rule_text.Words): sentences that
name the rule and every pick involved, never `min:`/`max:` ids or engine phrasing."""

from __future__ import annotations

from configurator.engine import configure
from configurator.engine.results import Reason
from configurator.rule_text import Words
from tests.unit.engine.conftest import compiled_from, small_product


def _words() -> Words:
    doc = small_product(
        [("cpu", 1, 1, ["u5", "u7"]), ("psu", 1, 1, ["s", "l"]), ("extras", 0, 2, ["a", "b", "c"])]
    )
    return Words(configure(compiled_from(doc), {}).groups)


def test_a_reason_names_the_rule_and_every_pick():
    words = _words()
    reason = Reason("power", "Total power draw exceeds the adapter.", ("cpu.u7", "psu.s"))
    assert words.reasons([reason]) == (
        "Total power draw exceeds the adapter (you chose Cpu: U7 and Psu: S).",
    )


def test_one_sentence_per_rule_with_the_picks_of_every_reason():
    words = _words()
    reasons = [
        Reason("power", "Too much power", ("cpu.u7",)),
        Reason("power", "Too much power", ("psu.s",)),
        Reason("min:cpu", "Cpu: choose at least 1", ("psu.s",)),
    ]
    # The group minimum only says the group is always chosen: left out beside a rule.
    assert words.reasons(reasons) == ("Too much power (you chose Cpu: U7 and Psu: S).",)


def test_cardinality_reads_as_a_sentence_about_the_group():
    words = _words()
    assert words.reasons([Reason("min:cpu", "Cpu: choose at least 1", ())]) == (
        "Cpu needs a choice.",
    )
    assert words.rule("max:extras", "Extras: choose at most 2") == "Extras takes at most 2 choices"
    assert words.rule("rule-1", "The catalogue's message.") == "The catalogue's message."


def test_changes_in_words():
    words = _words()
    assert words.change("cpu", ["u5"], ["u7"]) == "Cpu: U5 → U7"
    assert words.change("extras", [], ["a"]) == "add Extras: A"
    assert words.change("extras", ["a", "b"], []) == "remove Extras: A, B"
