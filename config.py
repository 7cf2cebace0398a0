"""Configuration: embedded defaults for development, every setting overridable by a BACKOFFICE_* variable.

`load_config()` is the one place that reads the environment. Tests pass a dict to `create_app` instead.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("BACKOFFICE_INSTANCE_DIR", PROJECT_ROOT / "instance"))

MB = 1024 * 1024


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"BACKOFFICE_{name}", default)


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return default if value is None else int(value)


def _development_secret_key() -> str:
    """A random key generated once and kept under instance/, so sessions survive a restart."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Defaults shared by every environment. Each attribute is documented in the README's settings table."""

    ENV_NAME = "development"
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'backoffice.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SECRET_KEY: str | None = None

    # Outgoing mail. With no SMTP host the worker prints each message to the log instead.
    SMTP_HOST: str | None = None
    SMTP_PORT = 25
    SMTP_USER: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = False
    SMTP_TIMEOUT_SECONDS = 10
    MAIL_FROM = "Support <support@example.com>"
    # Message-IDs end in @MAIL_DOMAIN (default: the domain of MAIL_FROM), so replies can be matched to what we sent
    MAIL_DOMAIN: str | None = None
    # replies to ticket mail go to this address with the ticket's signed token after a "+" (support+<token>@...);
    # the default is MAIL_FROM's address. The receiving mailbox must accept plus-addressing.
    MAIL_REPLY_ADDRESS: str | None = None
    # DKIM signing of every outgoing message, by the worker at send time: on when a selector and a key file are set
    # (the key: PEM RSA private key; its public half published as <selector>._domainkey.<domain> TXT)
    DKIM_SELECTOR: str | None = None
    DKIM_DOMAIN: str | None = None  # the d= of the signature; default: the domain of MAIL_FROM
    DKIM_PRIVATE_KEY_PATH: str | None = None
    MAIL_MAX_ATTEMPTS = 8
    MAIL_RETRY_BASE_SECONDS = 30  # backoff: base * 2**(attempt-1), capped below
    MAIL_CLAIM_SECONDS = 300  # a worker's lease on a batch of mail; a dead worker's messages are taken over after it
    # Incoming mail (backoffice mail-fetch over IMAP, backoffice mail-receive over SMTP/LMTP), one intake for both
    MAIL_INTAKE_MAX_BYTES = 25 * 1024 * 1024  # a larger message is refused (SMTP 552; IMAP: kept as headers only)
    MAIL_INTAKE_DEFAULT_TYPE = "general"  # the request type of a new request by mail to an unmapped address
    # receiving address -> request type code, e.g. {"sales@example.com": "presale"}; env: "addr=type,addr=type"
    MAIL_INTAKE_QUEUES: dict = {}
    MAIL_INTAKE_DMARC_FAIL = "review"  # a DMARC "fail" verdict: "review" (staff decide) or "accept"
    # the authserv-id of our receiving MTA's Authentication-Results; only its headers are believed (None: the
    # topmost Authentication-Results header, which the receiving server adds last)
    MAIL_AUTHSERV_ID: str | None = None
    MAIL_AUTO_REPLIES_PER_DAY = 1  # auto-replies one sender address gets in a day (UTC)
    MAIL_INTAKE_MAX_ATTEMPTS = 5
    MAIL_INTAKE_RETRY_BASE_SECONDS = 30
    MAIL_INTAKE_LEASE_SECONDS = 300
    IMAP_HOST: str | None = None
    IMAP_PORT = 993
    IMAP_SECURITY = "tls"  # tls (IMAPS), starttls, or none (loopback tests only)
    IMAP_USER: str | None = None
    IMAP_PASSWORD: str | None = None
    IMAP_CA_FILE: str | None = None  # a CA bundle for a server with a private certificate (default: the system's)
    IMAP_FOLDER = "INBOX"
    IMAP_DONE_FOLDER: str | None = None  # where read messages are moved; unset: they stay, marked \Seen
    IMAP_POLL_SECONDS = 60  # between polls when the server has no IDLE; also the longest IDLE wait
    IMAP_TIMEOUT_SECONDS = 30
    MAIL_RECEIVE_HOST = "127.0.0.1"
    MAIL_RECEIVE_PORT = 2525
    MAIL_RECEIVE_PROTOCOL = "lmtp"  # lmtp (from the MTA's local delivery) or smtp
    # The job queue (`backoffice worker`): every kind backs off base * 2**(attempt-1) seconds, capped here
    JOB_RETRY_MAX_SECONDS = 6 * 3600

    PUBLIC_URL = "http://127.0.0.1:5000"
    STORAGE_DIR = str(INSTANCE_DIR / "storage")

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_STRATEGY = "fixed-window"
    RATELIMIT_HEADERS_ENABLED = True
    STAFF_LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    STAFF_LOCKOUT_FAILURES = 10  # consecutive failures that lock a staff account
    CAPTCHA_ENABLED = True

    # Limits used by later features; every limit lives here.
    MAX_CONTENT_LENGTH = 40 * MB  # whole request body; per-feature limits are smaller
    ATTACHMENT_MAX_BYTES = 2 * MB
    ATTACHMENTS_TOTAL_MAX_BYTES = 10 * MB
    # Support requests (FAQ §12-13)
    TICKET_NUMBER_PREFIX = "TS"  # numbers read TS-2026-000123
    TICKET_REOPEN_DAYS = 30  # a customer may reopen a resolved or closed request this long after it ended
    TICKET_AUTOCLOSE_DAYS = 7  # `backoffice close-resolved` closes requests resolved longer ago than this
    WIZARD_DRAFT_DAYS = 7  # unfinished wizard drafts (and their uploads) are dropped after this
    QUEUE_COUNT_LIMIT = 500  # queue counts in the console are exact up to this, then "more than" it
    SEARCH_WINDOW_IDS = 10_000  # a console text search looks at this many recent ids first, then widens
    FTP_HOST = "127.0.0.1"  # the large-file channel: `backoffice ftp-server`
    FTP_PORT = 2121
    FTP_PUBLIC_URL = "ftp://127.0.0.1:2121"  # shown to customers with their request number as login
    FTP_MAX_BYTES = 2048 * MB  # one file sent over FTP
    # SLA targets in hours, (first response, resolution), per priority; per request type where it differs
    SLA_TARGETS = {
        "default": {"urgent": (1, 8), "high": (4, 24), "normal": (8, 72), "low": (24, 168)},
        "presale": {"urgent": (2, 8), "high": (4, 24), "normal": (8, 48), "low": (24, 96)},
        "suggestion": {"urgent": (24, 720), "high": (24, 720), "normal": (48, 720), "low": (72, 720)},
    }
    SAMPLE_MAX_BYTES = 32 * MB
    # Virus Lab: the password of analysts' downloads, the passwords tried on customers' archives, and archive
    # limits (past any of them an archive is kept whole and flagged)
    SAMPLE_ZIP_PASSWORD = "infected"
    ARCHIVE_PASSWORDS = ["infected"]  # tried in order on customers' encrypted zip, 7z and RAR archives
    ARCHIVE_MAX_MEMBERS = 200
    ARCHIVE_MAX_TOTAL_BYTES = 256 * MB  # unpacked bytes over the whole archive tree
    ARCHIVE_MAX_RATIO = 100  # unpacked / packed size of one member
    ARCHIVE_MAX_DEPTH = 3  # archives inside archives
    TEMPLATES_DIR = str(PROJECT_ROOT / "templates")  # the portal's, the console's, the mails' and the error pages
    SEEDS_DIR = str(PROJECT_ROOT / "seeds")  # the demo data's files (backoffice seed-demo) and shipped rules
    YARA_RULES_DIR = str(PROJECT_ROOT / "seeds" / "yara")
    YARA_TIMEOUT_SECONDS = 60  # one file against the whole rule set; a scan past it is recorded as timed out
    YARA_RULE_MAX_BYTES = 5 * MB  # one analyst's rule source (UTF-8); real rule sets are 1-3 MB
    # Sample analysis, a job: a budget for one submission's scans, always below the lease a worker holds on the job
    # (a run that outlives its lease is taken over, and its result discarded)
    ANALYSIS_BUDGET_SECONDS = 600
    ANALYSIS_LEASE_SECONDS = 1200
    ANALYSIS_MAX_ATTEMPTS = 3
    ANALYSIS_RETRY_BASE_SECONDS = 60
    # Ticket files: each is typed and YARA-scanned by a job (one file: within YARA_TIMEOUT_SECONDS, below the lease)
    FILE_CHECK_MAX_ATTEMPTS = 3
    FILE_CHECK_RETRY_BASE_SECONDS = 30
    FILE_CHECK_LEASE_SECONDS = 300
    # the customer's files on a "Virus disinfection" request go to the Virus Lab as lab requests by themselves
    VIRUSLAB_AUTO_SEND_DISINFECTION = True
    # The REST API (/api/v1): staff personal access tokens, a rate limit per token, webhooks
    API_TOKEN_MAX_DAYS = 365  # the longest life a token can be given
    API_TOKEN_USE_WRITE_SECONDS = 60  # a token's last-used time is written at most this often
    API_RATE_LIMIT = "120 per minute;3000 per hour"  # per token
    API_PAGE_SIZE = 50  # list pages (a client may ask for fewer with ?limit=)
    WEBHOOK_MAX_ATTEMPTS = 20  # with the backoff below, more than the retry window needs
    WEBHOOK_RETRY_BASE_SECONDS = 30  # the n-th retry waits base * 2**(n-1) seconds, capped by JOB_RETRY_MAX_SECONDS
    WEBHOOK_RETRY_HOURS = 24  # a delivery is retried this long after its event, then marked failed
    WEBHOOK_LEASE_SECONDS = 60
    WEBHOOK_TIMEOUT_SECONDS = 10
    # a codes CSV sent through the API is imported by a job (all or nothing, as the console's upload)
    CODE_IMPORT_JOB_MAX_ATTEMPTS = 3
    CODE_IMPORT_JOB_RETRY_BASE_SECONDS = 60
    CODE_IMPORT_JOB_LEASE_SECONDS = 3600
    ACTIVATION_TOKEN_HOURS = 5 * 24
    PASSWORD_RESET_TOKEN_HOURS = 1
    EMAIL_CHANGE_TOKEN_HOURS = 24
    PASSWORD_MIN_LENGTH = 10
    # Customer accounts on the portal
    LEGACY_CLAIM_TOKEN_HOURS = 7 * 24
    CUSTOMER_LOGIN_RATE_LIMIT = "10 per minute;100 per hour"  # per client address
    CUSTOMER_LOGIN_ACCOUNT_RATE_LIMIT = "5 per minute;30 per hour"  # per e-mail address typed
    LOGIN_CAPTCHA_AFTER_FAILURES = 3  # failed sign-ins (per address typed or per client) before the captcha
    LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
    ACCOUNT_MAIL_RATE_LIMIT = "5 per minute;30 per hour"  # registration, reset, claim: forms that send mail
    ACCOUNT_MAILS_PER_ADDRESS_HOUR = 5  # account mails a stranger can make us send to one address in an hour
    CAPTCHA_LENGTH = 6
    # Privacy: the customer's data download (a zip built by a job) and what closing an account does to the
    # tickets and Virus Lab requests it leaves: "anonymise" (kept for statistics, no name, e-mail or link to the
    # person) or "delete". Samples stay either way: a file is not personal data.
    DATA_EXPORT_HOURS = 72  # a ready download can be fetched this long, then its zip is deleted
    DATA_EXPORT_MAX_BYTES = 8 * 1024 * MB
    DATA_EXPORT_MAX_ATTEMPTS = 3
    DATA_EXPORT_RETRY_BASE_SECONDS = 60
    DATA_EXPORT_LEASE_SECONDS = 3600
    ACCOUNT_CLOSE_REQUESTS = "anonymise"
    CAPTCHA_TTL_SECONDS = 10 * 60

    # Activation codes (FAQ §10-11). A transfer is a seat given up by one account and taken by another.
    CODE_TRANSFERS_PER_WINDOW = 3  # transfers per code within the window; support can grant one more
    CODE_TRANSFER_WINDOW_DAYS = 30
    CODE_EXPIRING_SOON_DAYS = 30  # a valid code this close to its end is shown as "expiring" (console, portal)
    CODE_ADD_FAILURES_PER_ACCOUNT = "10 per hour"  # refused "add a code" attempts, counted per customer
    CODE_ADD_FAILURES_PER_IP = "30 per hour"  # and per client address
    CODE_GENERATE_MAX = 100_000  # codes per "generate" request
    CODE_IMPORT_MAX_BYTES = 40 * MB  # console upload of a codes or blacklist CSV (the CLI has no limit)

    # Console lists: exact counts up to this many rows, an estimate (or "more than") beyond it. A list header
    # says "about 12,000" past it: counting 10,000 keys per page view was a third of a list's SQL.
    EXACT_COUNT_LIMIT = 1_000
    CONSOLE_PAGE_SIZE = 50

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600  # seconds; "keep me signed in" on the portal lasts 30 days
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session; forms left open overnight still post
    FLASK_ADMIN_SWATCH = "default"

    SERVE_HOST = "127.0.0.1"
    SERVE_PORT = 5000
    SERVE_WORKERS = 2
    SERVE_THREADS = 8  # gunicorn gthread: a slow client holds one thread, not a whole worker
    BODY_READ_TIMEOUT_SECONDS = 30  # the whole request body must arrive within this (408 otherwise)
    PROXY_HOPS = 0  # reverse proxies in front of gunicorn whose X-Forwarded-For is trusted


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


