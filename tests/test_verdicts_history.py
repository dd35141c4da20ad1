"""History of free-threaded wheels from upload times: the engine's verdict, day by day."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta, timezone

import pytest

from gilfree.index.simple import parse_project_files
from gilfree.verdicts.history import (
    PackageHistory,
    Span,
    TargetHistory,
    daily_counts,
    daily_python_counts,
    package_history,
    union,
)
from gilfree.verdicts.model import DistFile, ProjectFiles, Target, Verdict
from gilfree.verdicts.status import build_status
from gilfree.verdicts.targets import default_targets

L313 = Target((3, 13), "manylinux_x86_64")
W313 = Target((3, 13), "win_amd64")
L314 = Target((3, 14), "manylinux_x86_64")
L315 = Target((3, 15), "manylinux_x86_64")
SINCE = date(2024, 6, 1)
UTC = timezone.utc


def d(text: str) -> date:
    return date.fromisoformat(text)


def up(name: str, day: str | None, *, hour: int = 12, tz: timezone = UTC, requires_python: str | None = None,
       yanked: bool = False) -> DistFile:
    """One file uploaded at ``hour`` o'clock (in ``tz``) on ``day``; None: no upload time."""
    when = None if day is None else datetime.combine(d(day), datetime.min.time(), tz).replace(hour=hour)
    return DistFile(name, f"https://files.example/{name}", upload_time=when, yanked=yanked,
                    requires_python=requires_python)


def page(*files: DistFile, name: str = "pkg") -> ProjectFiles:
    return ProjectFiles(name, tuple(files), "https://index.example/simple/")


def ft(version: str, tag: str = "cp313", plat: str = "manylinux_2_17_x86_64.manylinux2014_x86_64") -> str:
    return f"pkg-{version}-{tag}-{tag}t-{plat}.whl"


def gil(version: str, tag: str = "cp313", plat: str = "manylinux_2_17_x86_64") -> str:
    return f"pkg-{version}-{tag}-{tag}-{plat}.whl"


def sdist(version: str) -> str:
    return f"pkg-{version}.tar.gz"


def spans(history: PackageHistory, target: Target) -> list[tuple[str, str | None]]:
    found = history.for_target(target)
    assert found is not None
    return [(s.start.isoformat(), s.end.isoformat() if s.end else None) for s in found.spans]


# --- fixtures: real-world shapes of a release history -----------------------------------

LATER_WHEEL = page(  # the cp313t wheel comes nine days after its release
    up(sdist("1.0"), "2024-07-01"), up(gil("1.0"), "2024-07-01"),
    up(ft("1.0"), "2024-07-10"),
)
PURE_THEN_FT = page(  # a pure fallback wheel first: pip takes it until the cp313t wheel comes
    up("pkg-1.0-py3-none-any.whl", "2024-07-01"), up(gil("1.0"), "2024-07-01"),
    up(ft("1.0"), "2024-07-03"), up(ft("1.0", plat="win_amd64"), "2024-07-05"),
)
DROP_AND_REGAIN = page(  # 1.1 ships no Windows free-threaded wheel, 1.2 has it again
    up(sdist("1.0"), "2024-07-01"), up(ft("1.0"), "2024-07-01"), up(ft("1.0", plat="win_amd64"), "2024-07-01"),
    up(sdist("1.1"), "2024-08-01"), up(ft("1.1"), "2024-08-01"), up(gil("1.1", plat="win_amd64"), "2024-08-01"),
    up(sdist("1.2"), "2024-09-01"), up(ft("1.2"), "2024-09-01"), up(ft("1.2", plat="win_amd64"), "2024-09-02"),
)
PRERELEASE = page(  # 2.0rc1 has wheels while 1.0 is the latest; 2.0 has them later
    up(sdist("1.0"), "2024-07-01"), up(gil("1.0"), "2024-07-01"),
    up(sdist("2.0rc1"), "2024-08-01"), up(ft("2.0rc1"), "2024-08-01"),
    up(sdist("2.0"), "2024-09-01"), up(ft("2.0"), "2024-09-01"),
)
PRERELEASES_ONLY = page(  # no stable release: the newest pre-release is judged, as today
    up(ft("0.1a1"), "2024-07-01"), up(sdist("0.1a2"), "2024-08-01"),
)
REQUIRES_PYTHON = page(  # 2.0 drops 3.13 through requires-python, wheels or not
    up(ft("1.0"), "2024-07-01"), up(ft("1.0", "cp314"), "2024-07-01"),
    up(ft("2.0"), "2024-08-01", requires_python=">=3.14"),
    up(ft("2.0", "cp314"), "2024-08-01", requires_python=">=3.14"),
)
EXCLUDED_ALWAYS = page(up(ft("1.0"), "2024-07-01", requires_python=">=3.14"))
PURE = page(up("pkg-1.0-py3-none-any.whl", "2024-07-01"), up(sdist("1.0"), "2024-07-01"),
            up("pkg-2.0-py3-none-any.whl", "2024-08-01"))
