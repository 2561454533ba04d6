"""The remembered ``reverse`` and the ``{% url %}`` built on it give Django's answers, whatever changed since."""
from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.template import Context, Template
from django.test import override_settings
from django.test.utils import override_script_prefix
from django.urls import NoReverseMatch, path
from django.urls import reverse as django_reverse

from papers.site import reversing
from papers.templatetags.remembered_urls import RememberedURLNode

# A second URL configuration for the tests below that switch to it (ROOT_URLCONF names this module).
urlpatterns = [
    path("elsewhere/", lambda request: HttpResponse(), name="home"),
    path("elsewhere/<str:arxiv_id>/", lambda request, arxiv_id: HttpResponse(), name="paper"),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), [
    ("home", (), None),
    ("paper", ("2401.12215",), None),
    ("paper", ("hep-th/9901001",), None),  # old-style ids keep their slash
    ("paper", (), {"arxiv_id": "2401.12215"}),
    ("tag", ("检索增强",), None),  # quoted as Django quotes it
    ("digest", ("2024-01-24",), None),
])
def test_same_answer_as_django_every_time(name, args, kwargs):
    expected = django_reverse(name, args=args, kwargs=kwargs)
    assert reversing.reverse(name, args=args, kwargs=kwargs) == expected
    assert reversing.reverse(name, args=args, kwargs=kwargs) == expected  # the remembered answer


def test_a_number_and_a_truth_value_are_different_links():
    assert reversing.reverse("tag", args=[1]) == "/tag/1/"
    assert reversing.reverse("tag", args=[True]) == "/tag/True/"
    assert reversing.reverse("tag", args=["1"]) == "/tag/1/"


def test_an_argument_that_is_not_plain_text_or_a_number_is_reversed_each_time():
    class Slug:
        def __init__(self, text):
            self.text = text

        def __str__(self):
            return self.text

    slug = Slug("agents")
    assert reversing.reverse("tag", args=[slug]) == "/tag/agents/"
    slug.text = "rag"  # the same object says something else now
    assert reversing.reverse("tag", args=[slug]) == "/tag/rag/"


def test_no_match_is_raised_every_time():
    with pytest.raises(NoReverseMatch):
        reversing.reverse("no-such-view")
    with pytest.raises(NoReverseMatch):
        reversing.reverse("no-such-view")


def test_another_url_configuration_is_not_answered_from_the_first():
    assert reversing.reverse("home") == "/"
    with override_settings(ROOT_URLCONF=__name__):
        assert reversing.reverse("home") == "/elsewhere/"
        assert reversing.reverse("paper", args=["2401.12215"]) == "/elsewhere/2401.12215/"
    assert reversing.reverse("home") == "/"


def test_a_script_prefix_is_part_of_the_answer():
    assert reversing.reverse("paper", args=["2401.12215"]) == "/paper/2401.12215/"
    with override_script_prefix("/digest-site/"):
        assert reversing.reverse("paper", args=["2401.12215"]) == "/digest-site/paper/2401.12215/"
    assert reversing.reverse("paper", args=["2401.12215"]) == "/paper/2401.12215/"


def test_every_template_url_tag_is_the_remembering_one():
    template = Template("{% url 'paper' arxiv_id %}")
    assert isinstance(template.nodelist[0], RememberedURLNode)
    assert template.render(Context({"arxiv_id": "2401.12215"})) == "/paper/2401.12215/"


def test_url_tag_keeps_djangos_behaviour():
    context = Context({"slug": "a&b"})
    assert Template("{% url 'tag' slug %}").render(context) == "/tag/a&amp;b/"
    assert Template("{% autoescape off %}{% url 'tag' slug %}{% endautoescape %}").render(context) == "/tag/a&b/"
    assert Template("{% url 'tag' slug=slug as link %}[{{ link }}]").render(context) == "[/tag/a&amp;b/]"
    assert Template("{% url 'no-such-view' as link %}[{{ link }}]").render(Context()) == "[]"
    with pytest.raises(NoReverseMatch):
        Template("{% url 'no-such-view' %}").render(Context())


def outcome(make_link, slug):
    try:
        return make_link(slug)
    except NoReverseMatch:
        return NoReverseMatch


@pytest.mark.parametrize("slug", ["agents", "大模型", "a~b:c@d", "x%20y", "q?&=#", "ünïcode-ß", "点 空格", "slug-mark",
                                  "2401.12215", "cs/0112017", "a\tb", "a\rb", "a\nb", ""])
def test_slug_links_are_what_reverse_gives_or_refuse_what_it_refuses(slug):
    routes = ("paper", "report-error", "paper-bibtex", "digest", "topic", "tag", "author", "feed-rss-tag")
    for route in routes:
        expected = outcome(lambda s: django_reverse(route, args=[s]), slug)
        assert outcome(reversing.slug_links(route), slug) == expected, route
    assert outcome(reversing.slug_links("paper"), "2401.12215") == "/paper/2401.12215/"


@pytest.mark.parametrize(("route", "slug"), [("author", ""), ("author", "a/b"), ("paper", ""), ("paper", "a\nb")])
def test_slug_links_refuse_what_reverse_refuses(route, slug):
    with pytest.raises(NoReverseMatch):
        django_reverse(route, args=[slug])
    with pytest.raises(NoReverseMatch):
        reversing.slug_links(route)(slug)
