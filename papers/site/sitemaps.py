"""The sitemap: every published paper, digest day and topic.

Each location comes from ``slug_links``, one ``reverse`` per sitemap page
rather than one per link (10,000 of them on a page of papers, 0.3 s of CPU).
A sitemap is instantiated for each request, so its link makers are too.
"""
from functools import cached_property

from django.contrib.sitemaps import Sitemap

from papers.models import Digest, Paper, Topic
from papers.site.reversing import slug_links


class PaperSitemap(Sitemap):
    changefreq = "weekly"
    limit = 10_000

    def items(self):
        return Paper.objects.published().only("arxiv_id", "modified_at").order_by("arxiv_id")

    def location(self, paper):
        return self.link(paper.arxiv_id)

    @cached_property
    def link(self):
        return slug_links("paper")

    def lastmod(self, paper):
        return paper.modified_at


class DigestSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Digest.objects.published().order_by("date").values_list("date", flat=True).distinct()

    def location(self, date):
        return self.link(date.isoformat())

    @cached_property
    def link(self):
        return slug_links("digest")


class TopicSitemap(Sitemap):
    def items(self):
        return Topic.objects.published().order_by("slug")

    def location(self, topic):
        return self.link(topic.slug)

    @cached_property
    def link(self):
        return slug_links("topic")


SITEMAPS = {"papers": PaperSitemap, "digests": DigestSitemap, "topics": TopicSitemap}