MAINTENANCE = page(  # a 1.x release uploaded after 2.0 is never the latest
    up(ft("2.0"), "2024-07-01"), up(gil("1.9"), "2024-06-20"), up(gil("1.9.1"), "2024-08-01"),
)
YANKED = page(  # yanked files are left out on every day, as the engine leaves them out today
    up(ft("1.0"), "2024-07-01"),
    up(gil("1.1"), "2024-07-15"), up(ft("1.1"), "2024-07-15", yanked=True),  # partly yanked
    up(ft("2.0", plat="win_amd64"), "2024-08-01", yanked=True), up(ft("2.0"), "2024-08-01", yanked=True),
)
BEFORE_SINCE = page(up(ft("0.9"), "2024-03-01"), up(ft("1.0"), "2024-05-20"),
                    up(gil("1.1"), "2024-06-01"), up(ft("1.1"), "2024-06-03"))
TIMEZONES = page(  # 22:00 in UTC-5 is the next day in UTC; 00:30 in UTC+2 the day before
    up(gil("1.0"), "2024-07-01"),
    up(ft("1.0"), "2024-07-10", hour=22, tz=timezone(timedelta(hours=-5))),
    up(ft("1.0", plat="win_amd64"), "2024-07-10", hour=0, tz=timezone(timedelta(hours=2))),
)
ABI3T = page(up(gil("1.0"), "2024-07-01"), up("pkg-1.1-cp315-abi3t-manylinux_2_28_x86_64.whl", "2025-05-01"))
NO_FILES = page()


def _random_page(seed: int) -> ProjectFiles:
    """Releases uploaded in bursts over months, with every shape of the fixtures above."""
    rng = random.Random(seed)
    plats = ["manylinux_2_17_x86_64.manylinux2014_x86_64", "manylinux_2_28_aarch64", "win_amd64",
             "macosx_11_0_arm64", "musllinux_1_2_x86_64"]
    files = []
    day = d("2024-04-01")
    for n in range(14):
        day += timedelta(days=rng.randint(0, 30))
        version = f"1.{n}" + rng.choice(["", "", "", "rc1", ".post1", "b2"])
        spec = rng.choice([None, None, ">=3.9", ">=3.14"])
        files.append(up(sdist(version), day.isoformat(), requires_python=spec, yanked=rng.random() < 0.1))
        for tag in ("cp313", "cp314"):
            for plat in plats:
                when = day + timedelta(days=rng.choice([0, 0, 0, 1, 5]))
                maker = ft if rng.random() < 0.5 else gil
                files.append(up(maker(version, tag, plat), when.isoformat(), hour=rng.randint(0, 23),
                                requires_python=spec, yanked=rng.random() < 0.05))
        if rng.random() < 0.3:  # a pure fallback wheel, uploaded first
            files.append(up(f"pkg-{version}-py3-none-any.whl", day.isoformat(), hour=0, requires_python=spec))
    rng.shuffle(files)  # page order says nothing about time
    return page(*files)


FIXTURES = {
    "later-wheel": LATER_WHEEL, "pure-then-ft": PURE_THEN_FT, "drop-and-regain": DROP_AND_REGAIN,
    "prerelease": PRERELEASE, "prereleases-only": PRERELEASES_ONLY, "requires-python": REQUIRES_PYTHON,
    "excluded-always": EXCLUDED_ALWAYS, "pure": PURE, "maintenance": MAINTENANCE, "yanked": YANKED,
    "before-since": BEFORE_SINCE, "timezones": TIMEZONES, "abi3t": ABI3T, "no-files": NO_FILES,
    **{f"random-{seed}": _random_page(seed) for seed in range(6)},
}


# --- the cases of the definition ----------------------------------------------------------


def test_wheel_counts_from_its_own_upload_not_its_release() -> None:
    history = package_history(LATER_WHEEL, [L313, W313])
    assert spans(history, L313) == [("2024-07-10", None)]
    assert spans(history, W313) == []
    linux = history.for_target(L313)
    assert not linux.has_ft_on(d("2024-07-09")) and linux.has_ft_on(d("2024-07-10"))
    assert history.first_ft((3, 13)) == d("2024-07-10") and history.lost((3, 13)) == ()


def test_pure_fallback_wheel_until_the_ft_wheel_comes() -> None:
    history = package_history(PURE_THEN_FT, [L313, W313, L314])
    assert spans(history, L313) == [("2024-07-03", None)]
    assert spans(history, W313) == [("2024-07-05", None)]
    assert spans(history, L314) == []


