"""The translation catalogues: every string of the product is translated into Chinese, and compiled.

``makemessages`` runs on a copy of the product in a temporary directory, so the
check sees exactly what the next ``make messages`` would write, and the
working tree is never touched.  A string added to the code without its
translation shows up here as untranslated; a string changed so that gettext
matches it to an old translation shows up as fuzzy.
"""
from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from papers.management.commands.makemessages import IGNORED

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("zh_Hans", "en")
DOMAINS = ("django", "djangojs")
CJK = re.compile(r"[\u3400-\u9fff]")


def extract(tree: Path) -> dict[tuple[str, str], polib.POFile]:
    """Run the project's makemessages for both languages and domains in ``tree``; the catalogues it wrote."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    for domain in DOMAINS:
        args = [sys.executable, "manage.py", "makemessages", "-d", domain, *(f"-l{lang}" for lang in LANGUAGES)]
        proc = subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
    return {(lang, domain): polib.pofile(str(path))
            for lang in LANGUAGES for domain in DOMAINS
            if (path := tree / "locale" / lang / "LC_MESSAGES" / f"{domain}.po").exists()}


def copy_product(into: Path) -> Path:
    """Every top-level folder makemessages reads (apps, templates, static, config), the catalogues and manage.py."""
    skipped = {pattern.split("/")[0] for pattern in IGNORED} - {"locale"}
    for source in ROOT.iterdir():
        if source.name.startswith(".") or source.name in skipped or source.suffix not in ("", ".py"):
            continue
        if source.is_dir():
            shutil.copytree(source, into / source.name, ignore=shutil.ignore_patterns("__pycache__", "vendor", "*.mo"))
        else:
            shutil.copy2(source, into / source.name)
    return into


def missing(catalogue: polib.POFile, lang: str) -> list[str]:
    """Entries a reader of ``lang`` would see in the wrong language, or wrongly: untranslated or fuzzy."""
    bad = [f"fuzzy: {e.msgid!r}" for e in catalogue if "fuzzy" in e.flags and not e.obsolete]
    for entry in catalogue:
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        # English is the source language: an empty msgstr shows the msgid, which is right unless the
        # msgid itself is Chinese.  Chinese needs every entry, and each plural form, translated.
        needs = lang != "en" or CJK.search(entry.msgid) or CJK.search(entry.msgid_plural or "")
        translated = all(entry.msgstr_plural.values()) if entry.msgid_plural else bool(entry.msgstr)
        if needs and not translated:
            bad.append(f"untranslated: {entry.msgid!r}")
    return bad


@pytest.fixture(scope="module")
def catalogues(tmp_path_factory):
    return extract(copy_product(tmp_path_factory.mktemp("catalogue")))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_of_the_product_is_translated(catalogues, lang):
    found = {domain: cat for (language, domain), cat in catalogues.items() if language == lang}
    assert len(found["django"]) > 300  # the extraction found the product's strings
    problems = [f"{domain}: {p}" for domain, cat in found.items() for p in missing(cat, lang)]
    assert problems == [], f"run `make messages` and translate in locale/{lang}/LC_MESSAGES/"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_committed_catalogue_holds_what_makemessages_extracts(catalogues, lang):
    """Nothing left to merge: the committed .po has exactly the extracted msgids (so `make messages` was run)."""
    committed = polib.pofile(str(ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"))
    ids = lambda cat: {(e.msgctxt, e.msgid) for e in cat if not e.obsolete}  # noqa: E731
    assert ids(committed) == ids(catalogues[(lang, "django")])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(lang):
    """The committed .mo (what Django reads; `make demo` needs no gettext tools) is the .po compiled."""
    folder = ROOT / "locale" / lang / "LC_MESSAGES"
    with open(folder / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in polib.pofile(str(folder / "django.po")).translated_entries():
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            for n, text in entry.msgstr_plural.items():
                if compiled._catalog.get((key, n)) != text:
                    stale.append(entry.msgid)
        elif compiled._catalog.get(key) != entry.msgstr:
            stale.append(entry.msgid)
    assert stale == [], "run `make messages` (it compiles the .mo)"


def test_a_new_string_without_a_translation_fails_the_check(tmp_path):
    """The check can fail: a string added to a template and to the code turns up untranslated."""
    tree = copy_product(tmp_path)
    template = tree / "templates" / "admin" / "editorial" / "dashboard.html"
    template.write_text(template.read_text() + '{% translate "A sentence no translator has seen yet" %}\n')
    (tree / "papers" / "new_strings.py").write_text(
        'from django.utils.translation import gettext_lazy as _\nLABEL = _("Another brand-new label")\n'
    )
    catalogue = extract(tree)[("zh_Hans", "django")]
    assert {"untranslated: 'A sentence no translator has seen yet'",
            "untranslated: 'Another brand-new label'"} <= set(missing(catalogue, "zh_Hans"))


# Names that read the same in Chinese.
SAME_IN_CHINESE = {"DOI"}


def test_every_model_and_field_of_the_desk_has_a_chinese_name():
    """The admin shows these names everywhere (lists, filters, forms, breadcrumbs): a field declared without
    a translated verbose name would show its English attribute name on the Chinese desk."""
    from django.apps import apps
    from django.contrib.contenttypes.fields import GenericRelation
    from django.db.models import CompositePrimaryKey
    from django.utils import translation

    untranslated = []
    with translation.override("zh-hans"):
        for label in ("papers", "editorial", "subscriptions"):
            for model in apps.get_app_config(label).get_models():
                if model.__module__.startswith("simple_history") or model.__name__.startswith("Historical"):
                    continue  # revisions, named after the model they record
                names = [("model", str(model._meta.verbose_name)), ("model", str(model._meta.verbose_name_plural))]
                # Not the relations django-taggit adds, nor a composite key: the admin never names them.
                names += [(field.name, str(field.verbose_name)) for field in model._meta.get_fields()
                          if hasattr(field, "verbose_name") and not field.auto_created
                          and not isinstance(field, (GenericRelation, CompositePrimaryKey))]
                untranslated += [f"{model.__name__}.{where}: {name!r}" for where, name in names
                                 if not CJK.search(name) and name not in SAME_IN_CHINESE]
    assert untranslated == []
