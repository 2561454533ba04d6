from django.core.cache import cache

from papers.models import Topic


def navigation(request):
    """Topics for the header; cached briefly because every page shows them."""
    published = Topic.objects.published().order_by("position", "slug")
    return {"nav_topics": cache.get_or_set("nav-topics", lambda: list(published), 300)}