def test_platform_dropped_by_one_release_and_regained_by_the_next() -> None:
    history = package_history(DROP_AND_REGAIN, [L313, W313])
    assert spans(history, W313) == [("2024-07-01", "2024-08-01"), ("2024-09-02", None)]
    assert spans(history, L313) == [("2024-07-01", None)]
    # Linux kept 3.13 going: the version as a whole never lost it
    assert history.first_ft((3, 13)) == d("2024-07-01") and history.lost((3, 13)) == ()


def test_version_lost_when_its_only_platform_goes() -> None:
    history = package_history(DROP_AND_REGAIN, [W313])
    assert history.lost((3, 13)) == (d("2024-08-01"),)
    assert history.python_spans((3, 13)) == (Span(d("2024-07-01"), d("2024-08-01")), Span(d("2024-09-02")))


def test_prerelease_does_not_count_while_a_stable_release_is_latest() -> None:
    history = package_history(PRERELEASE, [L313])
    assert spans(history, L313) == [("2024-09-01", None)]


def test_prerelease_counts_while_no_stable_release_exists() -> None:
    assert spans(package_history(PRERELEASES_ONLY, [L313]), L313) == [("2024-07-01", "2024-08-01")]


def test_requires_python_excludes_the_version() -> None:
    history = package_history(REQUIRES_PYTHON, [L313, L314])
    assert spans(history, L313) == [("2024-07-01", "2024-08-01")]
    assert spans(history, L314) == [("2024-07-01", None)]
    assert history.lost((3, 13)) == (d("2024-08-01"),) and history.lost((3, 14)) == ()
    assert package_history(EXCLUDED_ALWAYS, [L313]).first_ft((3, 13)) is None


def test_pure_only_package_never_counts() -> None:
    history = package_history(PURE, default_targets())
    assert all(h.spans == () for h in history.targets)
    assert all(history.first_ft(py) is None for py in ((3, 13), (3, 14), (3, 15)))


def test_release_rank_is_its_version_not_its_upload_time() -> None:
    assert spans(package_history(MAINTENANCE, [L313]), L313) == [("2024-07-01", None)]


def test_yanked_files_are_left_out_on_every_day() -> None:
    history = package_history(YANKED, [L313, W313])
    # 1.1 is judged by its GIL wheel from its upload on; 2.0 (all yanked) is never the latest
    assert spans(history, L313) == [("2024-07-01", "2024-07-15")]
    assert spans(history, W313) == []


def test_state_before_since_is_the_first_state() -> None:
    history = package_history(BEFORE_SINCE, [L313])
    # 1.0 (May) is the latest on June 1st; 1.1's GIL wheel that day, its ft wheel two days later
    assert spans(history, L313) == [("2024-06-03", None)]
    assert spans(package_history(BEFORE_SINCE, [L313], since=d("2024-05-01")), L313) == [
        ("2024-05-01", "2024-06-01"), ("2024-06-03", None)]
    assert not history.for_target(L313).has_ft_on(d("2024-05-25"))  # before since: not worked out


def test_upload_days_are_utc_days() -> None:
    history = package_history(TIMEZONES, [L313, W313])
    assert spans(history, L313) == [("2024-07-11", None)]
    assert spans(history, W313) == [("2024-07-09", None)]


def test_abi3t_counts_on_315_only() -> None:
    history = package_history(ABI3T, [L314, L315])
    assert spans(history, L315) == [("2025-05-01", None)] and spans(history, L314) == []


def test_undated_files_are_left_out_and_counted() -> None:
    files = page(up(gil("1.0"), "2024-05-01"), up(ft("1.0"), None), up(gil("0.9"), None))
    history = package_history(files, [L313])
    # 1.0 is the latest from before ``since``: 0.9 cannot matter, and is not counted
    assert spans(history, L313) == [] and history.undated_files == 1
    later = package_history(page(*files.files[:2], up(gil("0.9"), None)), [L313], since=d("2024-04-01"))
    assert later.undated_files == 2  # in April 0.9 might have been the latest: it counts
    # the documented difference: today's engine sees the wheel, the history cannot place it
    assert build_status(files, [L313]).verdicts[L313.name] is Verdict.FT_WHEEL
    only_undated = package_history(page(up(ft("2.0"), None), up(ft("1.0"), "2024-07-01")), [L313])
    assert spans(only_undated, L313) == [("2024-07-01", None)] and only_undated.undated_files == 1


def test_no_files_no_history() -> None:
    history = package_history(NO_FILES, default_targets())
    assert len(history.targets) == 24 and all(h.spans == () for h in history.targets)


