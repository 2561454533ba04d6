from django.core.cache import cache

from papers.models import Topic


def navigation(request):
    """Topics for the header; cached briefly because every page shows them."""
    topics = cache.get("nav-topics")
    if topics is None:
        topics = list(Topic.objects.filter(papers__summary__status="published").distinct().order_by("position", "slug"))
        cache.set("nav-topics", topics, 300)
    return {"nav_topics": topics}
