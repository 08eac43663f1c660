"""Reasons for excluded options, conflicts and the proposed resolution."""

from __future__ import annotations

from configurator.engine import configure, lint
from tests.unit.engine.conftest import compiled_from, small_product


def _option(result, group: str, option: str):
    g = next(g for g in result.groups if g.code == group)
    return next(o for o in g.options if o.code == option)


def test_excluded_option_lists_blocking_rule(notebook):
    result = configure(notebook, {"gpu": ["rtx4060"]})
    nb14 = _option(result, "chassis", "nb14")
    assert nb14.state == "excluded"
    assert [(r.rule, r.message, r.selections) for r in nb14.reasons] == [
        ("dgpu60-16", "Discrete graphics need the 16-inch chassis", ("gpu.rtx4060",))
    ]
    assert _option(result, "chassis", "nb16").state == "available"


def test_reason_leaves_out_irrelevant_selections(notebook):
    result = configure(notebook, {"keyboard": ["de"], "gpu": ["rtx4060"], "warranty": ["3y"]})
    assert _option(result, "chassis", "nb14").reasons[0].selections == ("gpu.rtx4060",)


def test_full_multi_choice_group_explains_with_cardinality(notebook):
    result = configure(notebook, {"accessories": ["sleeve", "mouse", "headset"]})
    dock = _option(result, "accessories", "dock")
    assert dock.state == "excluded"
    assert [r.rule for r in dock.reasons] == ["max:accessories"]
    assert "at most 3" in dock.reasons[0].message
    assert set(dock.reasons[0].selections) == {
        "accessories.sleeve",
        "accessories.mouse",
        "accessories.headset",
    }


def test_chained_exclusion_names_every_rule_in_the_chain():
    doc = small_product(
        [
            ("a", 1, 1, ["x", "w"]),
            ("b", 1, 1, ["y", "v"]),
            ("c", 1, 1, ["z", "u"]),
            ("d", 0, 1, ["q", "k"]),
        ],
        rules=[
            {
                "id": "r1",
                "type": "requires",
                "if": ["a.x"],
                "then": ["b.y"],
                "message": "x needs y",
            },
            {"id": "r2", "type": "excludes", "all": ["b.y", "c.z"], "message": "y and z clash"},
            {"id": "r3", "type": "excludes", "all": ["d.q", "a.w"], "message": "noise"},
        ],
    )
    result = configure(compiled_from(doc), {"a": ["x"], "d": ["q"]})
    z = _option(result, "c", "z")
    assert z.state == "excluded"
    assert sorted(r.rule for r in z.reasons) == ["r1", "r2"]
    assert all(r.selections == ("a.x",) for r in z.reasons)


def test_minimum_counts_as_a_pseudo_rule():
    doc = small_product(
        [("s", 0, 1, ["x"]), ("g", 1, 1, ["p", "q"])],
        rules=[
            {"id": "no-p", "type": "excludes", "all": ["s.x", "g.p"], "message": "x rules out p"},
            {"id": "no-q", "type": "excludes", "all": ["s.x", "g.q"], "message": "x rules out q"},
        ],
    )
    compiled = compiled_from(doc)
    x = _option(configure(compiled, {}), "s", "x")
    assert x.state == "excluded"
    assert sorted(r.rule for r in x.reasons) == ["min:g", "no-p", "no-q"]
    assert all(r.selections == () for r in x.reasons)
    assert lint(compiled).dead_options == ("s.x",)


def test_conflicting_selections_report_rules_and_picks(notebook):
    result = configure(notebook, {"gpu": ["rtx4060"], "chassis": ["nb14"], "keyboard": ["fr"]})
    assert not result.valid and not result.complete
    assert len(result.conflicts) == 1
    conflict = result.conflicts[0]
    assert set(conflict.selections) == {"gpu.rtx4060", "chassis.nb14"}
    assert [r.rule for r in conflict.rules] == ["dgpu60-16"]


def test_resolution_keeps_the_most_recent_pick(notebook):
    selections = {"gpu": ["rtx4060"], "chassis": ["nb14"], "keyboard": ["fr"]}
    chassis_last = configure(
        notebook, selections, order=["gpu.rtx4060", "keyboard.fr", "chassis.nb14"]
    ).resolution
    assert chassis_last["chassis"] == ["nb14"] and chassis_last["gpu"] != ["rtx4060"]
    assert chassis_last["keyboard"] == ["fr"]
    gpu_last = configure(
        notebook, selections, order=["chassis.nb14", "keyboard.fr", "gpu.rtx4060"]
    ).resolution
    assert gpu_last["gpu"] == ["rtx4060"] and gpu_last["chassis"] == ["nb16"]
    assert gpu_last["keyboard"] == ["fr"]


def test_resolution_defaults_to_selection_order(notebook):
    resolution = configure(notebook, {"chassis": ["nb14"], "gpu": ["rtx4060"]}).resolution
    assert resolution["gpu"] == ["rtx4060"]


def test_valid_selections_have_no_conflict(notebook):
    result = configure(notebook, {"cpu": ["u7"]})
    assert result.valid and not result.complete
    assert result.conflicts == () and result.resolution is None


def _three_way(rules):
    return compiled_from(
        small_product(
            [
                ("a", 0, 1, ["x", "w"]),
                ("b", 0, 1, ["y", "v"]),
                ("c", 0, 1, ["k", "m"]),
                ("d", 1, 1, ["z", "u"]),
            ],
            rules=rules,
        )
    )


def test_reason_needing_two_picks_names_both():
    compiled = _three_way(
        [{"id": "r", "type": "excludes", "all": ["a.x", "b.y", "d.z"], "message": "no"}]
    )
    z = _option(configure(compiled, {"a": ["x"], "b": ["y"], "c": ["k"]}), "d", "z")
    assert z.state == "excluded"
    assert [(r.rule, set(r.selections)) for r in z.reasons] == [("r", {"a.x", "b.y"})]


def test_reason_with_two_overlapping_causes_is_one_minimal_cause():
    compiled = _three_way(
        [
            {"id": "r1", "type": "excludes", "all": ["a.x", "b.y", "d.z"], "message": "one"},
            {"id": "r2", "type": "excludes", "all": ["b.y", "c.k", "d.z"], "message": "two"},
        ]
    )
    z = _option(configure(compiled, {"a": ["x"], "b": ["y"], "c": ["k"]}), "d", "z")
    assert z.state == "excluded" and len(z.reasons) == 1
    assert set(z.reasons[0].selections) in ({"a.x", "b.y"}, {"b.y", "c.k"})
