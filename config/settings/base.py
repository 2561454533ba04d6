"""Settings shared by every environment.

Every value that differs between machines comes from the environment through
``config.env``; the defaults make a fresh clone run with nothing installed but
Python: a SQLite file, no Redis (Celery runs tasks eagerly), the offline
summarizer.
"""
from config.env import BASE_DIR, env

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "taggit",
    "django_filters",
    "papers",
    "simple_history",
    "django_celery_beat",
    "editorial",
    "subscriptions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.replica.ReplicaMiddleware",  # which reads may use DATABASE_REPLICA_URL (a no-op without it)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "papers.site.caching.PageCacheMiddleware",  # cached pages skip everything below (see papers/site/caching.py)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% url %} that remembers the links every page shows (papers/site/reversing.py).
            "builtins": ["papers.templatetags.remembered_urls"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "papers.site.context_processors.navigation",
            ],
        },
    },
]

# PostgreSQL in production; a SQLite file in the project when nothing is set.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    # Parameters bound by the server, and a statement run three times on a connection is prepared:
    # PostgreSQL then skips planning it, about half of what a page's small queries cost it.  Needs
    # persistent connections (CONN_MAX_AGE) to pay off; off for poolers that cannot keep them
    # (PgBouncer in transaction mode before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=3)
SQLITE_OPTIONS = {
    # SQLite has one writer at a time.  A transaction that reads, then writes, is refused at once
    # ("database is locked") when another writer got in between, whatever the timeout; taking the
    # write lock when the transaction begins makes it wait its turn instead, up to the timeout
    # (seconds), so two imports at once (a worker's and a command's) both finish.
    "transaction_mode": "IMMEDIATE",
    "timeout": env.int("SQLITE_TIMEOUT", default=60),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
# A PostgreSQL replica for the public pages' reads (config/replica.py): writes, the desk and a client's
# requests for REPLICA_PIN_SECONDS after it posted read the primary.  Unset: one database.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db("DATABASE_REPLICA_URL"),
        **{key: DATABASES["default"][key] for key in ("CONN_MAX_AGE", "OPTIONS") if key in DATABASES["default"]},
    }
    DATABASE_ROUTERS = ["config.replica.PrimaryReplicaRouter"]
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=10)
REPLICA_PRIMARY_PATHS = ("/admin/",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Permissions in one query per request (editorial.auth_backend); the model backend signs people in.
AUTHENTICATION_BACKENDS = ["editorial.auth_backend.DeskBackend", "django.contrib.auth.backends.ModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The interface speaks Chinese by default and English on request; the choice
# is remembered in a cookie by django.views.i18n.set_language.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.static_storage.StaticFilesStorage"},  # whitenoise's, URLs remembered
}

TAGGIT_CASE_INSENSITIVE = True

# --- Redis and Celery -------------------------------------------------------
# REDIS_URL is optional: without it tasks run eagerly in the calling process.
# The reliability choices are explained in the README ("The pipeline").
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_RESULT_EXPIRES = 60 * 60 * 24
# Our tasks are idempotent, so a task whose worker died is delivered again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=14 * 60)
# Redis redelivers an unacknowledged task after this; longer than any task may run.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60),
    # How many idle polls between scans for such tasks (kombu's default, 10, means ~100 s).
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "papers.fetch_arxiv": {"queue": "fetch"},
    "papers.fetch_announcements": {"queue": "fetch"},
    "papers.retry_announcements": {"queue": "fetch"},
    "papers.import_sources": {"queue": "fetch"},
    "papers.summarize_paper": {"queue": "llm"},
    # Mail waits on an SMTP server, not on arXiv or a model: its own queue, so neither holds up the other.
    "subscriptions.*": {"queue": "mail"},
}
# Schedules live in the database, editable in the admin (Periodic tasks).
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "config.redis_cache.ReusingRedisCache", "LOCATION": REDIS_URL}}
else:
    # Per process; room for a few hundred pages and the entry cards they share (papers/site/fragments.py).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "OPTIONS": {"MAX_ENTRIES": 5000}}}

# Rendered public pages are cached (in Redis when REDIS_URL is set) unless this is off.
PAGE_CACHE = env.bool("PAGE_CACHE", default=True)
# Each web process serves the pages it served lately from its own memory for this many seconds
# without asking the cache (0: always ask); a change made in another process shows within it.
PAGE_LOCAL_SECONDS = env.float("PAGE_LOCAL_SECONDS", default=1.0)
PAGE_LOCAL_BYTES = env.int("PAGE_LOCAL_BYTES", default=32 * 1024 * 1024)

