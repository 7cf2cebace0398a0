"""Virus Lab at scale.

1. Intake throughput: `store_stream` (MD5 + SHA-1 + SHA-256 + SHA-512 while writing to the blob store, with
   fsync and rename) on a 32 MB file, against `sha256sum` of the same file in the same run. Target: >= 0.5x.
2. Hash search on PostgreSQL (database bench_viruslab, one schema per size: samples_10000, samples_2000000):
   the console's search condition for each hash type, timed per query (median over random existing samples),
   plus the whole console search page in-process. The sizes are measured interleaved, query by query, so a
   busy machine slows both alike. Target: the 2M figure <= 1.3x the 10k figure.

    .venv/bin/python -m bench.viruslab                          # 32 MB, 10k and 2M samples (builds ~5 min)
    .venv/bin/python -m bench.viruslab --reuse                  # keep the schemas built by an earlier run
    .venv/bin/python -m bench.viruslab --sizes 10000 200000     # a quicker run
    .venv/bin/python -m bench.viruslab --size-mb 4 --runs 1 --sizes 1000 2000 --queries 20 --drop-schemas  # a check

The analysis pipeline (Submit flat in file size and rules, the worker against the yara CLI, compiles per version)
is measured by bench/viruslab_pipeline.py; YARA matching alone by bench/yara_scan.py.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from backoffice import create_app
from backoffice.extensions import db
from backoffice.models import Sample, StaffUser
from backoffice.security import hash_password
from backoffice.services.viruslab.queries import hash_condition
from backoffice.storage import store_stream
from bench import pg
from bench.report import markdown_table

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "bench_viruslab"
MB = 1024 * 1024
HASHES = ("md5", "sha1", "sha256", "sha512")
WARM_UP = 50
ANALYST = ("bench-analyst@example.com", "bench-pass-1")
ROW_POSITION = {"sha256": 0, "md5": 1, "sha1": 2, "sha512": 3}  # where sample_rows puts each hash


def best_of(runs: int, action, before=lambda: None) -> float:
    timings = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return min(timings)


def intake_throughput(size_mb: int, runs: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-viruslab-") as workdir:
        path = os.path.join(workdir, "sample.bin")
        with open(path, "wb") as out:
            out.write(os.urandom(size_mb * MB))
        storage = os.path.join(workdir, "storage")
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": "sqlite://", "STORAGE_DIR": storage})

        def store():
            with app.app_context(), open(path, "rb") as source:
                store_stream(source, max_bytes=size_mb * MB)

        def fresh_store():  # untimed: each run writes the blob anew instead of taking the dedupe shortcut
            shutil.rmtree(os.path.join(storage, "blobs"), ignore_errors=True)

        def sha256sum():
            subprocess.run(["sha256sum", path], check=True, capture_output=True)

        ours = best_of(runs, store, before=fresh_store)
        reference = best_of(runs, sha256sum)
    return {"size_mb": size_mb, "store_mb_s": size_mb / ours, "sha256sum_mb_s": size_mb / reference,
            "ratio": (size_mb / ours) / (size_mb / reference)}


def database_url(size: int, reuse: bool) -> str:
    """The URL of schema samples_<size> in the bench database (created; emptied unless `reuse`)."""
    if not pg.database_exists(ADMIN_URL, DATABASE):
        pg.create_database(ADMIN_URL, DATABASE)
    url = make_url(pg.database_url(ADMIN_URL, DATABASE))
    schema = f"samples_{size}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not reuse:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        # extensions are per database: keep them in public, which every schema's search path includes
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    engine.dispose()
    search_path = f"-csearch_path={schema},public"
    return url.update_query_dict({"options": search_path}).render_as_string(hide_password=False)


def drop_schemas(apps: dict) -> None:
    """Drop this run's schemas, and the bench database once no schema of samples is left in it."""
    for app in apps.values():
        with app.app_context():
            db.engine.dispose()
    engine = create_engine(pg.database_url(ADMIN_URL, DATABASE), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for size in apps:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "samples_{size}" CASCADE'))
        left = connection.scalar(text(r"SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'samples\_%'"))
    engine.dispose()
    if not left:
        pg.drop_database(ADMIN_URL, DATABASE)


def bench_app(url: str):
    return create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                       "STORAGE_DIR": tempfile.mkdtemp(prefix="bench-viruslab-store-"), "CAPTCHA_ENABLED": False,
                       "RATELIMIT_ENABLED": False})


