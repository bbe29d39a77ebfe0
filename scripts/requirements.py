"""Print the pinned requirements of pyproject.toml, one per line, for pip.

`make` installs exactly the pins of pyproject.toml without building the project itself as a package.
Usage: python scripts/requirements.py [extra ...]
"""

import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())[
    "project"
]
lines = list(project["dependencies"])
for extra in sys.argv[1:]:
    lines += project["optional-dependencies"][extra]
print("\n".join(lines))
