"""The paper domain: papers, their bilingual summaries, digests and imports.

PostgreSQL is the production database; everything here also works on SQLite
(no ArrayField, no PostgreSQL-only constraints).
"""
from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import connection, connections, models
from django.db.backends.ddl_references import Statement
from django.db.models import BooleanField, Count, Expression, F, OuterRef, Q, Subquery
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager

from papers import summary_fields
from papers.fixed_queries import FixedQuery, one_of
from papers.markup import key_points_html


class PostgresOnlyIndex(models.Index):
    """An index on PostgreSQL, and nothing on other databases.

    Declared in the model so the schema says what the database holds; SQLite
    gets an empty statement whenever Django would create or drop it there
    (rebuilding a table, say).  For indexes only PostgreSQL's queries need at
    scale, or whose definition SQLite would not take.
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return Statement("")
        return super().create_sql(model, schema_editor, using=using, **kwargs)

    def remove_sql(self, model, schema_editor, **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return Statement("")
        return super().remove_sql(model, schema_editor, **kwargs)


SEARCH_PENDING_LIST_KB = 128


class PostgresGinIndex(PostgresOnlyIndex, GinIndex):
    """A GIN index on PostgreSQL, and nothing on other databases (SQLite searches without a vector).

    A trigram index (an ``OpClass`` ``gin_trgm_ops``) makes sure pg_trgm, which ships with
    PostgreSQL, is there first: a database built from the models rather than the migrations
    (the test suite's stand-in replica) never ran the migration that creates it.
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        trigrams = any(isinstance(e, OpClass) and e.extra.get("name", "").endswith("trgm_ops") for e in self.expressions)
        if trigrams and schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        return super().create_sql(model, schema_editor, using=using, **kwargs)


def paper_published(path: str = "") -> Q:
    """The one definition of "readers may see this paper": its entry is published.

    ``path`` leads from the model queried to the paper ("paper", "entries__paper",
    "papers" …): the ``published()`` of papers, topics and digest entries are built on it.
    """
    return Q(**{f"{path}__summary__status" if path else "summary__status": Status.PUBLISHED})


class TopicQuerySet(models.QuerySet):
    def published(self):
        """Topics with at least one published paper (the header, the sitemap), from their kept counts."""
        return self.filter(published_count__papers__gt=0)


class Topic(models.Model):
    """One of the site's own sections (Agent, LLM理论, LLM应用, RAG, LLM …)."""

    slug = models.SlugField(verbose_name=_("slug"), unique=True, allow_unicode=True)
    name_zh = models.CharField(verbose_name=_("Chinese name"), max_length=100)
    name_en = models.CharField(verbose_name=_("English name"), max_length=100)
    position = models.PositiveSmallIntegerField(verbose_name=_("position"), default=100)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["position", "slug"]

    def __str__(self):
        return self.name_zh if self.name_zh == self.name_en else f"{self.name_zh} / {self.name_en}"


class TopicAlias(models.Model):
    """A name sources give a topic ("LLM应用", "大模型应用", "Agents") → one of the site's topics.

    The one table from a digest's categories to topics: the import looks a
    category up here first, then among topics' slugs and names; a category
    found nowhere becomes a new topic, listed here so editors can point it at
    another topic instead.
    """

    name = models.CharField(verbose_name=_("category name"), max_length=100, unique=True, help_text=_("The category as sources write it (any case)."))
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        verbose_name = _("topic alias")
        verbose_name_plural = _("topic aliases")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} → {self.topic.slug}"


class Author(models.Model):
    name = models.CharField(verbose_name=_("name"), max_length=300)
    slug = models.SlugField(verbose_name=_("slug"), max_length=300, unique=True, allow_unicode=True)

    class Meta:
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        ordering = ["name"]
        indexes = [
            # The author index lists authors by name, a page at a time ...
            models.Index(fields=["name", "id"], name="papers_author_name"),
            # ... and finds them by any part of the name (icontains): trigrams, on PostgreSQL.
            PostgresGinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="papers_author_name_trgm"),
        ]

    def __str__(self):
        return self.name


class OnSite(Expression):
    """The papers' ``on_site`` column as a condition: PostgreSQL's copy of "the entry is published" (migration 0037).

    The column is the database's, kept by triggers on the entries, and not a
    model field, so that no save from a stale copy of a paper can undo a
    publish; this expression names it in whatever alias the papers' table has
    in the query (a subquery's papers are ``U0``).
    """
    conditional = True
    output_field = BooleanField()

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name_unless_alias(compiler.query.base_table)}.on_site", []


