"""factory_boy factories: one per model the tests build, with realistic defaults.

A paper made here looks like one of the digests: an arXiv id of February 2024,
an English title and abstract, two authors, a topic; its entry has a Chinese
headline, title and abstract that keep the English abstract's names and
numbers, so it passes every consistency check unless a test breaks it.

Topics, the Editor and Reviewer groups and the glossary come from
migrations: their factories fetch the stored row and add one only for a new
key.  The seed digests stay the real content: tests about them import them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from django.db.models import Max
from django.utils import timezone
from factory.django import DjangoModelFactory, Password

from papers.importers.records import author_slug
from papers.models import (
    Author,
    Authorship,
    Digest,
    DigestEntry,
    ErrorReport,
    FetchDay,
    FetchDayItem,
    Generation,
    GlossaryTerm,
    ImportBatch,
    Paper,
    RecordError,
    Status,
    Summary,
    Topic,
    TopicAlias,
)

# Made-up but plausible papers, each with the entry a careful translator would write.
SAMPLES = (
    {
        "topic": "agent",
        "title": "Chain-of-Tools: Teaching Small Language Models to Plan Multi-Step Tool Calls",
        "abstract": (
            "Small language models struggle to plan tool calls that span several steps. We present "
            "Chain-of-Tools, a training recipe that distils plans from a larger teacher into a "
            "7-billion-parameter student. On ToolBench the student reaches a pass rate of 61.5%, 12.3 points "
            "above the same model trained on single calls. Code and data are released."
        ),
        "headline_zh": "Chain-of-Tools：让小模型学会规划多步工具调用",
        "title_zh": "工具链：教小语言模型规划多步工具调用",
        "abstract_zh": (
            "小语言模型难以规划跨越多个步骤的工具调用。本文提出 Chain-of-Tools，一种把大模型教师的规划"
            "蒸馏给 70 亿参数学生模型的训练方法。在 ToolBench 上，学生模型的通过率达到 61.5%，比只用单次"
            "调用训练的同一模型高 12.3 个百分点。代码和数据均已公开。"
        ),
        "tldr": "把多步工具规划从大模型蒸馏到小模型，ToolBench 通过率提高 12.3 个百分点。",
        "key_points": ["小模型难以规划多步工具调用。", "Chain-of-Tools 从教师模型蒸馏规划。", "ToolBench 通过率达到 61.5%。"],
    },
    {
        "topic": "rag",
        "title": "Retrieval Heads Know When to Stop: Adaptive Retrieval for Long-Context Question Answering",
        "abstract": (
            "Retrieval-augmented generation retrieves a fixed number of passages whatever the question. We show "
            "that a handful of attention heads signal when the retrieved evidence is sufficient, and use them to "
            "stop retrieval early. On NaturalQuestions and HotpotQA our method cuts retrieved tokens by 38% while "
            "keeping accuracy within 0.4 points."
        ),
        "headline_zh": "检索头知道何时停止：面向长上下文问答的自适应检索",
        "title_zh": "检索头知道何时停止：长上下文问答中的自适应检索",
        "abstract_zh": (
            "检索增强生成无论问题如何都检索固定数量的段落。我们发现少数注意力头能够指示检索到的证据是否已经"
            "足够，并据此提前停止检索。在 NaturalQuestions 和 HotpotQA 上，该方法将检索的词元减少 38%，"
            "准确率变化不超过 0.4 个百分点。"
        ),
        "tldr": "用注意力头判断证据是否足够，检索词元减少 38%。",
        "key_points": ["固定数量的检索浪费词元。", "少数注意力头能指示证据是否足够。", "检索词元减少 38%，准确率几乎不变。"],
    },
    {
        "topic": "llm-theory",
        "title": "Scaling Laws for Chinese-English Code-Switching in Instruction Tuning",
        "abstract": (
            "Instruction data for Chinese users often mixes Chinese and English within one sentence. We train 24 "
            "models from 0.5B to 14B parameters on mixtures with 0% to 50% code-switched examples and fit a "
            "scaling law for the share that helps. Beyond 20% the gains vanish at every size. We release "
            "CodeMix-Inst, a 120k-example dataset."
        ),
        "headline_zh": "中英混杂的指令数据，多少才算有益？",
        "title_zh": "指令微调中中英语码转换的缩放定律",
        "abstract_zh": (
            "面向中文用户的指令数据常在一句话里混用中英文。我们在含 0% 到 50% 语码转换样本的混合数据上训练了 "
            "24 个参数量从 5 亿到 140 亿的模型，并拟合了有益比例的缩放定律。超过 20% 后，各个规模的收益都消失了。"
            "我们发布了包含 12 万条样本的 CodeMix-Inst 数据集。"
        ),
        "tldr": "语码转换样本超过 20% 后不再带来收益。",
        "key_points": ["训练了 24 个不同规模的模型。", "有益比例服从缩放定律。", "发布 CodeMix-Inst 数据集。"],
    },
)

GIVEN_NAMES = ("Weiyun", "Yiming", "Haowen", "Tiantong", "Xizhou", "Jiayi", "Yifei", "Hongyu", "Lewei", "Qingyun")
FAMILY_NAMES = ("Wang", "Ren", "Luo", "Li", "Zhu", "Pan", "Zhou", "Chen", "Lu", "Dai")


def author_name(n: int) -> str:
    """A different name for each n: given × family name, then numbered."""
    given, family = GIVEN_NAMES[n % 10], FAMILY_NAMES[n // 10 % 10]
    return f"{given} {family}" if n < 100 else f"{given} {family} {n // 100 + 1}"


def next_position(paper: Paper) -> int:
    last = paper.authorships.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def sample_of(paper: Paper) -> dict | None:
    """The sample a paper was made from, found by its title (None for a title a test chose)."""
    return next((s for s in SAMPLES if s["title"] == paper.title), None)


def entry_text(name: str):
    """An entry's text field: the sample's translation, or a plain Chinese stand-in for another paper."""

    def text(summary):
        sample = sample_of(summary.paper)
        if sample:
            return sample[name]
        if name == "key_points":
            return ["提出了一种新方法。", "在公开基准上优于基线。"]
        return {"headline_zh": f"新论文：{summary.paper.title}", "title_zh": f"新论文：{summary.paper.title}",
                "abstract_zh": f"本文研究“{summary.paper.title}”。", "tldr": "一种新方法，效果优于基线。"}[name]

    return factory.LazyAttribute(text)


class TopicFactory(DjangoModelFactory):
    """A section of the site; the five of the seeds exist after migrating."""

    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    slug = "agent"
    name_zh = factory.LazyAttribute(lambda o: o.slug)
    name_en = factory.LazyAttribute(lambda o: o.slug)
    position = 100


class TopicAliasFactory(DjangoModelFactory):
    """A name sources give a topic (a digest's category) → the topic it stands for."""

    class Meta:
        model = TopicAlias
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"类别{n}")
    topic = factory.SubFactory(TopicFactory)


