from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from papers.models import Digest, Paper, Topic


class PaperSitemap(Sitemap):
    changefreq = "weekly"
    limit = 10_000

    def items(self):
        return Paper.objects.published().only("arxiv_id", "modified_at").order_by("arxiv_id")

    def location(self, paper):
        return reverse("paper", args=[paper.arxiv_id])

    def lastmod(self, paper):
        return paper.modified_at


class DigestSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Digest.objects.published().order_by("date").values_list("date", flat=True).distinct()

    def location(self, date):
        return reverse("digest", args=[date.isoformat()])


class TopicSitemap(Sitemap):
    def items(self):
        return Topic.objects.published().order_by("slug")

    def location(self, topic):
        return reverse("topic", args=[topic.slug])


SITEMAPS = {"papers": PaperSitemap, "digests": DigestSitemap, "topics": TopicSitemap}
