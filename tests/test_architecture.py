"""The architecture, checked by reading the code (``ast``), not by running it.

* One door for state: only ``papers/services/transitions.py`` writes an entry's
  or digest's ``status``, ``published_at`` or ``assignee`` (migrations and tests
  aside).  Reads and filters are fine; assignments, ``update(status=…)``,
  ``create(…, status=…)``, ``save(update_fields=[… "status" …])`` and the
  like are not.
* Imports go one way: no cycle between the modules of papers/, editorial/, subscriptions/ and
  config/ (imports inside functions count too), papers never imports
  editorial or subscriptions, services never import tasks, the domain never imports a parser
  and parsers never import the domain's database side.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STATE_FIELDS = frozenset({"status", "published_at", "assignee", "assignee_id"})
THE_DOOR = "papers/services/transitions.py"
# Calls that write the keyword arguments they are given (model constructors are checked by name below).
WRITING_CALLS = frozenset({"update", "create", "get_or_create", "update_or_create", "bulk_create", "bulk_update"})
# Keyword arguments of those calls that hold field values or names to write.
VALUE_DICTS = frozenset({"defaults", "create_defaults"})
FIELD_LISTS = frozenset({"update_fields", "fields"})
MODELS_WITH_STATE = frozenset({"Summary", "Digest"})
PACKAGES = ("papers", "editorial", "subscriptions", "config")


def project_files(*, include_migrations: bool = False) -> list[Path]:
    files = [ROOT / "manage.py", ROOT / "gunicorn.conf.py"]
    for top in (*PACKAGES, "bench"):
        files += sorted((ROOT / top).rglob("*.py"))
    return [f for f in files if include_migrations or "migrations" not in f.relative_to(ROOT).parts]


# --- state writes -----------------------------------------------------------------

@dataclass(frozen=True)
class Write:
    path: str
    line: int
    what: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.what}"


def _strings(node) -> set[str]:
    """String constants directly in a list, tuple, set or dict keys (or the string itself)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    if isinstance(node, ast.Dict):
        return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return set()


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def state_writes(source: str, path: str = "<string>") -> list[Write]:
    """Every place ``source`` writes a state field; reads, filters and lookups are not writes."""
    found = []

    def hit(node, what):
        found.append(Write(path, node.lineno, what))

    def targets(node):
        if isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                yield from targets(element)
        elif isinstance(node, ast.Starred):
            yield from targets(node.value)
        else:
            yield node

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            for target in (t for top in (node.targets if isinstance(node, ast.Assign) else [node.target])
                           for t in targets(top)):
                if isinstance(target, ast.Attribute) and target.attr in STATE_FIELDS:
                    hit(node, f"assigns .{target.attr}")
        elif isinstance(node, ast.Call):
            name = _called_name(node)
            if name == "setattr" and len(node.args) >= 2 and _strings(node.args[1]) & STATE_FIELDS:
                hit(node, f"setattr(…, {node.args[1].value!r})")
            if name not in WRITING_CALLS and name not in MODELS_WITH_STATE and name != "save":
                continue
            for keyword in node.keywords:
                if name != "save" and keyword.arg in STATE_FIELDS:
                    hit(node, f"{name}({keyword.arg}=…)")
                elif keyword.arg is None and _strings(keyword.value) & STATE_FIELDS:  # **{"status": …}
                    hit(node, f"{name}(**{{…}}) with {sorted(_strings(keyword.value) & STATE_FIELDS)}")
                elif keyword.arg in VALUE_DICTS | FIELD_LISTS and _strings(keyword.value) & STATE_FIELDS:
                    hit(node, f"{name}({keyword.arg}=…{sorted(_strings(keyword.value) & STATE_FIELDS)})")
            if name == "bulk_update" and len(node.args) >= 2 and _strings(node.args[1]) & STATE_FIELDS:
                hit(node, f"bulk_update(…, {sorted(_strings(node.args[1]) & STATE_FIELDS)})")
        elif isinstance(node, ast.ClassDef) and node.name == "Meta":
            # A ModelForm's Meta.fields: the form writes every field it lists.
            assigned = {t.id: s.value for s in node.body if isinstance(s, ast.Assign)
                        for t in s.targets if isinstance(t, ast.Name)}
            if "model" in assigned and "fields" in assigned:
                listed = _strings(assigned["fields"])
                if listed & STATE_FIELDS or listed == {"__all__"}:
                    hit(node, f"a form's Meta.fields lists {sorted(listed & STATE_FIELDS) or '__all__'}")
    return found


def test_only_the_transition_service_writes_a_state():
    writes = []
    for path in project_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative != THE_DOOR:
            writes += state_writes(path.read_text(encoding="utf-8"), relative)
    assert writes == [], "state written outside papers.services.transitions:\n" + "\n".join(map(str, writes))