class PaperQuerySet(models.QuerySet):
    def published(self):
        """What readers may see: papers whose entry is published."""
        return self.filter(paper_published())

    def searchable(self):
        """What the public search looks through: ``published()``, read from the paper row's own flag.

        A common word's search walks the papers newest first until enough
        match (``papers.site.search``).  With the published fact on the entry
        only, that walk read the search vector of every draft on its way, and
        the desk's newest papers are its drafts; the paper row's ``on_site``
        (PostgreSQL) lets it follow the published papers' own partial index.
        """
        if connections[self.db].vendor != "postgresql":
            return self.published()
        # The flag alone: joining the entries as well cost an index probe per match (a rare word's
        # 900 matches: 7.5 ms of SQL with the join, 0.7 without).
        return self.filter(OnSite())

    def latest_first(self):
        """Papers in the order their entries went live, the latest first (the home page, the feeds).

        Papers that went live at one moment — a publish action's, an import's —
        keep the order they were imported in: a digest's own order.  Both keys
        are in the ``summary_published_latest`` index, so the first page is read
        from it: with ties broken by the arXiv id, a column of the paper,
        PostgreSQL sorted every published entry (4–5 s at a million papers).
        """
        return self.order_by("-summary__published_at", "pk")

    def for_cards(self):
        """What an entry card shows (``papers.site.fragments.attach_cards`` adds the authors), and nothing else.

        The unused columns are most of a row's bytes, and authors come as
        plain (name, slug) pairs: a model instance per authorship and author
        cost more than rendering a cached card.
        """
        return self.select_related("summary", "topic").defer(*CARD_UNUSED_FIELDS)

    def listed_as_cards(self):
        """A list of papers shown as their cards (``attach_cards`` makes them): their ids, no text.

        The cards come from the cache, or from their own read when rendered;
        the list's rows are only the papers' places in it.
        """
        return self.only("arxiv_id")

    def for_feeds(self):
        """A feed item's columns as a row (``FEED_FIELDS``; authors: ``attach_authors``), and nothing a card shows.

        Rows, not model instances: three instances an item (paper, entry,
        topic) cost a 50-item feed 4.3 ms of CPU where the rows cost 2.
        """
        return self.values_list(*FEED_FIELDS)

    def related_to(self, paper: Paper, limit: int = 5, *, author_ids: list[int] | None = None,
                   tag_ids: list[int] | None = None) -> list[Paper]:
        """Published papers sharing authors, then tags, most shared first; then the newest of its topic.

        Shared authors and tags are counted from the link tables alone, each
        over a bounded number of candidates (the most recently imported papers
        of each author and of each tag, counted for how many authors or tags
        they share), and only the best are checked for being published; equals
        go to the paper imported last.
        Joining first costs what the authors' whole output costs: a paper
        by prolific authors (1,800 authorships) took 54 ms that way, and
        aggregating every paper of a broad tag or topic over 100 ms.
        The links are a fixed query (``PUBLISHED_LINKS``), read from the
        database the router picks whatever ``self`` was bound to.
        """
        if author_ids is None:  # the page passes the ids it has read already
            author_ids = [a.author_id for a in paper.authorships.all()]
        if tag_ids is None:
            tag_ids = [t.pk for t in paper.tags.all()]
        db = connections[self.db]
        if author_ids or tag_ids:
            ranked = (_ranked_in_sql if db.vendor == "postgresql" else _ranked_in_python)(paper.pk, author_ids, tag_ids,
                                                                                          limit, db)
            found = {paper.pk: paper for paper in PUBLISHED_LINKS(ids=ranked)} if ranked else {}
            related = [found[pk] for pk in ranked if pk in found][:limit]
        else:
            related = []
        if len(related) < limit and paper.topic_id:
            related += (_related_links(self).published().filter(topic_id=paper.topic_id)
                        .exclude(pk__in=[paper.pk, *(p.pk for p in related)])
                        .order_by(F("published").desc(nulls_last=True), "-arxiv_id")[: limit - len(related)])
        return related


RELATED_CANDIDATES = 200  # papers per shared author and per shared tag, for the related links


def _related_links(papers: PaperQuerySet) -> PaperQuerySet:
    """Only what a related link shows (its title in either language)."""
    return papers.select_related("summary").only("arxiv_id", "title", "published", "summary__headline_zh",
                                                 "summary__title_zh", "summary__status")


PUBLISHED_LINKS = FixedQuery(lambda ids: _related_links(Paper.objects.published()).filter(pk__in=one_of(ids, "bigint")),
                             ids=list)


def _ranked_in_sql(paper_id: int, author_ids: list[int], tag_ids: list[int], limit: int, db) -> list[int]:
    """The best ``limit`` published candidates, ranked, counted and checked in one PostgreSQL statement.

    Each author's and each tag's newest ``RELATED_CANDIDATES`` papers are read
    from the (author, paper) and (tag, type, object) indexes and counted; the
    candidates (up to a few hundred) are sorted, and only from the best down,
    until ``limit`` pass, checked for being published from the published
    entries' index (index-only: no candidate's row is read, a random read each
    on a cold cache).  Ranking them in Python after fetching every candidate
    was a third of the paper page's CPU at a million papers.
    """
    from django.contrib.contenttypes.models import ContentType
    from taggit.models import TaggedItem

    paper_type = ContentType.objects.db_manager(db.alias).get_for_model(Paper).pk
    with db.cursor() as cursor:
        cursor.execute(
            f"""
            WITH by_author AS (
                SELECT newest.paper_id AS id, count(*) AS n FROM unnest(%(authors)s::bigint[]) AS a(id)
                CROSS JOIN LATERAL (SELECT s.paper_id FROM {Authorship._meta.db_table} AS s
                                    WHERE s.author_id = a.id AND s.paper_id <> %(paper)s
                                    ORDER BY s.paper_id DESC LIMIT %(candidates)s) AS newest
                GROUP BY newest.paper_id ORDER BY n DESC, newest.paper_id DESC LIMIT %(candidates)s
            ), by_tag AS (
                SELECT newest.object_id::bigint AS id, count(*) AS n FROM unnest(%(tags)s::int[]) AS t(id)
                CROSS JOIN LATERAL (SELECT i.object_id FROM {TaggedItem._meta.db_table} AS i
                                    WHERE i.tag_id = t.id AND i.content_type_id = %(type)s AND i.object_id <> %(paper)s
                                    ORDER BY i.object_id DESC LIMIT %(candidates)s) AS newest
                GROUP BY newest.object_id
            ), ranked AS (
                SELECT coalesce(a.id, t.id) AS id, coalesce(a.n, 0) AS by_author, coalesce(t.n, 0) AS by_tag
                FROM by_author AS a FULL JOIN by_tag AS t ON t.id = a.id
                ORDER BY by_author DESC, by_tag DESC, id DESC
                OFFSET 0  -- sorted before the check below, which then stops at the limit
            )
            SELECT r.id FROM ranked AS r
            WHERE EXISTS (SELECT FROM {Summary._meta.db_table} AS e
                          WHERE e.paper_id = r.id AND e.status = '{Status.PUBLISHED.value}')  -- the partial index's own
            ORDER BY r.by_author DESC, r.by_tag DESC, r.id DESC
            LIMIT %(limit)s
            """,
            {"authors": author_ids, "tags": tag_ids, "paper": paper_id, "type": paper_type, "limit": limit,
             "candidates": RELATED_CANDIDATES},
        )
        return [pk for pk, in cursor.fetchall()]


