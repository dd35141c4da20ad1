"""Package status: latest or pinned release, classifiers, extra indexes, serialization."""

from __future__ import annotations

import json

from gilfree.verdicts.model import DistFile, PackageStatus, ProjectFiles, ProjectInfo, Verdict
from gilfree.verdicts.serialize import document, from_data
from gilfree.verdicts.status import build_status, classifier_level, extra_index_status, with_info
from gilfree.verdicts.targets import default_targets, select_targets

NAMES = ["numpy-2.0.0-cp312-cp312-manylinux_2_17_x86_64.whl", "numpy-2.0.0.tar.gz",
         "numpy-2.1.0-cp313-cp313t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
         "numpy-2.1.0-cp313-cp313-win_amd64.whl", "numpy-2.1.0.tar.gz"]
PROJECT = ProjectFiles("numpy", tuple(DistFile(n, "u") for n in NAMES), "https://pypi.org/simple/")


def test_latest_release_and_first_ft() -> None:
    status = build_status(PROJECT, select_targets(["3.13t"]))
    assert status.version == "2.1.0" and status.pure is False
    linux = status.targets[0]
    assert (linux.target.name, linux.verdict, linux.first_ft_version) == ("3.13t-manylinux_x86_64", Verdict.FT_WHEEL, "2.1.0")
    assert status.verdicts["3.13t-win_amd64"] is Verdict.NO_FT_WHEEL


def test_pinned_release() -> None:
    status = build_status(PROJECT, select_targets(["3.13t-manylinux_x86_64"]), version="2.0.0")
    assert status.requested == "numpy==2.0.0"
    assert status.targets[0].verdict is Verdict.NO_FT_WHEEL
    assert status.targets[0].first_ft_version == "2.1.0"


def test_pinned_missing_release() -> None:
    status = build_status(PROJECT, default_targets(), version="9.9")
    assert {ts.verdict for ts in status.targets} == {Verdict.MISSING}


def test_project_without_files_is_missing() -> None:
    status = build_status(ProjectFiles("ghost", (), "u"), default_targets())
    assert {ts.verdict for ts in status.targets} == {Verdict.MISSING}


def test_classifier_levels() -> None:
    assert classifier_level(["Programming Language :: Python :: Free Threading :: 3 - Stable"]).level == 3
    assert str(classifier_level([
        "Programming Language :: Python :: Free Threading :: 1 - Unstable",
        "Programming Language :: Python :: Free Threading :: 2 - Beta"])) == "2 - Beta"
    assert classifier_level(["Programming Language :: Python :: 3.13"]) is None


def test_with_info_never_changes_verdicts() -> None:
    status = build_status(PROJECT, default_targets())
    info = ProjectInfo("numpy", "2.1.0", summary="<script>x</script>",
                       classifiers=("Programming Language :: Python :: Free Threading :: 2 - Beta",))
    merged = with_info(status, info)
    assert merged.targets == status.targets and merged.classifier.level == 2
    failed = with_info(status, None, "HTTP 503")
    assert failed.targets == status.targets and failed.notes == ("classifier unknown: HTTP 503",)


def test_extra_index_reports_nightly_ft_targets() -> None:
    nightly = ProjectFiles("numpy", (DistFile("numpy-2.6.0.dev0-cp314-cp314t-manylinux_2_28_x86_64.whl", "u"),),
                           "https://nightly.example/simple/")
    extra = extra_index_status(nightly, select_targets(["3.14t"]))
    assert extra.latest_version == "2.6.0.dev0" and extra.ft_targets == ("3.14t-manylinux_x86_64",)


def test_json_round_trip_keeps_the_model() -> None:
    status = with_info(build_status(PROJECT, default_targets()), ProjectInfo(
        "numpy", "2.1.0", classifiers=("Programming Language :: Python :: Free Threading :: 3 - Stable",)))
    doc = json.loads(json.dumps(document("status", [status])))
    assert doc["schema"] == "gilfree.status" and doc["schema_version"] == 2
    row = doc["results"][0]
    assert row["targets"][0]["target"] == "3.13t-manylinux_x86_64" and row["classifier"]["text"] == "3 - Stable"
    back = from_data(PackageStatus, row)
    assert back == status