class AuthorFactory(DjangoModelFactory):
    """An author known by the slug of the name, as imports key them."""

    class Meta:
        model = Author
        django_get_or_create = ("slug",)

    name = factory.Sequence(author_name)
    slug = factory.LazyAttribute(lambda o: author_slug(o.name))


class PaperFactory(DjangoModelFactory):
    """A paper of February 2024 with two authors.

    ``authors``: names or Author rows, in order (``[]`` for none); ``tags``: tag names.
    """

    class Meta:
        model = Paper
        skip_postgeneration_save = True

    class Params:
        sample = factory.Sequence(lambda n: SAMPLES[n % len(SAMPLES)])

    arxiv_id = factory.Sequence(lambda n: f"2402.{n + 1:05d}")
    version = 1
    title = factory.LazyAttribute(lambda o: o.sample["title"])
    abstract = factory.LazyAttribute(lambda o: o.sample["abstract"])
    comments = "12 pages, 4 figures"
    categories = factory.LazyFunction(lambda: ["cs.CL", "cs.AI"])
    primary_category = "cs.CL"
    published = dt.date(2024, 2, 29)
    topic = factory.SubFactory(TopicFactory, slug=factory.LazyAttribute(lambda t: t.factory_parent.sample["topic"]))

    @factory.post_generation
    def authors(paper, create, extracted, **kwargs):
        if not create:
            return
        authors = [AuthorFactory(), AuthorFactory()] if extracted is None else extracted
        for position, author in enumerate(authors):
            if isinstance(author, str):
                author = AuthorFactory(name=author)
            Authorship.objects.create(paper=paper, author=author, position=position)

    @factory.post_generation
    def tags(paper, create, extracted, **kwargs):
        if create and extracted:
            paper.tags.add(*extracted)