def _ranked_in_python(paper_id: int, author_ids: list[int], tag_ids: list[int], limit: int, db) -> list[int]:
    """The same ranking where there is no LATERAL (SQLite, the demo): every authorship counted, a query per tag,
    then the published among all the candidates; at the demo's size that is nothing.
    """
    from django.contrib.contenttypes.models import ContentType
    from taggit.models import TaggedItem

    by_author = dict(Authorship.objects.using(db.alias).filter(author_id__in=author_ids).exclude(paper_id=paper_id)
                     .values_list("paper_id").annotate(n=Count("paper_id"))
                     .order_by("-n", "-paper_id")[:RELATED_CANDIDATES]) if author_ids else {}
    paper_type = ContentType.objects.db_manager(db.alias).get_for_model(Paper)
    by_tag = Counter()
    for tag_id in tag_ids:
        by_tag.update(TaggedItem.objects.using(db.alias).filter(tag_id=tag_id, content_type=paper_type)
                      .exclude(object_id=paper_id).order_by("-object_id")
                      .values_list("object_id", flat=True)[:RELATED_CANDIDATES])
    ranked = sorted(set(by_author) | set(by_tag), key=lambda pk: (by_author.get(pk, 0), by_tag.get(pk, 0), pk),
                    reverse=True)
    live = set(Paper.objects.using(db.alias).published().filter(pk__in=ranked).order_by().values_list("pk", flat=True))
    return [pk for pk in ranked if pk in live][:limit]


# Loaded for pages, never shown on an entry card (papers/site/fragments.py, templates/papers/includes/entry.html).
CARD_UNUSED_FIELDS = (
    "search_vector", "comments", "journal_ref", "doi", "license", "figures", "updated", "created_at", "modified_at",
    *(f"summary__{name}" for name in (
        "background", "prior_work", "method", "results", "method_details", "conclusion", "affiliation", "keywords",
        "key_points", "structured_html", "machine_note", "merge_conflicts", "source_change", "created_at", "modified_at",
    )),
)

# What a feed item is made of (papers.site.feeds.FeedItem, in this order): its title, link, description,
# dates, author and category.
FEED_FIELDS = (
    "pk", "arxiv_id", "title", "abstract", "published", "topic__name_en",
    *(f"summary__{name}" for name in ("headline_zh", "title_zh", "tldr", "abstract_zh", "published_at", "modified_at")),
)