def load_config() -> dict:
    """The settings for this process: the class defaults with BACKOFFICE_* overrides applied."""
    production = _env("ENV", "development") == "production"
    base = ProductionConfig if production else Config
    config = {key: getattr(base, key) for key in dir(base) if key.isupper()}

    url = _env("DATABASE_URL")
    if url:
        config["SQLALCHEMY_DATABASE_URI"] = url
    secret = _env("SECRET_KEY")
    if secret:
        config["SECRET_KEY"] = secret
    elif production:
        raise RuntimeError("BACKOFFICE_SECRET_KEY must be set when BACKOFFICE_ENV=production")
    else:
        config["SECRET_KEY"] = _development_secret_key()

    for name in ("CODE_ADD_FAILURES_PER_ACCOUNT", "CODE_ADD_FAILURES_PER_IP"):
        config[name] = _env(name, config[name])
    for name in ("SMTP_HOST", "SMTP_USER", "SMTP_PASSWORD", "MAIL_FROM", "MAIL_DOMAIN", "MAIL_REPLY_ADDRESS",
                 "DKIM_SELECTOR", "DKIM_DOMAIN", "DKIM_PRIVATE_KEY_PATH", "PUBLIC_URL", "STORAGE_DIR",
                 "SAMPLE_ZIP_PASSWORD", "YARA_RULES_DIR", "FTP_HOST", "FTP_PUBLIC_URL", "ACCOUNT_CLOSE_REQUESTS"):
        value = _env(name)
        if value is not None:
            config[name] = value
    for name in ("MAIL_INTAKE_DEFAULT_TYPE", "MAIL_INTAKE_DMARC_FAIL", "MAIL_AUTHSERV_ID", "IMAP_HOST",
                 "IMAP_SECURITY", "IMAP_USER", "IMAP_PASSWORD", "IMAP_CA_FILE", "IMAP_FOLDER", "IMAP_DONE_FOLDER",
                 "MAIL_RECEIVE_HOST", "MAIL_RECEIVE_PROTOCOL"):
        value = _env(name)
        if value is not None:
            config[name] = value
    queues = _env("MAIL_INTAKE_QUEUES")  # "sales@example.com=presale,lab@example.com=disinfection"
    config["MAIL_INTAKE_QUEUES"] = dict(config["MAIL_INTAKE_QUEUES"]) if queues is None else {
        address.strip().lower(): code.strip() for address, _, code in
        (pair.partition("=") for pair in queues.split(",") if "=" in pair)}
    passwords = _env("ARCHIVE_PASSWORDS")  # comma-separated; a copy either way, so no app changes the default
    config["ARCHIVE_PASSWORDS"] = list(config["ARCHIVE_PASSWORDS"]) if passwords is None else [
        password for password in passwords.split(",") if password]
    for name in ("CUSTOMER_LOGIN_RATE_LIMIT", "CUSTOMER_LOGIN_ACCOUNT_RATE_LIMIT", "ACCOUNT_MAIL_RATE_LIMIT",
                 "STAFF_LOGIN_RATE_LIMIT"):
        config[name] = _env(name, config[name])
    # one Redis may serve several deployments (or test runs): each counts under its own prefix
    config["RATELIMIT_KEY_PREFIX"] = _env("RATELIMIT_KEY_PREFIX", "backoffice")
    rate_uri = _env("RATELIMIT_STORAGE_URI")
    if rate_uri:
        config["RATELIMIT_STORAGE_URI"] = rate_uri
    for name in (
        "SMTP_PORT",
        "MAIL_MAX_ATTEMPTS",
        "MAIL_RETRY_BASE_SECONDS",
        "MAIL_CLAIM_SECONDS",
        "SMTP_TIMEOUT_SECONDS",
        "ATTACHMENT_MAX_BYTES",
        "ATTACHMENTS_TOTAL_MAX_BYTES",
        "SAMPLE_MAX_BYTES",
        "ARCHIVE_MAX_MEMBERS",
        "ARCHIVE_MAX_TOTAL_BYTES",
        "ARCHIVE_MAX_RATIO",
        "ARCHIVE_MAX_DEPTH",
        "YARA_TIMEOUT_SECONDS",
        "YARA_RULE_MAX_BYTES",
        "ANALYSIS_BUDGET_SECONDS",
        "ANALYSIS_LEASE_SECONDS",
        "ANALYSIS_MAX_ATTEMPTS",
        "ANALYSIS_RETRY_BASE_SECONDS",
        "FILE_CHECK_MAX_ATTEMPTS",
        "FILE_CHECK_RETRY_BASE_SECONDS",
        "FILE_CHECK_LEASE_SECONDS",
        "MAX_CONTENT_LENGTH",
        "ACTIVATION_TOKEN_HOURS",
        "PASSWORD_RESET_TOKEN_HOURS",
        "LEGACY_CLAIM_TOKEN_HOURS",
        "LOGIN_CAPTCHA_AFTER_FAILURES",
        "STAFF_LOCKOUT_FAILURES",
        "SERVE_PORT",
        "SERVE_WORKERS",
        "SERVE_THREADS",
        "ACCOUNT_MAILS_PER_ADDRESS_HOUR",
        "BODY_READ_TIMEOUT_SECONDS",
        "PROXY_HOPS",
        "CODE_TRANSFERS_PER_WINDOW",
        "CODE_TRANSFER_WINDOW_DAYS",
        "CODE_EXPIRING_SOON_DAYS",
        "TICKET_REOPEN_DAYS",
        "TICKET_AUTOCLOSE_DAYS",
        "FTP_PORT",
        "FTP_MAX_BYTES",
        "DATA_EXPORT_HOURS",
        "DATA_EXPORT_MAX_BYTES",
        "DATA_EXPORT_MAX_ATTEMPTS",
        "DATA_EXPORT_RETRY_BASE_SECONDS",
        "DATA_EXPORT_LEASE_SECONDS",
        "MAIL_INTAKE_MAX_BYTES",
        "MAIL_AUTO_REPLIES_PER_DAY",
        "MAIL_INTAKE_MAX_ATTEMPTS",
        "MAIL_INTAKE_RETRY_BASE_SECONDS",
        "MAIL_INTAKE_LEASE_SECONDS",
        "IMAP_PORT",
        "IMAP_POLL_SECONDS",
        "IMAP_TIMEOUT_SECONDS",
        "MAIL_RECEIVE_PORT",
    ):
        config[name] = _env_int(name, config[name])
    if not config["YARA_TIMEOUT_SECONDS"] <= config["ANALYSIS_BUDGET_SECONDS"] < config["ANALYSIS_LEASE_SECONDS"]:
        raise RuntimeError("Virus Lab limits must nest: YARA_TIMEOUT_SECONDS <= ANALYSIS_BUDGET_SECONDS < "
                           "ANALYSIS_LEASE_SECONDS (a scan must end before the worker's lease on its job)")
    if config["ACCOUNT_CLOSE_REQUESTS"] not in ("anonymise", "delete"):
        raise RuntimeError("BACKOFFICE_ACCOUNT_CLOSE_REQUESTS must be 'anonymise' or 'delete'")
    if not config["YARA_TIMEOUT_SECONDS"] < config["FILE_CHECK_LEASE_SECONDS"]:
        raise RuntimeError("FILE_CHECK_LEASE_SECONDS must exceed YARA_TIMEOUT_SECONDS (a ticket file's scan must "
                           "end before the worker's lease on its check)")
    config["API_RATE_LIMIT"] = _env("API_RATE_LIMIT", config["API_RATE_LIMIT"])
    for name in ("API_TOKEN_MAX_DAYS", "WEBHOOK_MAX_ATTEMPTS", "WEBHOOK_RETRY_BASE_SECONDS", "WEBHOOK_RETRY_HOURS",
                 "WEBHOOK_TIMEOUT_SECONDS"):
        config[name] = _env_int(name, config[name])
    if config["MAIL_INTAKE_DMARC_FAIL"] not in ("review", "accept"):
        raise RuntimeError("BACKOFFICE_MAIL_INTAKE_DMARC_FAIL must be 'review' or 'accept'")
    if config["IMAP_SECURITY"] not in ("tls", "starttls", "none"):
        raise RuntimeError("BACKOFFICE_IMAP_SECURITY must be 'tls', 'starttls' or 'none'")
    if config["MAIL_RECEIVE_PROTOCOL"] not in ("lmtp", "smtp"):
        raise RuntimeError("BACKOFFICE_MAIL_RECEIVE_PROTOCOL must be 'lmtp' or 'smtp'")
    config["SMTP_STARTTLS"] = _env_bool("SMTP_STARTTLS", config["SMTP_STARTTLS"])
    config["CAPTCHA_ENABLED"] = _env_bool("CAPTCHA_ENABLED", config["CAPTCHA_ENABLED"])
    config["VIRUSLAB_AUTO_SEND_DISINFECTION"] = _env_bool("VIRUSLAB_AUTO_SEND_DISINFECTION",
                                                          config["VIRUSLAB_AUTO_SEND_DISINFECTION"])
    return config
