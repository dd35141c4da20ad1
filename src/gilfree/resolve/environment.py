"""A target's PEP 508 marker environment, and the uv platform that stands for it.

Free-threading has no marker of its own, so a target's environment is that of the GIL
build of the same Python on the same platform; manylinux and musllinux share theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..verdicts.model import Target


@dataclass(frozen=True)
class PlatformMarkers:
    sys_platform: str
    platform_system: str
    platform_machine: str
    os_name: str
    uv_platform: str  # uv's --python-platform for this family


_PLATFORMS = {
    "manylinux_x86_64": PlatformMarkers("linux", "Linux", "x86_64", "posix", "x86_64-unknown-linux-gnu"),
    "manylinux_aarch64": PlatformMarkers("linux", "Linux", "aarch64", "posix", "aarch64-unknown-linux-gnu"),
    "musllinux_x86_64": PlatformMarkers("linux", "Linux", "x86_64", "posix", "x86_64-unknown-linux-musl"),
    "musllinux_aarch64": PlatformMarkers("linux", "Linux", "aarch64", "posix", "aarch64-unknown-linux-musl"),
    "macosx_arm64": PlatformMarkers("darwin", "Darwin", "arm64", "posix", "aarch64-apple-darwin"),
    "macosx_x86_64": PlatformMarkers("darwin", "Darwin", "x86_64", "posix", "x86_64-apple-darwin"),
    "win_amd64": PlatformMarkers("win32", "Windows", "AMD64", "nt", "x86_64-pc-windows-msvc"),
    "win_arm64": PlatformMarkers("win32", "Windows", "ARM64", "nt", "aarch64-pc-windows-msvc"),
}


def platform_markers(target: Target) -> PlatformMarkers:
    return _PLATFORMS[target.platform]


def marker_environment(target: Target) -> dict[str, str]:
    """What ``packaging.markers`` sees on the target (patch level .0, as uv assumes)."""
    p = platform_markers(target)
    full = f"{target.python_str}.0"
    return {
        "implementation_name": "cpython", "implementation_version": full,
        "os_name": p.os_name, "platform_machine": p.platform_machine,
        "platform_python_implementation": "CPython", "platform_release": "",
        "platform_system": p.platform_system, "platform_version": "",
        "python_full_version": full, "python_version": target.python_str,
        "sys_platform": p.sys_platform,
    }


def resolution_key(target: Target) -> tuple[str, str, str]:
    """Targets with the same key get the same resolution (same markers, same Python)."""
    p = platform_markers(target)
    return target.python_str, p.sys_platform, p.platform_machine