class Paper(models.Model):
    """One arXiv paper.  The arXiv id (without version) is its identity everywhere."""

    arxiv_id = models.CharField(verbose_name=_("arXiv id"), max_length=40, unique=True)
    version = models.PositiveSmallIntegerField(verbose_name=_("version"), null=True, blank=True)
    title = models.TextField(verbose_name=_("English title"))
    abstract = models.TextField(verbose_name=_("English abstract"), blank=True)
    comments = models.TextField(verbose_name=_("arXiv comments"), blank=True)
    journal_ref = models.TextField(verbose_name=_("journal reference"), blank=True)
    doi = models.CharField(verbose_name=_("DOI"), max_length=200, blank=True)
    license = models.CharField(verbose_name=_("license"), max_length=200, blank=True)
    categories = models.JSONField(verbose_name=_("arXiv categories"), default=list, blank=True)
    # No index: nothing filters or sorts on it, and every import would keep two (Django adds a LIKE one).
    primary_category = models.CharField(verbose_name=_("primary category"), max_length=40, blank=True)
    published = models.DateField(verbose_name=_("published on arXiv"), null=True, blank=True, db_index=True)
    updated = models.DateField(verbose_name=_("updated on arXiv"), null=True, blank=True)
    code_url = models.URLField(verbose_name=_("code link"), max_length=500, blank=True)
    figures = models.JSONField(verbose_name=_("figures"), default=list, blank=True)
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.SET_NULL, related_name="papers")
    authors = models.ManyToManyField(Author, verbose_name=_("authors"), through="Authorship", related_name="papers")
    tags = TaggableManager(verbose_name=_("tags"), blank=True)
    # PostgreSQL full-text vector (English stemmed + jieba-segmented Chinese),
    # kept by papers.services.search_index.index_papers; unused on SQLite.
    search_vector = SearchVectorField(verbose_name=_("search vector"), null=True, editable=False)
    created_at = models.DateTimeField(verbose_name=_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(verbose_name=_("modified"), auto_now=True)

    objects = PaperQuerySet.as_manager()
    # Earlier texts of the paper: each new arXiv version records the text before and after it
    # (papers.services.versions); a save through the ORM (the admin) records itself.
    history = HistoricalRecords(excluded_fields=["search_vector", "figures", "created_at", "modified_at"])

    def author_names(self) -> list[str]:
        """The authors' names in their order: the prompt's author line, one query written out (the ORM's cost more)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT a.name FROM {Authorship._meta.db_table} s JOIN {Author._meta.db_table} a ON a.id = s.author_id"
                " WHERE s.paper_id = %s ORDER BY s.position", [self.pk],
            )
            return [name for (name,) in cursor.fetchall()]

    class Meta:
        verbose_name = _("paper")
        verbose_name_plural = _("papers")
        ordering = ["-published", "-arxiv_id"]
        # Full-text search (papers.site.search); created by migration 0003, on PostgreSQL only.
        # A small pending list: every search reads all of it (a vector per pending row), and with the
        # default 4 MB a search for a rare word spent more time there than in the index proper.
        # Only papers with a vector: a search (``@@``) never matches one without, and a snapshot import,
        # whose papers have none yet, spent a tenth of the server's time entering NULLs in the index.
        indexes = [PostgresGinIndex(fields=["search_vector"], name="papers_paper_search_gin",
                                    gin_pending_list_limit=SEARCH_PENDING_LIST_KB,
                                    condition=Q(search_vector__isnull=False))]

    def __str__(self):
        return f"{self.arxiv_id}: {self.title[:80]}"

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}" if self.version else self.arxiv_id

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.versioned_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.versioned_id}"

    def ordered_authors(self):
        return [a.author for a in self.authorships.select_related("author").order_by("position")]


class Authorship(models.Model):
    """Keeps the author order of a paper.

    The largest table an import writes (five rows a paper), so it carries as
    little as it can.  No index on ``paper`` of its own: the unique (paper,
    position) index serves every lookup by paper.  No foreign-key constraints
    in the database: PostgreSQL checks those one row at a time, which cost a
    snapshot import as much time as COPYing every paper.  Django still
    cascades deletes through the ORM, and the bulk import checks each batch's
    references in one query (``papers.services.bulk.insert_authorships``).
    """

    pk = models.CompositePrimaryKey("paper", "position")
    paper = models.ForeignKey(
        Paper, verbose_name=_("paper"), on_delete=models.CASCADE, related_name="authorships", db_index=False, db_constraint=False
    )
    author = models.ForeignKey(Author, verbose_name=_("author"), on_delete=models.CASCADE, related_name="authorships",
                               db_constraint=False, db_index=False)
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))

    class Meta:
        verbose_name = _("authorship")
        verbose_name_plural = _("authorships")
        ordering = ["paper", "position"]
        indexes = [
            # An author's papers from the index alone (related papers count them per author, author pages
            # list them): on the author alone each paper id was a random read of the table.
            models.Index(fields=["author", "paper"], name="papers_authorship_author_paper"),
        ]


class PublishedCount(models.Model):
    """How many published papers one topic, tag or author has, for the index pages.

    Counting at read time grouped every published paper (1.5 s for topics,
    3.4 s for tags at a million papers); these rows are kept by
    ``papers.services.published_counts`` wherever the published set or a
    published paper's topic, tags or authors change, and only there (a
    column on ``Topic`` or ``Author`` would be overwritten by any save of a
    copy loaded before an increment).  ``recount_published`` repairs drift.
    Not a positive field: a wrong count must never make a publish fail.
    """

    papers = models.IntegerField(verbose_name=_("published papers"), default=0, editable=False)

    class Meta:
        abstract = True


class TopicCount(PublishedCount):
    topic = models.OneToOneField(Topic, verbose_name=_("topic"), primary_key=True, on_delete=models.CASCADE,
                                 related_name="published_count")

    class Meta:
        verbose_name = _("published papers of a topic")
        verbose_name_plural = _("published papers of topics")


class TagCount(PublishedCount):
    tag = models.OneToOneField("taggit.Tag", verbose_name=_("tag"), primary_key=True, on_delete=models.CASCADE,
                               related_name="published_count")

    class Meta:
        verbose_name = _("published papers of a tag")
        verbose_name_plural = _("published papers of tags")
        # The tag index lists tags by their count, most first.
        indexes = [models.Index(F("papers").desc(), name="papers_tagcount_papers", condition=Q(papers__gt=0))]


class AuthorCount(PublishedCount):
    author = models.OneToOneField(Author, verbose_name=_("author"), primary_key=True, on_delete=models.CASCADE,
                                  related_name="published_count")

    class Meta:
        verbose_name = _("published papers of an author")
        verbose_name_plural = _("published papers of authors")


class Status(models.TextChoices):
    """Workflow states; the transitions between them belong to ``editorial``."""

    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Unpublished")


class SummaryQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def needs_rereview(self):
        """Entries whose paper's English source changed in a new arXiv version since they were published."""
        return self.exclude(source_change={})


