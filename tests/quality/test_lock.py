"""The lock files install exactly what pyproject.toml pins, with hashes, and say when they are stale."""

import importlib.util
import re
import shutil
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("lock", ROOT / "scripts" / "lock.py")
assert _spec and _spec.loader
lock = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lock)


def _locked(name: str) -> dict[str, tuple[str, str]]:
    """{normalised package name: (version, the entry's text)} of a lock file."""
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / name).read_text())
    pins = {}
    for entry in entries:
        match = re.match(r"([A-Za-z0-9._-]+)==([^ ;\\\n]+)", entry)
        if match:
            pins[re.sub(r"[-_.]+", "-", match[1].lower())] = (match[2], entry)
    return pins


def _pinned(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        name, version = requirement.split("==")
        pins[re.sub(r"[-_.]+", "-", re.sub(r"\[.*\]", "", name).lower())] = version
    return pins


def test_the_committed_lock_was_resolved_from_this_pyproject():
    assert lock.check() == 0, "run `make lock` and commit requirements/"


def test_every_pin_is_locked_at_its_version_and_every_entry_has_a_hash():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    base, dev = _locked(lock.BASE), _locked(lock.DEV)
    assert _pinned(project["dependencies"]).items() <= {k: v[0] for k, v in base.items()}.items()
    dev_pins = _pinned(project["dependencies"] + project["optional-dependencies"]["dev"])
    assert dev_pins.items() <= {k: v[0] for k, v in dev.items()}.items()
    # The dev lock is the base lock plus the tools: the same version of every shared package.
    assert {k: v[0] for k, v in base.items()}.items() <= {k: v[0] for k, v in dev.items()}.items()
    for name, (_version, entry) in (base | dev).items():
        assert "--hash=sha256:" in entry, name


def test_a_changed_dependency_makes_the_check_fail(tmp_path, monkeypatch, capsys):
    for name in ("pyproject.toml", lock.BASE, lock.DEV):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    monkeypatch.setattr(lock, "ROOT", tmp_path)
    assert lock.check() == 0
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"Django==', '"Django==0.0.0', 1))
    assert lock.check() == 1
    assert "run `make lock`" in capsys.readouterr().err


@pytest.mark.parametrize("first_line", ["", "# an old header\n"])
def test_a_lock_without_the_fingerprint_is_stale(tmp_path, monkeypatch, first_line):
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "requirements").mkdir()
    for name in (lock.BASE, lock.DEV):
        (tmp_path / name).write_text(first_line + "django==5.2.20\n")
    monkeypatch.setattr(lock, "ROOT", tmp_path)
    assert lock.check() == 1
