"""The export report and params.json carry the study's hypervolume and its stored reference."""

from __future__ import annotations

import json

from test_export import demo, demo_template, export  # noqa: F401  (fixtures)

from tinynas_tui.core.hypervolume import ATTR, HypervolumeHistory, Reference


def test_report_and_params_json_carry_the_hypervolume(demo, capsys):  # noqa: F811
    study, _, _, tmp = demo
    reference = Reference.from_dict(study.user_attrs[ATTR])
    assert reference == Reference(256.0, 1000.0, "budgets", "stated")  # the demo's flash budget
    expected = HypervolumeHistory(reference)
    for t in study.trials:
        if t.values:
            expected.add(t.values)
    assert expected.current > 0
    code, _, err = export(capsys, "--trial", "0", "--out", "out")
    assert code == 0, err
    info = json.loads((tmp / "out" / "demo-trial-0-params.json").read_text())
    assert info["study_hypervolume"]["value"] == expected.current
    assert Reference.from_dict(info["study_hypervolume"]["reference"]) == reference
    report = (tmp / "out" / "demo-report.md").read_text()
    assert (f"- **Hypervolume:** {expected.current:.4f} (the normalised objective space its Pareto front "
            f"dominates; reference: {reference.text})") in report.splitlines()
