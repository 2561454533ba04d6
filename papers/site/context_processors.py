from django.core.cache import cache

from papers.models import Topic


def navigation(request):
    """Topics for the header; cached briefly because every page shows them.

    Read when a template shows them, not for every page rendered: the desk's
    pages never do, and every five minutes one of them paid for the refill (a
    DISTINCT over the published papers' topics, 165 ms at a million papers).
    """
    def nav_topics():
        return cache.get_or_set("nav-topics", lambda: list(Topic.objects.published().order_by("position", "slug")), 300)

    return {"nav_topics": nav_topics}
