"""The house rules of docs/architecture.md, checked on the code itself: which module may import which, and
that no status changes outside the workflow."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["newsroom", "stories", "pagecache", "harness", "bench", "scripts"]

# Each group, and the groups its modules may import (a group may always import itself). Modules are named as
# Python names them; a name matches a group when it is one of the group's names or lies below one.
GROUPS = {
    "pagecache": ["pagecache"],
    "harness": ["harness"],
    "foundations": [
        "stories.limits",
        "stories.dates",
        "stories.richtext",
        "stories.links",
        "stories.compiled",
        "stories.counts",
        "stories.images",
        "stories.renditions",
        "stories.tasks",
        "stories.rendering",
        "stories.widgets",
        "stories.previews",
        "stories.crossorigin",
        "stories.textdiff",
    ],
    "models": ["stories.models", "stories.migrations"],
    "documents": ["stories.importing"],
    "domain": ["stories.workflow", "stories.revisions", "stories.scopes", "stories.purging"],
    "imports": ["stories.ingest", "stories.import_tasks"],
    "reader": [
        "stories.views",
        "stories.urls",
        "stories.feeds",
        "stories.feedwriting",
        "stories.sitemaps",
        "stories.search",
        "stories.filters",
        "stories.forms",
        "stories.opinions",
        "stories.navigation",
        "stories.templatetags.newsroom",
        "stories.templating",
        "stories.reading",
        "stories.story_page",
        "stories.metadata",
    ],
    "desk": ["stories.admin", "stories.templatetags.newsroom_admin"],
    "commands": ["stories.management"],
    "app": ["stories.apps", "stories"],
    "project": ["newsroom"],
    "tools": ["bench", "scripts"],
}
ALLOWED = {
    "pagecache": set(),
    "harness": set(),
    "foundations": set(),
    "models": {"foundations"},
    "documents": {"foundations"},
    "domain": {"models", "foundations", "pagecache"},
    "imports": {"domain", "documents", "models", "foundations", "pagecache"},
    "reader": {"domain", "models", "foundations", "pagecache"},
    "desk": {"imports", "reader", "domain", "documents", "models", "foundations", "pagecache"},
    "commands": {"imports", "domain", "documents", "models", "foundations", "pagecache"},
    "app": {"domain", "models", "foundations", "pagecache"},
    "project": {"desk", "reader", "domain", "models", "foundations", "pagecache", "app"},
    "tools": {"harness", "imports", "domain", "documents", "models", "foundations", "pagecache", "project"},
}


def _group(module: str) -> str | None:
    best = None
    for group, names in GROUPS.items():
        for name in names:
            if (module == name or module.startswith(name + ".")) and (best is None or len(name) > len(best[1])):
                best = (group, name)
    return best[0] if best else None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources():
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path, module: str):
    """(line, imported module) for every import of `path`, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                # `from stories import workflow` imports the module stories.workflow, not the package.
                submodule = f"{target}.{alias.name}"
                yield node.lineno, submodule if _is_module(submodule) else target


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def test_every_module_belongs_to_a_group():
    loose = [_module_name(p) for p in _sources() if _group(_module_name(p)) is None]
    assert loose == []


def test_imports_go_one_way():
    wrong = []
    for path in _sources():
        module = _module_name(path)
        group = _group(module)
        for line, target in _imports(path, module):
            if target.startswith("tests"):
                wrong.append(f"{module}:{line} imports {target}: nothing outside tests/ imports from tests/")
                continue
            target_group = _group(target)
            if target_group is None or target_group == group:
                continue  # Django, libraries, the standard library; or the module's own group
            if target_group not in ALLOWED[group]:
                wrong.append(f"{module}:{line} ({group}) imports {target} ({target_group})")
    assert wrong == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from .workflow import publish", "stories.workflow"),
        ("from . import workflow", "stories.workflow"),
        ("from .. import models", "stories.models"),
        ("import pagecache", "pagecache"),
    ],
)
def test_the_import_reader_resolves_relative_imports(tmp_path, source, expected):
    """The checker itself: a relative import in stories/admin/x.py or stories/x.py names the right module."""
    where = {"from .. import models": ("stories/admin/x.py", "stories.admin.x")}.get(
        source, ("stories/x.py", "stories.x")
    )
    path = tmp_path / "x.py"
    path.write_text(source + "\n")
    assert [target for _line, target in _imports(path, where[1])] == [expected]


# --- Status changes ---------------------------------------------------------------------------------------------

WRITERS = {"create", "update", "update_or_create", "get_or_create"}
STATEFUL = {"Story", "Opinion", "Assignment"}
# A story's and an opinion's `status`, an assignment's `state` (the planning desk's moves).
STATE_FIELDS = {"status", "state"}


def _status_writes(path: Path, *, attributes: bool = True):
    """Places where `path` sets a status: `status=` in a write or a model's constructor, a bulk update of it,
    and (with `attributes`) an assignment to `.status`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and attributes:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(element, ast.Attribute) and element.attr in STATE_FIELDS:
                        yield node.lineno
        elif isinstance(node, ast.Call) and any(k.arg in STATE_FIELDS for k in node.keywords):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in WRITERS or name in STATEFUL:
                yield node.lineno
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "bulk_update":
            fields = node.args[1] if len(node.args) > 1 else None
            if isinstance(fields, ast.List | ast.Tuple) and any(
                isinstance(e, ast.Constant) and e.value in STATE_FIELDS for e in fields.elts
            ):
                yield node.lineno


def test_no_status_changes_outside_the_workflow():
    outside = []
    for path in _sources():
        module = _module_name(path)
        # The workflow is the door; migrations and the benchmark's seeding write rows as data, not as moves.
        if module.startswith(("stories.workflow", "stories.migrations", "bench.seed")):
            continue
        # The tools' own objects have an HTTP status; only the project's code holds stories and opinions.
        attributes = module.split(".")[0] in {"stories", "newsroom", "pagecache"}
        outside += [f"{module}:{line}" for line in _status_writes(path, attributes=attributes)]
    assert outside == []


def test_the_status_check_finds_the_writes_it_looks_for(tmp_path):
    path = tmp_path / "x.py"
    path.write_text(
        "story.status = 'published'\n"
        "Story.objects.filter(pk=1).update(status='draft')\n"
        "Opinion(story=s, status='approved')\n"
        "Story.objects.bulk_update(stories, ['status'])\n"
        "Story.objects.filter(status='draft')\n"  # a read: not a write
        "assignment.state = 'filed'\n"
        "Assignment.objects.filter(pk=1).update(state='assigned')\n"
    )
    assert sorted(_status_writes(path)) == [1, 2, 3, 4, 6, 7]