class Summary(models.Model):
    """The bilingual, machine-first, human-corrected entry for one paper.

    The text fields listed in ``TEXT_FIELDS`` are the ones a source or a
    machine writes and an editor corrects; the :class:`Generation` pointed to
    by ``generation`` holds what the machine (or the imported source) wrote, so
    a field whose value differs from it has been changed by a person.
    """

    TEXT_FIELDS = summary_fields.TEXT_FIELDS

    class Language(models.TextChoices):
        ZH = "zh", "中文"
        EN = "en", "English"

    paper = models.OneToOneField(Paper, verbose_name=_("paper"), on_delete=models.CASCADE, related_name="summary")
    headline_zh = models.TextField(verbose_name=_("Chinese headline"), blank=True)
    title_zh = models.TextField(verbose_name=_("Chinese title"), blank=True)
    abstract_zh = models.TextField(verbose_name=_("Chinese abstract"), blank=True)
    tldr = models.TextField(verbose_name=_("one-line summary"), blank=True)
    key_points = models.JSONField(verbose_name=_("key points"), default=list, blank=True)
    summary_language = models.CharField(verbose_name=_("language of the summary"), max_length=2, choices=Language.choices, blank=True)
    background = models.TextField(verbose_name=_("background"), blank=True)
    prior_work = models.TextField(verbose_name=_("previous work"), blank=True)
    method = models.TextField(verbose_name=_("method"), blank=True)
    results = models.TextField(verbose_name=_("results"), blank=True)
    method_details = models.TextField(verbose_name=_("method in detail"), blank=True)
    conclusion = models.TextField(verbose_name=_("conclusion"), blank=True)
    affiliation = models.TextField(verbose_name=_("affiliation"), blank=True)
    keywords = models.JSONField(verbose_name=_("keywords"), default=list, blank=True)
    # The structured block as the source gave it, sanitized; and the key points
    # rendered from Markdown once, sanitized (see papers.markup).
    structured_html = models.TextField(verbose_name=_("structured summary (HTML)"), blank=True)
    key_points_html = models.TextField(verbose_name=_("key points (HTML)"), blank=True)
    status = models.CharField(verbose_name=_("state"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(verbose_name=_("published at"), null=True, blank=True)
    publish_at = models.DateTimeField(verbose_name=_("publish at"),
        null=True, blank=True, db_index=True, help_text=_("When approved, go live at this time (scheduled publishing).")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_summaries",
        help_text=_("The reviewer this entry waits for."),
    )
    class MachineState(models.TextChoices):
        OK = "ok", _("Machine text looks plausible")
        NEEDS_TRANSLATION = "needs_translation", _("Needs translation")
        FLAGGED = "flagged", _("Flagged: check the machine text")
        FAILED = "failed", _("Machine summary failed")

    machine_state = models.CharField(verbose_name=_("machine check"), max_length=20, choices=MachineState.choices, blank=True, db_index=True)
    machine_note = models.TextField(verbose_name=_("machine note"), blank=True, help_text=_("Why the machine text was flagged or failed."))
    # field → {"base", "ours", "theirs"}: new machine text that clashes with an editor's change.
    merge_conflicts = models.JSONField(verbose_name=_("clashes with new machine text"), default=dict, blank=True)
    # Set when arXiv replaced the paper after this entry was published and its title or abstract changed:
    # {"reviewed_version", "version", "title": [reviewed, new], "abstract": [reviewed, new]} (changed fields
    # only). The entry needs re-review; readers keep the reviewed text. Emptied when it is re-reviewed.
    source_change = models.JSONField(verbose_name=_("arXiv source change"), default=dict, blank=True, editable=False)
    # Bumped on every text save: a form that started from an older revision is stale.
    revision = models.PositiveIntegerField(verbose_name=_("revision"), default=0, editable=False)
    generation = models.ForeignKey(
        "Generation", verbose_name=_("machine text from"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("The machine or source text this entry started from."),
    )
    created_at = models.DateTimeField(verbose_name=_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(verbose_name=_("modified"), auto_now=True)

    objects = SummaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("summary")
        verbose_name_plural = _("summaries")
        indexes = [
            # The few entries that need re-review (``needs_rereview``), found without reading every entry.
            PostgresOnlyIndex(fields=["modified_at"], condition=~Q(source_change={}), name="summary_source_changed"),
            # The desk's queues, oldest first per state (``editorial.dashboard``), without sorting a state's entries.
            models.Index(fields=["status", "modified_at"], name="summary_status_modified"),
            # What readers may see, as the index pages count it: the published entries' papers, read from
            # the index alone (no table rows) when they are joined to papers or authorships.
            models.Index(fields=["paper"], condition=Q(status="published"), name="papers_summary_published"),
            # The latest published first (``PaperQuerySet.latest_first``): the home page and the feeds.
            models.Index(F("published_at").desc(), F("paper"), condition=Q(status="published"),
                         name="summary_published_latest"),
        ]

    def __str__(self):
        return self.headline_zh or self.title_zh or self.paper.title

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or set(update_fields) & set(self.TEXT_FIELDS):
            # Key points are Markdown ("**CheXagent** is …"): render once, sanitized.
            self.key_points_html = key_points_html(self.key_points or [])
            # A text change makes forms opened before it stale; a state change does not.
            # Counted from the stored row, so a revert (saved from an old copy) still moves forward.
            stored = Summary.objects.filter(pk=self.pk).values_list("revision", flat=True).first() if self.pk else None
            self.revision = (stored if stored is not None else self.revision) + 1
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "key_points_html", "revision", "modified_at"}
        super().save(*args, **kwargs)

    def text_values(self) -> dict:
        return {name: getattr(self, name) for name in self.TEXT_FIELDS}

    def edited_fields(self) -> set[str]:
        """Fields whose current text differs from the machine/source text."""
        base = self.generation.output if self.generation_id else {}
        return {name for name, value in self.text_values().items() if name in base and base[name] != value}


class Generation(models.Model):
    """What produced a Summary's text: an imported source or a summarizer backend."""

    class Kind(models.TextChoices):
        SOURCE = "source", _("Imported source")
        BACKEND = "backend", _("Summarizer backend")

    summary = models.ForeignKey(Summary, verbose_name=_("summary"), on_delete=models.CASCADE, related_name="generations")
    kind = models.CharField(verbose_name=_("kind"), max_length=10, choices=Kind.choices)
    backend = models.CharField(verbose_name=_("backend"), max_length=100, help_text=_("Backend name, or the import format."))
    model = models.CharField(verbose_name=_("model"), max_length=200, blank=True)
    prompt_version = models.CharField(verbose_name=_("prompt version"), max_length=50, blank=True)
    source = models.TextField(verbose_name=_("source"), blank=True, help_text=_("File or URL the text came from."))
    output = models.JSONField(verbose_name=_("output"), default=dict, help_text=_("The text fields as produced."))
    raw_output = models.TextField(verbose_name=_("raw output"), blank=True)
    # What was asked (hash of paper version + prompt version + model): never pay twice for it.
    input_hash = models.CharField(verbose_name=_("input hash"), max_length=64, blank=True, db_index=True)
    error = models.TextField(verbose_name=_("error"), blank=True, help_text=_("Why this call produced no usable text."))
    tokens_in = models.PositiveIntegerField(verbose_name=_("input tokens"), null=True, blank=True)
    tokens_out = models.PositiveIntegerField(verbose_name=_("output tokens"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(verbose_name=_("latency (ms)"), null=True, blank=True)
    cost_usd = models.DecimalField(verbose_name=_("cost (USD)"), max_digits=10, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("generation")
        verbose_name_plural = _("generations")
        ordering = ["-created_at", "-id"]
        # The desk's backend and model filters list their values by skipping through these.
        indexes = [models.Index(fields=["backend"], name="generation_backend"),
                   models.Index(fields=["model"], name="generation_model")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.backend} {self.model}".strip()


class DigestQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def with_size(self):
        """Each digest's ``size``: how many of its entries readers see."""
        return self.annotate(size=Count("entries", filter=paper_published("entries__paper")))

    def latest_per_topic(self):
        """The newest published digest of each topic (and of all topics)."""
        published = self.published()
        newest = published.filter(topic=OuterRef("topic")).order_by("-date").values("pk")[:1]
        newest_all = published.filter(topic__isnull=True).order_by("-date").values("pk")[:1]
        return (
            published.filter(Q(pk=Subquery(newest)) | Q(pk=Subquery(newest_all)))
            .select_related("topic")
            .order_by("-date", "topic__position")
        )


class Digest(models.Model):
    """One day's issue, for one topic or (topic empty) for every topic."""

    date = models.DateField(verbose_name=_("date"), db_index=True)
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.PROTECT, related_name="digests")
    title = models.CharField(verbose_name=_("title"), max_length=300, blank=True)
    description = models.TextField(verbose_name=_("description"), blank=True)
    source = models.TextField(verbose_name=_("source"), blank=True)
    status = models.CharField(verbose_name=_("state"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(verbose_name=_("published at"), null=True, blank=True)
    publish_at = models.DateTimeField(verbose_name=_("publish at"),
        null=True, blank=True, db_index=True, help_text=_("When approved, go live at this time (scheduled publishing).")
    )
    papers = models.ManyToManyField(Paper, verbose_name=_("papers"), through="DigestEntry", related_name="digests")
    created_at = models.DateTimeField(verbose_name=_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(verbose_name=_("modified"), auto_now=True)

    objects = DigestQuerySet.as_manager()

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        ordering = ["-date", "topic__position"]
        constraints = [
            models.UniqueConstraint(fields=["date", "topic"], name="digest_unique_date_topic"),
            # NULLs are distinct in a unique index, so the all-topics digest needs its own.
            models.UniqueConstraint(fields=["date"], condition=Q(topic__isnull=True), name="digest_unique_date_all"),
        ]

    def __str__(self):
        topic = self.topic or _("all topics")
        return f"{self.date:%Y-%m-%d} {topic}"


class DigestEntryQuerySet(models.QuerySet):
    def published(self):
        """Entries readers may see: their paper is published (the digest's own state is the caller's filter)."""
        return self.filter(paper_published("paper"))


class DigestEntry(models.Model):
    digest = models.ForeignKey(Digest, verbose_name=_("digest"), on_delete=models.CASCADE, related_name="entries")
    paper = models.ForeignKey(Paper, verbose_name=_("paper"), on_delete=models.CASCADE, related_name="digest_entries")
    position = models.PositiveIntegerField(verbose_name=_("position"))

    objects = DigestEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("digest entry")
        verbose_name_plural = _("digest entries")
        ordering = ["digest", "position"]
        constraints = [models.UniqueConstraint(fields=["digest", "paper"], name="digest_entry_unique_paper")]

    def __str__(self):
        return f"{self.position}. {self.paper.arxiv_id}"


class ImportBatch(models.Model):
    """One run of an import: what it read, what it did, and what went wrong."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        DONE_WITH_ERRORS = "done_with_errors", _("Done with errors")
        FAILED = "failed", _("Failed")
        INTERRUPTED = "interrupted", _("Interrupted: its process is gone")

    source = models.TextField(verbose_name=_("source"))
    format = models.CharField(verbose_name=_("format"), max_length=30, blank=True)
    started_by = models.CharField(verbose_name=_("started by"), max_length=150, blank=True)
    state = models.CharField(verbose_name=_("state"), max_length=20, choices=State.choices, default=State.RUNNING)
    dry_run = models.BooleanField(verbose_name=_("dry run"), default=False)
    started_at = models.DateTimeField(verbose_name=_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(verbose_name=_("finished"), null=True, blank=True)
    processed = models.PositiveIntegerField(verbose_name=_("processed"), default=0)
    created = models.PositiveIntegerField(verbose_name=_("created"), default=0)
    updated = models.PositiveIntegerField(verbose_name=_("updated"), default=0)
    unchanged = models.PositiveIntegerField(verbose_name=_("unchanged"), default=0)
    failed = models.PositiveIntegerField(verbose_name=_("failed"), default=0)
    files = models.JSONField(verbose_name=_("files"), default=list, blank=True, help_text=_("Per-file counts: file, format, created, updated, unchanged, failed."))
    # Who runs it and when it last wrote: a running batch whose process is gone is marked interrupted
    # (papers.services.batches), never left running forever.
    host = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    pid_started = models.BigIntegerField(_("process start"), null=True, blank=True, help_text=_("The process's start, in clock ticks since boot (Linux)."))
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-started_at"]

    def __str__(self):
        return f"#{self.pk} {self.format or '?'} {self.source[:60]}"


class RecordError(models.Model):
    """A record that failed (or a warning about one), with where it was."""

    class Level(models.TextChoices):
        ERROR = "error", _("Error")
        WARNING = "warning", _("Warning")
        NOTE = "note", _("Note")  # about a whole file, not a failure ("index file, no papers")

    batch = models.ForeignKey(ImportBatch, verbose_name=_("import batch"), on_delete=models.CASCADE, related_name="errors")
    level = models.CharField(verbose_name=_("level"), max_length=10, choices=Level.choices, default=Level.ERROR)
    file = models.TextField(verbose_name=_("file"))
    line = models.PositiveIntegerField(verbose_name=_("line"), null=True, blank=True)
    arxiv_id = models.CharField(verbose_name=_("arXiv id"), max_length=40, blank=True)
    reason = models.TextField(verbose_name=_("reason"))

    class Meta:
        verbose_name = _("record error")
        verbose_name_plural = _("record errors")
        ordering = ["batch", "id"]

    def __str__(self):
        return f"{self.file}:{self.line or '?'}: {self.reason}"


class GlossaryTerm(models.Model):
    """How the desk translates a term: used in LLM prompts and checked on the review screen."""

    term_en = models.CharField(verbose_name=_("English term"), max_length=200, unique=True)
    term_zh = models.CharField(verbose_name=_("Chinese translation"), max_length=200)
    variants = models.JSONField(verbose_name=_("variants"), default=list, blank=True, help_text=_("Other Chinese renderings that are also fine."))
    note = models.CharField(verbose_name=_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary terms")
        ordering = ["term_en"]

    def __str__(self):
        return f"{self.term_en} → {self.term_zh}"

    @property
    def accepted(self) -> list[str]:
        return [self.term_zh, *self.variants]


class ErrorReport(models.Model):
    """A reader's report that something on a published entry is wrong: a task for the desk.

    Readers report without an account, so a report holds nothing about who
    sent it (not even the address; the rate limit counts that in the cache).
    The same complaint sent again — same entry, kind and comment once
    normalized — is folded into the open report (``count``) instead of
    queueing twice.  Assigning a report goes through
    ``papers.services.transitions``, like every assignment; resolving it
    records who fixed it, when, with a note and the entry's fields the fix
    changed.
    """

    class Kind(models.TextChoices):
        TRANSLATION = "translation", _("Translation")
        SUMMARY = "summary", pgettext_lazy("what a reader reports as wrong", "Summary")
        METADATA = "metadata", _("Metadata (title, authors, links …)")
        OTHER = "other", _("Other")

    COMMENT_MAX = 1000  # characters; readers' comments are plain text and short

    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="error_reports",
                                verbose_name=_("entry"))
    kind = models.CharField(_("what is wrong"), max_length=20, choices=Kind.choices)
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX, blank=True)
    # SHA-256 of the normalized comment: reports that say the same thing fold together.
    fingerprint = models.CharField(_("fingerprint"), max_length=64, editable=False)
    count = models.PositiveIntegerField(_("times reported"), default=1)
    first_reported_at = models.DateTimeField(_("first reported"), auto_now_add=True, db_index=True)
    last_reported_at = models.DateTimeField(_("last reported"), auto_now_add=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_error_reports", verbose_name=_("assignee"),
                                 help_text=_("Who on the desk looks into this report."))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, db_index=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="resolved_error_reports", verbose_name=_("resolved by"))
    resolution_note = models.TextField(_("resolution note"), blank=True)
    fields_changed = models.JSONField(_("fields changed"), default=list, blank=True,
                                      help_text=_("The entry's fields that changed between the report and its resolution."))

    class Meta:
        ordering = ["resolved_at", "-last_reported_at", "-id"]
        verbose_name = _("error report")
        verbose_name_plural = _("error reports")
        constraints = [
            # One open report per complaint: a repeat folds into it (and the rule holds under concurrent posts).
            models.UniqueConstraint(fields=["summary", "kind", "fingerprint"], condition=Q(resolved_at__isnull=True),
                                    name="error_report_one_open_per_complaint"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.summary.paper.arxiv_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Correction(models.Model):
    """Text of a published entry that changed after readers had seen it: shown as "corrected on" on its page.

    Recorded by the desk, which keeps the entry's history, when an entry is
    published again with text that differs from what was published before.
    """

    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="corrections",
                                verbose_name=_("entry"))
    corrected_at = models.DateTimeField(_("corrected on"))
    fields = models.JSONField(_("fields changed"), default=list)

    class Meta:
        ordering = ["-corrected_at", "-id"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self):
        return f"{self.summary_id} {self.corrected_at:%Y-%m-%d}: {', '.join(self.fields)}"

    def field_labels(self) -> list[str]:
        return [str(Summary._meta.get_field(name).verbose_name) for name in self.fields
                if name in Summary.TEXT_FIELDS]


class FetchDayQuerySet(models.QuerySet):
    @staticmethod
    def _published_count() -> Count:
        return Count("items", filter=Q(items__outcome=FetchDayItem.Outcome.SELECTED,
                                       items__paper__summary__status=Status.PUBLISHED))

    def with_published(self):
        """``published`` of ``with_counts`` alone: a digest page's coverage line needs no other (the rest cost 2 ms)."""
        return self.annotate(published=self._published_count())

    def with_counts(self):
        """Each day's ledger in numbers, in one aggregate query over its items and their entries.

        ``imported`` the announced papers that landed; of the day's selected
        papers, ``summarized`` (a machine summary that did not fail),
        ``waiting`` (summarized, not yet published), ``published`` and
        ``summary_failed``; and the papers excluded, by reason.
        """
        outcome = FetchDayItem.Outcome
        selected = Q(items__outcome=outcome.SELECTED)
        summarized = Q(items__paper__summary__isnull=False) & ~Q(
            items__paper__summary__machine_state=Summary.MachineState.FAILED)
        published = Q(items__paper__summary__status=Status.PUBLISHED)
        return self.annotate(
            imported=Count("items", filter=Q(items__paper__isnull=False)),
            selected=Count("items", filter=selected),
            summarized=Count("items", filter=selected & summarized),
            waiting=Count("items", filter=selected & summarized & ~published),
            published=self._published_count(),
            summary_failed=Count("items", filter=selected & Q(
                items__paper__summary__machine_state=Summary.MachineState.FAILED)),
            not_selected=Count("items", filter=Q(items__outcome=outcome.NOT_SELECTED)),
            duplicates=Count("items", filter=Q(items__outcome=outcome.DUPLICATE)),
            import_failed=Count("items", filter=Q(items__outcome=outcome.FAILED)),
        )


class FetchDay(models.Model):
    """The ledger of one announcement day in one arXiv category: what arXiv announced and what became of it.

    Written by the announcement fetch (``papers.services.ledger``), one row per
    day and category, tried again until it succeeds: a failed day stays
    failed, loudly, and is never taken for a quiet one (a weekend or a holiday
    in the feed's ``skipDays``).
    """

    class State(models.TextChoices):
        FETCHED = "fetched", _("Fetched")
        QUIET = "quiet", _("Quiet: arXiv announces nothing on this day")
        FAILED = "failed", _("Failed: the day's announcements were not read")

    day = models.DateField(_("day"))
    category = models.CharField(_("arXiv category"), max_length=40)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    announced = models.JSONField(_("announced"), default=dict, blank=True, help_text=_("Items by announce type: new, cross, replace, replace-cross."))
    selection = models.TextField(_("selection rule"), blank=True, help_text=_("The rule that chose the day's papers (ARXIV_SELECT) when fetched."))
    error = models.TextField(_("error"), blank=True, help_text=_("Why the last attempt failed."))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    batch = models.ForeignKey(ImportBatch, verbose_name=_("import batch"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              help_text=_("The last attempt's import batch."))
    first_attempt_at = models.DateTimeField(_("first attempt"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    fetched_at = models.DateTimeField(_("fetched"), null=True, blank=True, help_text=_("When an attempt last succeeded."))

    objects = FetchDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("fetch day")
        verbose_name_plural = _("fetch days")
        ordering = ["-day", "category"]
        constraints = [models.UniqueConstraint(fields=["day", "category"], name="fetch_day_unique_day_category")]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.category}"

    @property
    def day_papers_announced(self) -> int:
        """New and cross-listed papers: the ones that could be the day's."""
        return sum(self.announced.get(kind, 0) for kind in ("new", "cross"))


class FetchDayItem(models.Model):
    """One new or cross-listed paper of a fetch day, and whether it became one of the day's."""

    class Outcome(models.TextChoices):
        SELECTED = "selected", _("In the day's digest")
        NOT_SELECTED = "not_selected", _("Excluded: not in the site's topics")
        DUPLICATE = "duplicate", _("Excluded: duplicate")
        FAILED = "failed", _("Excluded: the import failed")

    fetch_day = models.ForeignKey(FetchDay, verbose_name=_("fetch day"), on_delete=models.CASCADE, related_name="items")
    arxiv_id = models.CharField(_("arXiv id"), max_length=40)
    announce_type = models.CharField(_("announce type"), max_length=20)
    paper = models.ForeignKey(Paper, verbose_name=_("paper"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("fetch day paper")
        verbose_name_plural = _("fetch day papers")
        ordering = ["fetch_day", "id"]
        constraints = [models.UniqueConstraint(fields=["fetch_day", "arxiv_id"], name="fetch_day_item_unique_paper")]

    def __str__(self):
        return f"{self.arxiv_id} ({self.announce_type}): {self.get_outcome_display()}"