def test_the_door_itself_is_seen_writing():
    """The scan finds the writes it is meant to find (and so would find them anywhere else)."""
    assert state_writes((ROOT / THE_DOOR).read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", [
    "summary.status = Status.PUBLISHED",
    "digest.status, digest.published_at = Status.PUBLISHED, now",
    "summary.assignee = user",
    "obj.assignee_id = 3",
    "setattr(summary, 'status', 'published')",
    "Summary.objects.filter(pk=1).update(status='published')",
    "Summary.objects.filter(pk=1).update(**{'published_at': now})",
    "Digest.objects.create(date=day, status=status)",
    "Digest.objects.get_or_create(date=day, defaults={'status': 'published'})",
    "Summary.objects.update_or_create(paper=p, defaults={'assignee': user})",
    "Summary(paper=p, status='published')",
    "summary.save(update_fields=['status', 'modified_at'])",
    "Summary.objects.bulk_update(rows, ['published_at'])",
    "Summary.objects.bulk_update(rows, fields=['assignee'])",
    "class SummaryForm(ModelForm):\n    class Meta:\n        model = Summary\n        fields = ('title_zh', 'assignee')",
    "class DigestForm(ModelForm):\n    class Meta:\n        model = Digest\n        fields = '__all__'",
])
def test_writes_are_found(code):
    assert state_writes(code), code


@pytest.mark.parametrize("code", [
    "Summary.objects.filter(status=Status.PUBLISHED)",
    "Summary.objects.exclude(status__in=[S.APPROVED]).filter(assignee=user)",
    "Q(summary__status='published') | Q(status='draft')",
    "Count('entries', filter=Q(entries__paper__summary__status=Status.PUBLISHED))",
    "if summary.status != Status.PUBLISHED: pass",
    "label = obj.get_status_display()",
    "JsonResponse({'error': 'no'}, status=409)",
    "Summary.objects.values_list('status').annotate(n=Count('id'))",
    "obj.refresh_from_db(fields=['status', 'assignee'])",
    "summary.save(update_fields=['generation'])",
    "list_display = ('status', 'assignee')",
    "class SummaryAdmin(ModelAdmin):\n    readonly_fields = ('status', 'published_at')",
])
def test_reads_and_filters_are_not_writes(code):
    assert state_writes(code) == [], code


# --- imports ----------------------------------------------------------------------

def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """Project modules ``path`` imports, at module level or inside functions (not under TYPE_CHECKING)."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(n) for top in ast.walk(tree) if isinstance(top, ast.If) and _type_checking_only(top)
               for n in ast.walk(top)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else base)
    return {name for name in found if name in known and name != module}


def import_graph() -> dict[str, set[str]]:
    files = [f for top in PACKAGES for f in sorted((ROOT / top).rglob("*.py"))]
    known = {module_name(f) for f in files}
    return {module_name(f): imported_modules(f, known) for f in files}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "papers.services.fetching" in graph["papers.tasks"]
    assert "papers.tasks" in graph["editorial.admin.changelist"]  # imported inside the re-summarize action
    assert "papers.importers.text" in graph["papers.importers.arxiv_atom"]  # from . import text


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_cycles_are_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def edges(graph, source_prefix: str, target_prefix: str) -> list[str]:
    return sorted(f"{a} → {b}" for a, targets in graph.items() if a == source_prefix or a.startswith(source_prefix + ".")
                  for b in targets if b == target_prefix or b.startswith(target_prefix + "."))


@pytest.mark.parametrize("source, target, why", [
    ("papers", "editorial", "editorial builds on papers, never the reverse (papers exposes hooks)"),
    ("papers", "subscriptions", "subscriptions build on papers (its signals and published()), never the reverse"),
    ("subscriptions.services", "subscriptions.tasks", "services return; views and signal handlers queue"),
    ("subscriptions", "editorial", "mail goes to readers: it reads what papers publishes, not the desk"),
    ("papers.services", "papers.tasks", "services return; tasks (or on_commit hooks set by the caller) queue"),
    ("papers.models", "papers.importers", "the domain is the bottom floor: parsers depend on it"),
    ("papers.importers", "papers.models", "parsers never touch the database (and run where Django is not set up)"),
    ("papers.importers", "papers.services", "parsers never touch the database"),
    ("papers.services", "papers.site", "writes never depend on the reading side (the site may import services)"),
    ("papers.importers", "papers.site", "parsers never depend on the reading side"),
    ("papers.summarizers", "papers.site", "machine backends never depend on the reading side"),
    ("papers.tasks", "papers.site", "tasks queue writes; they never depend on the reading side"),
    ("papers.models", "papers.site", "the domain is the bottom floor"),
    ("papers.signals", "papers.site", "the domain's hooks refresh pages through services.page_versions"),
])
def test_imports_go_one_way(source, target, why):
    assert edges(import_graph(), source, target) == [], why


# --- the layout ---------------------------------------------------------------------

# papers/'s top level is the domain, its hooks and the query tool its models use (fixed_queries); every other
# module lives in the folder of its layer: importers/ (parse), services/ (write), site/ (read), summarizers/ (machine
# backends).
PAPERS_TOP_LEVEL = {"__init__", "admin", "apps", "fixed_queries", "glossary", "markup", "models", "signals",
                    "summary_fields", "tasks", "topics"}


def test_the_folders_show_the_layers():
    top = {path.stem for path in (ROOT / "papers").glob("*.py")}
    assert top == PAPERS_TOP_LEVEL, "put a new module in importers/, services/, site/ or summarizers/"
    for package in ("importers", "services", "site", "summarizers"):
        assert (ROOT / "papers" / package / "__init__.py").exists()