# --- E-mail -------------------------------------------------------------------
# EMAIL_URL (django-environ: smtp://user:password@host:587, smtp+tls://…, smtp+ssl://…, consolemail://)
# sets the backend and the server at once; without it the usual EMAIL_* variables do, and without
# those mail is printed on the console (the demo).
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
    EMAIL_HOST = env("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # seconds; a hung SMTP server fails the send, which is retried
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Paperdesk <noreply@localhost>")
# Links in e-mail are absolute and mail is sent by a worker, with no request to take the host from.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# How long a confirmation link and a "manage my subscriptions" link stay valid, and an unsubscribe link.
SUBSCRIPTION_CONFIRM_MAX_AGE = env.int("SUBSCRIPTION_CONFIRM_MAX_AGE", default=3 * 24 * 60 * 60)
SUBSCRIPTION_MANAGE_MAX_AGE = env.int("SUBSCRIPTION_MANAGE_MAX_AGE", default=24 * 60 * 60)
SUBSCRIPTION_UNSUBSCRIBE_MAX_AGE = env.int("SUBSCRIPTION_UNSUBSCRIBE_MAX_AGE", default=180 * 24 * 60 * 60)
# A send claimed this long ago and not marked sent belongs to a worker that died: it is sent again.
SUBSCRIPTION_SEND_LEASE = env.int("SUBSCRIPTION_SEND_LEASE", default=10 * 60)
SUBSCRIPTION_SEND_RETRIES = env.int("SUBSCRIPTION_SEND_RETRIES", default=8)  # with backoff, up to an hour apart
# The subscribe and "manage" forms, per client address and per e-mail address (django-ratelimit).
SUBSCRIBE_RATE_IP = env("SUBSCRIBE_RATE_IP", default="10/h")
SUBSCRIBE_RATE_EMAIL = env("SUBSCRIBE_RATE_EMAIL", default="3/h")
# (Counted in the default cache: Redis in production, shared by every web process.)  Behind a proxy every
# request comes from the proxy's address: name the header holding the client's, e.g. HTTP_X_REAL_IP.
RATELIMIT_IP_META_KEY = env("RATELIMIT_IP_META_KEY", default=None)

# Readers' error reports (papers/site/reports.py): reports one address may send (django-ratelimit's
# "N/period"), counted in the default cache — Redis in production, shared by every web process.
REPORT_RATE = env("REPORT_RATE", default="10/h")

# --- Summarizer backends ---------------------------------------------------
SUMMARIZER_BACKEND = env("SUMMARIZER_BACKEND", default="offline")  # "offline" or "openai"
SUMMARIZER_MODEL = env("SUMMARIZER_MODEL", default="gpt-4o-mini")
# How the JSON schema is sent: "json_schema" (OpenAI, vLLM, DeepSeek …) or "json_object_schema"
# (llama.cpp's server: {"type": "json_object", "schema": …}); "json_object" sends no schema.
SUMMARIZER_RESPONSE_FORMAT = env("SUMMARIZER_RESPONSE_FORMAT", default="json_schema")
SUMMARIZER_TIMEOUT = env.float("SUMMARIZER_TIMEOUT", default=60.0)  # seconds per call
SUMMARIZER_RPM = env.int("SUMMARIZER_RPM", default=60)  # requests per minute, across all workers
SUMMARIZER_CONCURRENCY = env.int("SUMMARIZER_CONCURRENCY", default=8)  # calls in flight at once, across all workers
SUMMARIZER_MAX_RETRIES = env.int("SUMMARIZER_MAX_RETRIES", default=5)
# Cost estimate, USD per million tokens (input, output); 0 for local models.
SUMMARIZER_PRICE_IN = env.float("SUMMARIZER_PRICE_IN", default=0.15)
SUMMARIZER_PRICE_OUT = env.float("SUMMARIZER_PRICE_OUT", default=0.60)
OPENAI_BASE_URL = env("OPENAI_BASE_URL", default="https://api.openai.com/v1")
OPENAI_API_KEY = env("OPENAI_API_KEY", default="")

# --- Fetching from arXiv ----------------------------------------------------
ARXIV_API_URL = env("ARXIV_API_URL", default="https://export.arxiv.org/api/query")
ARXIV_DELAY_SECONDS = env.float("ARXIV_DELAY_SECONDS", default=3.0)  # arXiv asks for one request every 3 s
ARXIV_PAGE_SIZE = env.int("ARXIV_PAGE_SIZE", default=100)
ARXIV_MAX_RESULTS = env.int("ARXIV_MAX_RESULTS", default=1000)  # per fetch run
# Named arXiv API queries; each periodic "fetch" task names one (kwargs {"query_name": …}).
ARXIV_QUERIES = {
    "default": env(
        "ARXIV_QUERY",
        default='(cat:cs.CL OR cat:cs.AI OR cat:cs.LG) AND (abs:LLM OR abs:"large language model" OR abs:agent '
                'OR abs:"retrieval-augmented" OR abs:RAG)',
    ),
}

# The scheduled fetch reads arXiv's announcement feeds of these categories (space- or comma-separated).
ARXIV_CATEGORIES = env("ARXIV_CATEGORIES", default="cs.CL cs.AI cs.LG").replace(",", " ").replace("+", " ").split()
ARXIV_RSS_URL = env("ARXIV_RSS_URL", default="https://rss.arxiv.org/rss")
# Which announced papers are the day's (put in its digest and summarized), matched on title and abstract;
# empty: every new and cross-listed paper. The others are imported all the same.
ARXIV_SELECT = env(
    "ARXIV_SELECT",
    default=r"\bLLMs?\b|large language model|language agent|\bagents?\b|agentic|retrieval[- ]augment|\bRAG\b",
)
# How the day's page names that rule to readers (plain text); empty: a description of the default rule.
ARXIV_SELECT_LABEL = env("ARXIV_SELECT_LABEL", default="")
ARXIV_BACKFILL_MAX_RESULTS = env.int("ARXIV_BACKFILL_MAX_RESULTS", default=10000)  # per back-filled range

# --- Import -----------------------------------------------------------------
IMPORT_BATCH_SIZE = env.int("IMPORT_BATCH_SIZE", default=2000)
# A running import on another host whose last heartbeat (one per written batch) is older than this is
# marked interrupted; on the import's own host a process that is gone is noticed at once.
IMPORT_STALE_SECONDS = env.int("IMPORT_STALE_SECONDS", default=15 * 60)
IMPORT_USER_AGENT = env(
    "IMPORT_USER_AGENT", default="Paperdesk/0.1 (paper digest importer; +https://github.com/paperdesk)"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
