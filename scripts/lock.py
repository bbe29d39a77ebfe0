"""The lock files, resolved from pyproject.toml: every package, transitive ones included, pinned
with the hashes of its published files, so that every install gets exactly what was tested.

    requirements/base.txt  what the portal runs on (`make run`, the image)
    requirements/dev.txt   the same pins plus the test and lint tools (`make test`, CI)

Usage:
    python scripts/lock.py            regenerate both (`make lock`); transitive pins stay where they
                                      are unless pyproject.toml's pins need them to move
    python scripts/lock.py --upgrade  also move transitive packages to their newest releases
                                      (`make lock UPGRADE=1`)
    python scripts/lock.py --check    fail when pyproject.toml's dependencies are not the ones the
                                      lock files were resolved from (`make lint`, so CI)

Each lock file starts with a fingerprint of the dependencies it was resolved from; --check compares
it with pyproject.toml's. The resolver is uv (a dev dependency), for Python 3.11 on every platform.
"""

import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = "requirements/base.txt"
DEV = "requirements/dev.txt"
PREFIX = "# pyproject-sha256: "


def fingerprint() -> str:
    """A digest of everything in pyproject.toml that decides what the lock files contain."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    keys = ("requires-python", "dependencies", "optional-dependencies")
    text = json.dumps({key: project.get(key) for key in keys}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def recorded(name: str) -> str | None:
    path = ROOT / name
    if not path.exists():
        return None
    first = path.read_text().partition("\n")[0]
    return first.removeprefix(PREFIX).split()[0] if first.startswith(PREFIX) else None


def check() -> int:
    expected = fingerprint()
    stale = [name for name in (BASE, DEV) if recorded(name) != expected]
    if not stale:
        print("lock: requirements/ matches pyproject.toml")
        return 0
    print(
        f"lock: {', '.join(stale)} not resolved from the current pyproject.toml dependencies: "
        "run `make lock` and commit requirements/ with pyproject.toml.",
        file=sys.stderr,
    )
    return 1


def compile_lock(output: str, extra: list[str], upgrade: bool) -> None:
    command = [sys.executable, "-m", "uv", "pip", "compile", "pyproject.toml", *extra]
    command += ["--universal", "--python-version", "3.11", "--generate-hashes"]
    command += ["--custom-compile-command", "make lock", "--quiet", "--output-file", output]
    if upgrade:
        command.append("--upgrade")
    subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603 (fixed arguments)
    path = ROOT / output
    body = path.read_text()
    if body.startswith(PREFIX):  # uv keeps the previous file's leading comment
        body = body.partition("\n")[2]
    note = "(scripts/lock.py --check compares it with pyproject.toml)"
    path.write_text(f"{PREFIX}{fingerprint()}  {note}\n{body}")


def lock(upgrade: bool) -> int:
    (ROOT / "requirements").mkdir(exist_ok=True)
    compile_lock(BASE, [], upgrade)
    # The dev lock is constrained by the base lock: both install the same version of each package.
    compile_lock(DEV, ["--extra", "dev", "--constraint", BASE], upgrade)
    print(f"lock: wrote {BASE} and {DEV}")
    return 0


if __name__ == "__main__":
    args = set(sys.argv[1:])
    if not args <= {"--check", "--upgrade"}:
        sys.exit(__doc__)
    sys.exit(check() if "--check" in args else lock(upgrade="--upgrade" in args))
