"""The lock files pin every package, with hashes, at the versions the requirements files ask for.

`make install` installs `requirements-dev.lock` with `--require-hashes`; production installs
`requirements.lock` (web servers) or `requirements-worker.lock` (workers). A pin changed in a
requirements file without `make lock` would leave the lock installing something else: this fails then.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCKS = {"requirements.lock": "requirements.txt", "requirements-worker.lock": "requirements-worker.txt",
         "requirements-dev.lock": "requirements-dev.txt"}


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def pinned(requirements: str) -> dict[str, str]:
    """Every `name==version` a requirements file asks for, following its `-r` includes."""
    pins: dict[str, str] = {}
    for raw in (ROOT / requirements).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins.update(pinned(line[3:].strip()))
        elif line:
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s;]+)", line)
            assert match, f"{requirements}: {line!r} is not pinned with =="
            pins[_name(match[1])] = match[2]
    return pins


def locked(lock: str) -> dict[str, tuple[str, list[str]]]:
    """Each package in a pip-compile lock file: its version and its hashes."""
    entries: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text(encoding="utf-8")):
        head = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", block)
        if head:
            entries[_name(head[1])] = (head[2], re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return entries


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_requirement_is_locked_at_its_pinned_version_with_hashes(lock):
    wanted, got = pinned(LOCKS[lock]), locked(lock)
    assert got, f"{lock} lists no packages"
    for name, version in wanted.items():
        assert name in got, f"{name} is in {LOCKS[lock]} but not in {lock}: run `make lock`"
        # A local build tag (torch's "+cpu") is the same release.
        assert got[name][0].split("+")[0] == version, f"{lock} has {name}=={got[name][0]}, {LOCKS[lock]} asks for {version}"
    unhashed = [name for name, (_, hashes) in got.items() if not hashes]
    assert not unhashed, f"{lock} has packages without a hash: {unhashed}"


def test_the_web_servers_lock_has_no_language_model():
    assert not {"torch", "sentence-transformers", "transformers"} & set(locked("requirements.lock"))
    assert "torch" in locked("requirements-worker.lock")


def test_make_install_installs_the_lock_with_hashes():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements-dev.lock" in makefile