class AuthorshipFactory(DjangoModelFactory):
    """An author of a paper, after the ones it has."""

    class Meta:
        model = Authorship

    paper = factory.SubFactory(PaperFactory, authors=[])
    author = factory.SubFactory(AuthorFactory)
    position = factory.LazyAttribute(lambda o: next_position(o.paper))


class SummaryFactory(DjangoModelFactory):
    """A paper's entry, a draft, with the source text it started from as its Generation.

    ``published=True`` makes it a published entry.  ``generation=False``: no
    machine text on record; a Generation passed in becomes the entry's.
    """

    class Meta:
        model = Summary
        skip_postgeneration_save = True

    class Params:
        published = factory.Trait(status=Status.PUBLISHED,
                                  published_at=factory.LazyFunction(timezone.now))

    paper = factory.SubFactory(PaperFactory)
    headline_zh = entry_text("headline_zh")
    title_zh = entry_text("title_zh")
    abstract_zh = entry_text("abstract_zh")
    tldr = entry_text("tldr")
    key_points = entry_text("key_points")
    summary_language = Summary.Language.ZH
    status = Status.DRAFT

    @factory.post_generation
    def generation(summary, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        summary.generation = extracted or GenerationFactory(summary=summary, **kwargs)
        summary.save(update_fields=["generation"])


class GenerationFactory(DjangoModelFactory):
    """The text of an imported digest (``machine=True``: a summarizer backend's call)."""

    class Meta:
        model = Generation

    class Params:
        machine = factory.Trait(
            kind=Generation.Kind.BACKEND, backend="openai", model="gpt-4o-mini", prompt_version="summarize-v1",
            source="", input_hash=factory.Sequence(lambda n: hashlib.sha256(f"input {n}".encode()).hexdigest()),
            raw_output=factory.LazyAttribute(lambda o: str(o.output)), tokens_in=500, tokens_out=300,
            latency_ms=2100, cost_usd=Decimal("0.000255"),
        )

    summary = factory.SubFactory(SummaryFactory, generation=False)
    kind = Generation.Kind.SOURCE
    backend = "digest-md"
    source = "demo/seeds/000_d5c0faa7ab539173.txt"
    output = factory.LazyAttribute(lambda o: o.summary.text_values())


class DigestFactory(DjangoModelFactory):
    """One day's issue for every topic, a draft; ``papers``: its entries, in order."""

    class Meta:
        model = Digest
        skip_postgeneration_save = True

    date = factory.Sequence(lambda n: dt.date(2024, 4, 1) + dt.timedelta(days=n))  # after every seed and fixture
    topic = None
    title = factory.LazyAttribute(lambda o: f"{o.date:%Y-%m-%d} 论文速览")
    description = "大模型、智能体与 RAG 的新论文。"
    status = Status.DRAFT

    @factory.post_generation
    def papers(digest, create, extracted, **kwargs):
        if create and extracted:
            for position, paper in enumerate(extracted, start=1):
                DigestEntry.objects.create(digest=digest, paper=paper, position=position)


class DigestEntryFactory(DjangoModelFactory):
    class Meta:
        model = DigestEntry

    digest = factory.SubFactory(DigestFactory)
    paper = factory.SubFactory(PaperFactory)
    position = factory.LazyAttribute(lambda o: o.digest.entries.count() + 1)


class ImportBatchFactory(DjangoModelFactory):
    """An import of the first seed digest, still running (``done=True``: finished, 28 papers created)."""

    class Meta:
        model = ImportBatch

    class Params:
        done = factory.Trait(state=ImportBatch.State.DONE, finished_at=factory.LazyFunction(timezone.now),
                             processed=28, created=28)

    source = "demo/seeds/000_d5c0faa7ab539173.txt"
    format = "digest-md"
    started_by = "cli"


class RecordErrorFactory(DjangoModelFactory):
    class Meta:
        model = RecordError

    batch = factory.SubFactory(ImportBatchFactory)
    file = factory.LazyAttribute(lambda o: o.batch.source)
    line = 7
    arxiv_id = ""
    reason = "no arXiv link in the headline"


class FetchDayFactory(DjangoModelFactory):
    """A day of cs.CL in the announcement ledger, read (``failed=True``: arXiv could not be reached)."""

    class Meta:
        model = FetchDay

    class Params:
        failed = factory.Trait(state=FetchDay.State.FAILED, announced=factory.LazyFunction(dict),
                               error="cannot fetch: timed out", fetched_at=None)

    day = factory.Sequence(lambda n: dt.date(2024, 3, 4) + dt.timedelta(days=n))
    category = "cs.CL"
    state = FetchDay.State.FETCHED
    announced = factory.LazyFunction(lambda: {"new": 3, "cross": 1, "replace": 2})
    attempts = 1
    last_attempt_at = factory.LazyFunction(timezone.now)
    fetched_at = factory.LazyFunction(timezone.now)


class FetchDayItemFactory(DjangoModelFactory):
    """A new paper of a fetch day, in the day's digest."""

    class Meta:
        model = FetchDayItem

    fetch_day = factory.SubFactory(FetchDayFactory)
    paper = factory.SubFactory(PaperFactory)
    arxiv_id = factory.LazyAttribute(lambda o: o.paper.arxiv_id if o.paper else "2403.99999")
    announce_type = "new"
    outcome = FetchDayItem.Outcome.SELECTED
    reason = ""


class GlossaryTermFactory(DjangoModelFactory):
    class Meta:
        model = GlossaryTerm
        django_get_or_create = ("term_en",)

    term_en = "hallucination"
    term_zh = "幻觉"
    variants = factory.LazyFunction(list)


class ErrorReportFactory(DjangoModelFactory):
    """A reader's open report on a published entry, filed as the public form files it (folded if a repeat)."""

    class Meta:
        model = ErrorReport

    summary = factory.SubFactory(SummaryFactory, published=True)
    kind = ErrorReport.Kind.TRANSLATION
    comment = "摘要里把 MLLMs 写成了 MMLMs。"

    @classmethod
    def _create(cls, model_class, summary, kind, comment, **kwargs):
        from papers.services.error_reports import report_submit

        report, _ = report_submit(summary=summary, kind=kind, comment=comment)
        return report


def roles(*default: str):
    """Post-generation: add the user to these groups (the role names the migrations create)."""

    @factory.post_generation
    def groups(user, create, extracted, **kwargs):
        if create:
            user.groups.add(*(Group.objects.get(name=name) for name in (default if extracted is None else extracted)))

    return groups


class UserFactory(DjangoModelFactory):
    """A staff member of the desk, password ``pw``; ``groups``: role names (Editor, Reviewer)."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@paperdesk.example.org")
    password = Password("pw")
    is_staff = True
    groups = roles()


class EditorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"editor{n}")
    groups = roles("Editor")


class ReviewerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"reviewer{n}")
    groups = roles("Reviewer")


class AdminFactory(UserFactory):
    """A superuser: every permission without a group."""

    username = factory.Sequence(lambda n: f"admin{n}")
    is_superuser = True


def snapshot_author(name: str) -> list[str]:
    """"Weiyun Wang" as the snapshot's authors_parsed writes it: [family, given, suffix]."""
    given, family = name.split(" ", 1)
    return [family, given, ""]


class SnapshotItemFactory(factory.DictFactory):
    """One line of the Kaggle arXiv snapshot (arxiv-metadata-oai-snapshot.json), as a dict."""

    id = factory.Sequence(lambda n: f"2401.{n + 1:05d}")
    title = factory.Sequence(lambda n: SAMPLES[n % len(SAMPLES)]["title"])
    abstract = factory.Sequence(lambda n: SAMPLES[n % len(SAMPLES)]["abstract"])
    authors_parsed = factory.Sequence(lambda n: [snapshot_author(author_name(2 * n)),
                                                 snapshot_author(author_name(2 * n + 1))])
    versions = factory.LazyFunction(lambda: [{"version": "v1", "created": "Mon, 1 Jan 2024 00:00:00 GMT"}])
    categories = "cs.CL"


class SubscriptionFactory(DjangoModelFactory):
    """A confirmed daily subscription to a topic, in Chinese (``confirmed=False``: still waiting for its click)."""

    class Meta:
        model = "subscriptions.Subscription"

    class Params:
        confirmed = True

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    kind = "topic"
    target = "agent"
    language = "zh"
    frequency = "daily"
    confirmed_at = factory.LazyAttribute(lambda o: timezone.now() if o.confirmed else None)
