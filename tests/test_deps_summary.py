"""deps' per-Python summary: one line per Python version naming what holds it back."""

from __future__ import annotations

from gilfree.commands.deps import Action, DepsReport, DepStatus, DepTarget, TargetSummary
from gilfree.commands.deps_summary import python_summaries, python_summary_text
from gilfree.verdicts.model import Target, Verdict
from gilfree.verdicts.targets import PLATFORMS


def _dep(name: str, action_of) -> DepStatus:
    targets = []
    for py in ((3, 13), (3, 14)):
        for platform in PLATFORMS:
            action, move = action_of(py, platform)
            targets.append(DepTarget(Target(py, platform), "1.0", Verdict.NO_FT_WHEEL if action is not Action.NONE
                                     else Verdict.FT_WHEEL, action,
                                     upgrade_to=move if action is Action.UPGRADE else None,
                                     downgrade_to=move if action is Action.DOWNGRADE else None))
    return DepStatus(name, f"https://pypi.org/project/{name}/", tuple(targets))


def _report(*deps: DepStatus) -> DepsReport:
    targets = tuple(Target(py, p) for py in ((3, 13), (3, 14)) for p in PLATFORMS)
    summaries = []
    for target in targets:
        actions = [t.action for d in deps for t in d.targets if t.target == target]
        summaries.append(TargetSummary(target, len(actions), ok=actions.count(Action.NONE),
                                       upgrades=actions.count(Action.UPGRADE),
                                       downgrades=actions.count(Action.DOWNGRADE),
                                       blocked=actions.count(Action.BLOCKED)))
    return DepsReport("proj", "pyproject.toml", "pyproject", targets, deps, tuple(summaries))


def test_one_line_per_python_names_platforms_and_dependencies() -> None:
    numpy = _dep("numpy", lambda py, p: (Action.DOWNGRADE, "2.4.6") if py == (3, 13) else (Action.NONE, None))
    orjson = _dep("orjson", lambda py, p: (Action.BLOCKED, None) if p == "win_arm64" else (Action.NONE, None))
    fine = _dep("requests", lambda py, p: (Action.NONE, None))
    s313, s314 = python_summaries(_report(numpy, orjson, fine))
    assert (s313.python, s313.ready, s314.python, s314.ready) == ("3.13", False, "3.14", False)
    assert python_summary_text(s313) == (
        "not ready on all 8 platforms: orjson blocked (win_arm64); numpy downgrade to <= 2.4.6 (3 dependencies)")
    assert python_summary_text(s314) == "not ready on win_arm64: orjson blocked (win_arm64) (3 dependencies)"
    assert s314.ready_platforms == tuple(p for p in PLATFORMS if p != "win_arm64")


def test_a_ready_version_and_most_platforms_said_short() -> None:
    most = _dep("pkg", lambda py, p: (Action.UPGRADE, "2.0") if py == (3, 13) and p != "macosx_x86_64"
                else (Action.NONE, None))
    s313, s314 = python_summaries(_report(most))
    assert python_summary_text(s314) == "ready on all 8 platforms (1 dependency)"
    assert python_summary_text(s313) == (
        "not ready on all but macosx_x86_64: pkg upgrade to >= 2.0 (all but macosx_x86_64) (1 dependency)")
