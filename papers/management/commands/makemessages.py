"""``makemessages`` with the project's defaults, so every run extracts the same catalogue.

Only the product is scanned (not the tests, benchmarks, demo seeds or vendored
libraries), every entry keeps its source files but no line numbers (a line
moving elsewhere in a file no longer rewrites the catalogue, which kept
parallel branches' catalogues in conflict), and obsolete entries are dropped.
``make messages`` runs it for both languages and compiles the result;
``tests/test_catalogue.py`` fails when the catalogue misses a string.
"""
from django.core.management.commands import makemessages

IGNORED = ["static/vendor/*", "staticfiles/*", "tests/*", "bench/*", "demo/*", "docs/*", "locale/*", "node_modules/*"]


class Command(makemessages.Command):
    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options["ignore_patterns"], *IGNORED]
        if not options["no_location"]:
            options["add_location"] = options["add_location"] or "file"
        options["no_obsolete"] = True
        return super().handle(*args, **options)