def prepare(app, size: int) -> None:
    """Migrate, add the bench analyst, grow the samples table to `size` rows."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(revision="heads")
        if not db.session.scalar(select(StaffUser.id).where(StaffUser.email == ANALYST[0])):
            db.session.add(StaffUser(email=ANALYST[0], name="Bench", role="analyst",
                                     password_hash=hash_password(ANALYST[1])))
            db.session.commit()
        grow_to(size, progress=lambda line: print(f"{line} (schema samples_{size})"))
        db.session.remove()


def sample_rows(start: int, count: int):
    """Synthetic samples: the hashes of a counter, so they are unique and spread like real ones."""
    now = datetime.now(UTC).isoformat()
    for number in range(start, start + count):
        seed = number.to_bytes(8, "little")
        yield (hashlib.sha256(seed).hexdigest(), hashlib.md5(seed).hexdigest(), hashlib.sha1(seed).hexdigest(),
               hashlib.sha512(seed).hexdigest(), 1000 + number % 50_000, "not_archive", now)


def grow_to(target: int, progress=print) -> None:
    """COPY synthetic samples in until the table holds `target` rows, then ANALYZE."""
    have = db.session.scalar(select(func.count()).select_from(Sample))
    raw = db.session.connection().connection.driver_connection
    batch = 200_000
    while have < target:
        count = min(batch, target - have)
        with raw.cursor() as cursor:
            with cursor.copy("COPY samples (sha256, md5, sha1, sha512, size, archive_state, first_seen_at) "
                             "FROM STDIN") as copy:
                for row in sample_rows(have, count):
                    copy.write_row(row)
        raw.commit()
        have += count
        progress(f"  {have:,} samples")
    db.session.execute(text("ANALYZE samples"))
    db.session.commit()


def time_hash_search(apps: dict, queries: int, rng: random.Random) -> dict:
    """Median milliseconds of the console's search condition per size and hash type, over random existing
    samples, the sizes taking turns query by query (after an untimed warm-up)."""
    timings = {size: {name: [] for name in HASHES} for size in apps}
    for round_number in range(queries + WARM_UP):
        for size, app in apps.items():
            row = next(sample_rows(rng.randrange(size), 1))
            with app.app_context():
                db.session.execute(text("SELECT 1"))  # untimed: the connection checkout and its pre-ping
                for name in HASHES:
                    started = time.perf_counter()
                    found = db.session.scalar(select(Sample.id).where(hash_condition(row[ROW_POSITION[name]])))
                    elapsed = time.perf_counter() - started
                    assert found is not None
                    if round_number >= WARM_UP:
                        timings[size][name].append(elapsed)
    return {size: {name: statistics.median(values) * 1000 for name, values in by_name.items()}
            for size, by_name in timings.items()}


def query_plan(app) -> str:
    with app.app_context():
        return db.session.execute(text("EXPLAIN SELECT id FROM samples WHERE md5 = :h"), {"h": "0" * 32}).scalar()


def time_console_search(apps: dict, requests: int, rng: random.Random) -> dict:
    """Median milliseconds of the console's sample list searched by SHA-256, through the real view in-process."""
    clients = {}
    for size, app in apps.items():
        clients[size] = app.test_client()
        response = clients[size].post("/console/login", data={"email": ANALYST[0], "password": ANALYST[1]})
        assert response.status_code == 302, "bench analyst login failed"
    timings = {size: [] for size in apps}
    for round_number in range(requests + WARM_UP):
        for size, client in clients.items():
            value = next(sample_rows(rng.randrange(size), 1))[0]
            started = time.perf_counter()
            response = client.get("/console/samples/", query_string={"search": value})
            elapsed = time.perf_counter() - started
            assert response.status_code == 200 and value.encode() in response.data
            if round_number >= WARM_UP:
                timings[size].append(elapsed)
    return {size: statistics.median(values) * 1000 for size, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=32)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 2_000_000])
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--reuse", action="store_true", help="keep samples already loaded by an earlier run")
    parser.add_argument("--drop-schemas", action="store_true",
                        help="drop this run's samples_<size> schemas at the end (and bench_viruslab once empty)")
    args = parser.parse_args()

    intake = intake_throughput(args.size_mb, args.runs)
    print(f"intake {intake['size_mb']} MB: store_stream {intake['store_mb_s']:.0f} MB/s, "
          f"sha256sum {intake['sha256sum_mb_s']:.0f} MB/s, ratio {intake['ratio']:.2f}x (target >= 0.5x)")

    apps = {size: bench_app(database_url(size, args.reuse)) for size in sorted(args.sizes)}
    try:
        for size, app in apps.items():
            prepare(app, size)
        rng = random.Random(7)
        search = time_hash_search(apps, args.queries, rng)
        pages = time_console_search(apps, max(args.queries // 4, 20), rng)
        print(f"plan at {max(apps):,}: {query_plan(apps[max(apps)])}")
    finally:
        if args.drop_schemas:
            drop_schemas(apps)

    print()
    print(markdown_table(["samples", "MD5 ms", "SHA-1 ms", "SHA-256 ms", "SHA-512 ms", "console search page ms"],
                         "rrrrrr", [[f"{size:,}", *(f"{search[size][n]:.3f}" for n in HASHES), f"{pages[size]:.1f}"]
                                    for size in apps]))
    small, large = min(apps), max(apps)
    ratios = ", ".join(f"{n} {search[large][n] / search[small][n]:.2f}x" for n in HASHES)
    print(f"\n{large:,} vs {small:,}: {ratios}, console page {pages[large] / pages[small]:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