# --- consistency with the engine ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_last_state_is_todays_verdict(name: str) -> None:
    files = FIXTURES[name]
    targets = default_targets()
    history = package_history(files, targets)
    status = build_status(files, targets)
    assert {h.target.name: h.current for h in history.targets} == {
        ts.target.name: ts.verdict is Verdict.FT_WHEEL for ts in status.targets}


def _upload_day(f: DistFile) -> date:
    assert f.upload_time is not None
    return f.upload_time.astimezone(UTC).date()


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_every_day_agrees_with_the_engine_on_that_days_page(name: str) -> None:
    """The definition itself: on day D, the engine judging only the files uploaded by D."""
    files = FIXTURES[name]
    targets = [L313, W313, L314, Target((3, 14), "manylinux_aarch64"), Target((3, 14), "win_amd64"),
               Target((3, 13), "macosx_arm64"), Target((3, 13), "musllinux_x86_64"), L315]
    history = package_history(files, targets)
    days = sorted({_upload_day(f) for f in files.files})
    if not days:
        return
    day, checked = max(days[0] - timedelta(days=2), SINCE), 0
    while day <= days[-1] + timedelta(days=2):
        cut = page(*(f for f in files.files if _upload_day(f) <= day))
        expected = {ts.target.name: ts.verdict is Verdict.FT_WHEEL for ts in build_status(cut, targets).targets}
        assert {h.target.name: h.has_ft_on(day) for h in history.targets} == expected, day
        day += timedelta(days=1)
        checked += 1
    assert checked > 2


def test_lazily_parsed_page_gives_the_same_history() -> None:
    files = FIXTURES["random-3"]
    entries = [{"filename": f.filename, "url": f.url, "size": 1, "requires-python": f.requires_python,
                "yanked": f.yanked, "upload-time": f.upload_time.isoformat(), "hashes": {"sha256": "0" * 64}}
               for f in files.files]
    lazy = parse_project_files({"name": "pkg", "files": entries}, name="pkg", index_url=files.index_url,
                               page_url=files.index_url + "pkg/")
    assert package_history(lazy, default_targets()) == package_history(files, default_targets())


# --- storage and counts ----------------------------------------------------------------------


def test_data_round_trip() -> None:
    history = package_history(FIXTURES["random-1"], default_targets())
    assert any(h.spans for h in history.targets)
    data = json.loads(json.dumps(history.to_data()))
    assert data["targets"]["3.13t-manylinux_x86_64"] == [
        [s.start.isoformat(), s.end.isoformat() if s.end else None]
        for s in history.for_target(L313).spans]
    assert PackageHistory.from_data(data) == history
    undated = PackageHistory("x", (TargetHistory(Target((3, 16), "riscv_linux"), (Span(d("2026-01-02")),)),), 3)
    assert PackageHistory.from_data(json.loads(json.dumps(undated.to_data()))) == undated
    with pytest.raises(ValueError):
        PackageHistory.from_data({**data, "v": 99})


def test_union_merges_touching_and_overlapping_spans() -> None:
    merged = union([Span(d("2024-08-01")), Span(d("2024-07-01"), d("2024-07-10")),
                    Span(d("2024-07-10"), d("2024-07-20")), Span(d("2024-07-05"), d("2024-07-08")),
                    Span(d("2024-09-01"), d("2024-09-02"))])
    assert merged == (Span(d("2024-07-01"), d("2024-07-20")), Span(d("2024-08-01")))


def test_daily_counts_of_two_packages() -> None:
    one = package_history(LATER_WHEEL, [L313, W313])       # Linux from 07-10
    two = package_history(PRERELEASES_ONLY, [L313, W313])  # Linux 07-01 .. 07-31
    counts = daily_counts([one, two], [L313, W313], d("2024-07-08"), d("2024-08-02"))
    assert counts[W313.name] == [0] * 26
    assert counts[L313.name] == [1, 1] + [2] * 22 + [1, 1]
    assert daily_counts([one], [L313], d("2024-07-02"), d("2024-07-01")) == {L313.name: []}
    per_python = daily_python_counts([one, two], [(3, 13), (3, 14)], d("2024-07-08"), d("2024-08-02"))
    assert per_python == {"3.13t": counts[L313.name], "3.14t": [0] * 26}


def test_daily_python_counts_a_package_once() -> None:
    history = package_history(DROP_AND_REGAIN, [L313, W313])
    counts = daily_python_counts([history], [(3, 13)], d("2024-06-30"), d("2024-07-02"))
    assert counts == {"3.13t": [0, 1, 1]}
    assert daily_counts([history], [L313, W313], d("2024-06-30"), d("2024-07-02")) == {
        L313.name: [0, 1, 1], W313.name: [0, 1, 1]}
