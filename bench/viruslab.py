"""Virus Lab at scale.

1. Intake throughput: `store_stream` (MD5 + SHA-1 + SHA-256 + SHA-512 while writing to the blob store, with
   fsync and rename) on a 32 MB file, against `sha256sum` of the same file in the same run. Target: >= 0.5x.
2. Hash search on PostgreSQL (database bench_viruslab): the console's search condition for each hash type, with
   10k samples and then with 2M, timed per query (median of many random existing hashes), plus the whole console
   search page in-process. Target: the 2M figure <= 1.3x the 10k figure.

    .venv/bin/python -m bench.viruslab                          # 32 MB, 10k then 2M samples
    .venv/bin/python -m bench.viruslab --sizes 10000 200000     # a quicker run
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

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "bench_viruslab"
MB = 1024 * 1024
HASHES = ("md5", "sha1", "sha256", "sha512")
WARM_UP = 50
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


def database_url() -> str:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return make_url(ADMIN_URL).set(database=DATABASE).render_as_string(hide_password=False)


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


def time_hash_search(total: int, queries: int, rng: random.Random) -> dict:
    """Median milliseconds of the console's search condition per hash type, over random existing samples
    (after an untimed warm-up, so both sizes are measured with a warm cache, as a running server has)."""
    timings = {name: [] for name in HASHES}
    for round_number in range(queries + WARM_UP):
        row = next(sample_rows(rng.randrange(total), 1))
        for name in HASHES:
            started = time.perf_counter()
            found = db.session.scalar(select(Sample.id).where(hash_condition(row[ROW_POSITION[name]])))
            if round_number >= WARM_UP:
                timings[name].append(time.perf_counter() - started)
            assert found is not None
    figures = {name: statistics.median(values) * 1000 for name, values in timings.items()}
    plan = db.session.execute(text("EXPLAIN SELECT id FROM samples WHERE md5 = :h"), {"h": "0" * 32}).scalars().all()
    figures["plan"] = plan[0]
    return figures


def time_console_search(app, total: int, requests: int, rng: random.Random) -> float:
    """Median milliseconds of the console's sample list searched by SHA-256, through the real view in-process."""
    client = app.test_client()
    response = client.post("/console/login", data={"email": "bench-analyst@example.com", "password": "bench-pass-1"})
    assert response.status_code == 302, "bench analyst login failed"
    timings = []
    for round_number in range(requests + WARM_UP):
        value = next(sample_rows(rng.randrange(total), 1))[0]
        started = time.perf_counter()
        response = client.get("/console/samples/", query_string={"search": value})
        if round_number >= WARM_UP:
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200 and value.encode() in response.data
    return statistics.median(timings) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=32)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 2_000_000])
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args()

    intake = intake_throughput(args.size_mb, args.runs)
    print(f"intake {intake['size_mb']} MB: store_stream {intake['store_mb_s']:.0f} MB/s, "
          f"sha256sum {intake['sha256sum_mb_s']:.0f} MB/s, ratio {intake['ratio']:.2f}x (target >= 0.5x)")

    url = database_url()
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "STORAGE_DIR": tempfile.mkdtemp(prefix="bench-viruslab-store-"), "CAPTCHA_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    rows = []
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        db.session.add(StaffUser(email="bench-analyst@example.com", name="Bench", role="analyst",
                                 password_hash=hash_password("bench-pass-1")))
        db.session.commit()
        rng = random.Random(7)
        for size in sorted(args.sizes):
            grow_to(size)
            figures = time_hash_search(size, args.queries, rng)
            page = time_console_search(app, size, max(args.queries // 4, 20), rng)
            rows.append((size, figures, page))
            print(f"{size:>10,} samples: " + ", ".join(f"{n} {figures[n]:.3f} ms" for n in HASHES)
                  + f", console page {page:.1f} ms  [{figures['plan']}]")
        db.session.remove()
        db.engine.dispose()

    small, large = rows[0], rows[-1]
    print("\n| samples | MD5 ms | SHA-1 ms | SHA-256 ms | SHA-512 ms | console search page ms |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size, figures, page in rows:
        print(f"| {size:,} | " + " | ".join(f"{figures[n]:.3f}" for n in HASHES) + f" | {page:.1f} |")
    ratios = {n: large[1][n] / small[1][n] for n in HASHES}
    print(f"\n{large[0]:,} vs {small[0]:,}: " + ", ".join(f"{n} {r:.2f}x" for n, r in ratios.items())
          + f", console page {large[2] / small[2]:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
