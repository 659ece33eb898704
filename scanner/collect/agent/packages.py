"""Owns listing the host's installed packages where it is cheap: dpkg, rpm, the Windows registry.

``installed()`` returns ``[(name, version)]`` sorted, and the limitations met. On Linux
it asks ``dpkg-query`` then ``rpm`` (whichever exists), each bounded by a timeout; on
Windows it reads the ``Uninstall`` keys of the registry (64- and 32-bit views;
untested in CI). Names and versions only: no file lists, no scripts.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

TIMEOUT_S = 30

DPKG = ["dpkg-query", "-W", "-f", "${db:Status-Abbrev}\t${binary:Package}\t${Version}\n"]
RPM = ["rpm", "-qa", "--qf", "%{NAME}\t%{VERSION}-%{RELEASE}\n"]


def parse_dpkg(text: str) -> list[tuple[str, str]]:
    """Installed (``ii``) packages of a ``dpkg-query`` listing in :data:`DPKG` format.

    >>> parse_dpkg("ii \\tbash:amd64\\t5.2-1\\nrc \\told\\t1\\n")
    [('bash', '5.2-1')]
    """
    out = set()
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0].strip() == "ii" and parts[1]:
            out.add((parts[1].split(":", 1)[0], parts[2]))
    return sorted(out)


def parse_rpm(text: str) -> list[tuple[str, str]]:
    """Packages of an ``rpm -qa`` listing in :data:`RPM` format."""
    out = set()
    for line in text.splitlines():
        name, sep, version = line.partition("\t")
        if sep and name and not name.startswith("gpg-pubkey"):
            out.add((name, version))
    return sorted(out)


def _run(cmd: list[str]) -> tuple[str | None, str | None]:
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S, check=False,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, f"packages: {cmd[0]} took more than {TIMEOUT_S} s; packages not listed"
    except OSError as exc:
        return None, f"packages: {cmd[0]} could not run ({exc.strerror})"
    if done.returncode != 0:
        return None, f"packages: {cmd[0]} exited with status {done.returncode}"
    return done.stdout.decode("utf-8", errors="replace"), None


def _windows() -> list[tuple[str, str]]:  # untested in CI
    import winreg
    out = set()
    path = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall"
    for view in (winreg.KEY_WOW64_64KEY, winreg.KEY_WOW64_32KEY):
        try:
            root = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, path, 0, winreg.KEY_READ | view)
        except OSError:
            continue
        with root:
            for i in range(winreg.QueryInfoKey(root)[0]):
                try:
                    with winreg.OpenKey(root, winreg.EnumKey(root, i)) as key:
                        name = str(winreg.QueryValueEx(key, "DisplayName")[0]).strip()
                        try:
                            version = str(winreg.QueryValueEx(key, "DisplayVersion")[0]).strip()
                        except OSError:
                            version = ""
                except OSError:
                    continue
                if name:
                    out.add((name, version))
    return sorted(out)


def installed() -> tuple[list[tuple[str, str]], list[str]]:
    """``[(name, version)]`` of the installed packages, sorted, and the limitations met."""
    if sys.platform == "win32":
        return _windows(), []
    for cmd, parse in ((DPKG, parse_dpkg), (RPM, parse_rpm)):
        if shutil.which(cmd[0]):
            text, problem = _run(cmd)
            return (parse(text), []) if text is not None else ([], [problem])
    return [], ["packages: neither dpkg-query nor rpm found; packages not listed"]
