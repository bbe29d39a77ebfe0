"""The public address follows the served one: `make run` on another port links to that port."""

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def site_url_under_make(**variables: str) -> str:
    """SITE_URL as the processes started by `make run` (runserver, honcho's web, worker and beat)
    see it in their environment."""
    env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "HOST", "PORT"}}
    env.update({k: v for k, v in variables.items() if k == "SITE_URL"})
    arguments = [f"{k}={v}" for k, v in variables.items() if k != "SITE_URL"]
    result = subprocess.run(  # noqa: S603 (fixed arguments: the project's Makefile)
        [
            shutil.which("make") or "/usr/bin/make",
            "-s",
            "--no-print-directory",
            "--eval",
            'print-site-url: ; @echo "$$SITE_URL"',
            "print-site-url",
            *arguments,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_make_run_on_another_port_links_to_that_port():
    assert site_url_under_make(PORT="8101") == "http://127.0.0.1:8101"
    assert site_url_under_make() == "http://127.0.0.1:8000"


def test_make_run_on_every_interface_links_to_the_loopback_address():
    assert site_url_under_make(HOST="0.0.0.0", PORT="8101")  # noqa: S104 (what make run is given) == "http://127.0.0.1:8101"
    assert site_url_under_make(HOST="localhost", PORT="8102") == "http://localhost:8102"


def test_a_site_url_set_by_the_operator_wins():
    assert (
        site_url_under_make(SITE_URL="https://iapt.example.org", PORT="8101")
        == "https://iapt.example.org"
    )
