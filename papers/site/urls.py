"""Public URLs: stable, readable, the same in both languages."""
from django.contrib.sitemaps.views import sitemap
from django.urls import path

from papers.site import feeds, indexes, reports, search_feeds, views
from papers.site.sitemaps import SITEMAPS

urlpatterns = [
    path("", views.home, name="home"),
    path("digest/", views.digest_archive, name="digest-archive"),
    path("digest/<str:date>/", views.digest_detail, name="digest"),
    path("digest/<str:date>/<str:topic>/", views.digest_detail, name="digest-topic"),
    # Before the paper's own URL, whose <path:> would take "…/report" for part of an arXiv id.
    path("paper/<path:arxiv_id>/report/", reports.report_error, name="report-error"),
    path("paper/<path:arxiv_id>/", views.paper_detail, name="paper"),
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
