"""Public URLs: stable, readable, the same in both languages."""
from django.contrib.sitemaps.views import sitemap
from django.urls import path, re_path

from papers.importers.text import ARXIV_BARE_ID
from papers.site import arxiv_links, feeds, indexes, reading_list, reports, search_feeds, views
from papers.site.sitemaps import SITEMAPS

urlpatterns = [
    path("", views.home, name="home"),
    path("digest/", views.digest_archive, name="digest-archive"),
    path("digest/<str:date>/", views.digest_detail, name="digest"),
    path("digest/<str:date>/<str:topic>/", views.digest_detail, name="digest-topic"),
    # Before the paper's own URL, whose <path:> would take "…/report", "v2" or ".bib" for part of an arXiv id.
    path("paper/<path:arxiv_id>/report/", reports.report_error, name="report-error"),
    re_path(rf"^paper/(?P<arxiv_id>{ARXIV_BARE_ID})v(?P<version>\d+)/$", arxiv_links.paper_version, name="paper-version"),
    re_path(r"^paper/(?P<arxiv_id>.+)\.bib$", reading_list.paper_bibtex, name="paper-bibtex"),
    path("paper/<path:arxiv_id>/", views.paper_detail, name="paper"),
    re_path(r"^(?:abs|pdf)/(?P<rest>.+)$", arxiv_links.arxiv_link, name="arxiv-link"),
    path("bib/", reading_list.bibtex_export, name="bibtex-export"),
    path("reading-list/", reading_list.reading_list, name="reading-list"),
    path("reading-list/papers.json", reading_list.reading_list_papers, name="reading-list-papers"),
    path("topic/", indexes.topic_index, name="topic-index"),
    path("topic/<str:slug>/", views.topic_detail, name="topic"),
    path("tag/", indexes.tag_index, name="tag-index"),
    path("tag/<str:slug>/", views.tag_detail, name="tag"),
    path("author/", indexes.author_index, name="author-index"),
    path("author/<str:slug>/", views.author_detail, name="author"),
    path("search/", views.search_view, name="search"),
    path("feed/rss/", feeds.LatestPapersFeed(), name="feed-rss"),
    path("feed/atom/", feeds.LatestPapersAtom(), name="feed-atom"),
    path("feed/rss/search/", search_feeds.SearchFeed(), name="feed-rss-search"),
    path("feed/atom/search/", search_feeds.SearchAtom(), name="feed-atom-search"),
    path("feed/rss/topic/<str:slug>/", feeds.TopicFeed(), name="feed-rss-topic"),
    path("feed/atom/topic/<str:slug>/", feeds.TopicAtom(), name="feed-atom-topic"),
    path("feed/rss/tag/<str:slug>/", feeds.TagFeed(), name="feed-rss-tag"),
    path("feed/atom/tag/<str:slug>/", feeds.TagAtom(), name="feed-atom-tag"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="django.contrib.sitemaps.views.sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]
