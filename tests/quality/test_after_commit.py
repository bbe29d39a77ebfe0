"""One way to queue a task after a commit: `iapt_platform.lib.queueing.delay_on_commit`.

A task queued by hand (`transaction.on_commit(lambda: tasks.x.delay(pk))`) turns a broker outage
into an error page after the write is saved, and decides nothing about what a lost task costs.
This reads the production code and names every such site.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SKIP = {".venv", ".git", "node_modules", "staticfiles", "media", "var", "tests", "bench"}
QUEUEING = Path("iapt_platform/lib/queueing.py")  # the one place that calls on_commit for a task
PUBLISH = {"delay", "apply_async"}

# (file, task) pairs still queued by hand, each with the reason it is allowed.
ALLOWED = {
    # A warm-up a few seconds after a burst of registry writes: it needs a countdown, which
    # delay_on_commit does not take, and it catches the broker's error itself.
    ("initiatives/signals.py", "warm_directory"): "countdown",
}


def _published_tasks(node: ast.AST) -> list[str]:
    """The tasks whose `.delay`/`.apply_async` the code under `node` calls or passes on."""
    return [
        ast.unparse(child.value).rsplit(".", 1)[-1]
        for child in ast.walk(node)
        if isinstance(child, ast.Attribute) and child.attr in PUBLISH
    ]


def _is_on_commit(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name == "on_commit"


def tasks_queued_by_hand(root: Path) -> list[tuple[str, int, str]]:
    """(file, line, task) for each on_commit callback that publishes a task itself: a lambda,
    a partial, a bound `.delay`, or a function of the same module that calls one."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if SKIP & set(relative.parts) or "migrations" in relative.parts or relative == QUEUEING:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        functions = {
            node.name: node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _is_on_commit(node)):
                continue
            for argument in [*node.args, *(k.value for k in node.keywords)]:
                tasks = _published_tasks(argument)
                if isinstance(argument, ast.Name) and argument.id in functions:
                    tasks += _published_tasks(functions[argument.id])
                found += [(relative.as_posix(), node.lineno, task) for task in tasks]
    return sorted(found)


def test_the_check_finds_each_way_of_queueing_by_hand(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "services.py").write_text(
        "from functools import partial\n"
        "from django.db import transaction\n"
        "from django.db.transaction import on_commit\n"
        "from iapt_platform.lib.queueing import delay_on_commit\n"
        "from . import selectors, tasks\n"
        "def a(pk):\n"
        "    transaction.on_commit(lambda: tasks.one.delay(pk))\n"
        "    transaction.on_commit(partial(tasks.two.apply_async, (pk,)))\n"
        "    on_commit(tasks.three.delay)\n"
        "    transaction.on_commit(_four, robust=True)\n"
        "    transaction.on_commit(selectors.changed)\n"
        "    delay_on_commit(tasks.five, pk)\n"
        "def _four():\n"
        "    tasks.four.delay()\n"
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(
        "from django.db import transaction\ntransaction.on_commit(lambda: tasks.six.delay())\n"
    )

    assert tasks_queued_by_hand(tmp_path) == [
        ("app/services.py", 7, "one"),
        ("app/services.py", 8, "two"),
        ("app/services.py", 9, "three"),
        ("app/services.py", 10, "four"),
    ]


def test_tasks_are_queued_after_commit_only_through_delay_on_commit():
    found = tasks_queued_by_hand(ROOT)
    by_hand = [
        f"{path}:{line}: {task}" for path, line, task in found if (path, task) not in ALLOWED
    ]
    assert by_hand == [], (
        "Queue these with iapt_platform.lib.queueing.delay_on_commit (and decide "
        "run_here_if_broker_down):\n" + "\n".join(by_hand)
    )
    stale = sorted(
        {f"{path}: {task}" for path, task in ALLOWED} - {f"{p}: {t}" for p, _l, t in found}
    )
    assert stale == [], "No longer queued by hand: remove from ALLOWED:\n" + "\n".join(stale)
