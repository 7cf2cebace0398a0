"""Licensing at scale on PostgreSQL: "add a code" on the portal and the console's code search over HTTP
(gunicorn), with 10k and with 5M codes; and CSV import throughput against a naive ORM insert.

    .venv/bin/python -m bench.licensing                       # the full run: 10k and 5M codes, 1M-row import
    .venv/bin/python -m bench.licensing --sizes 10000 --import-rows 50000 --naive-rows 5000 \
        --drop-databases                                        # a quick run that leaves no database behind

Each size gets its own database (bench_licensing_<size>, kept for --reuse unless --drop-databases). Every
timed request goes through gunicorn (2 workers), the real session cookie and the real CSRF check.
"""

from __future__ import annotations

import argparse
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select, text

from backoffice import create_app
from backoffice.extensions import db
from backoffice.models import ActivationCode, Customer, Product
from backoffice.security import Actor
from bench import pg
from bench.http_timing import ConsoleSession, Timing
from bench.report import markdown_table
from bench.server import BENCH_STAFF_EMAIL as STAFF_EMAIL
from bench.server import BENCH_STAFF_PASSWORD as STAFF_PASSWORD
from bench.server import SECRET_KEY as SECRET  # what the gunicorn server signs sessions and CSRF tokens with
from bench.server import gunicorn

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PRODUCT = "Bench Internet Security"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def bench_code(rng: random.Random) -> str:
    number = rng.getrandbits(104)
    chars = []
    for _ in range(20):
        number, digit = divmod(number, 36)
        chars.append(ALPHABET[digit])
    body = "".join(chars)
    return "-".join(body[i:i + 5] for i in range(0, 20, 5))


def code_lines(count: int, seed: int, product: str = PRODUCT):
    rng = random.Random(seed)
    yield "code,product,seats,valid_from,expires_at\n"
    for _ in range(count):
        yield f"{bench_code(rng)},{product},1,2020-01-01,2045-01-01\n"


def fresh_database(name: str, reuse: bool) -> tuple[str, bool]:
    """The URL of database `name`, created and migrated unless it exists and `reuse` is set."""
    reused = reuse and pg.database_exists(ADMIN_URL, name)
    if not reused:
        pg.drop_database(ADMIN_URL, name, create_again=True)
    return pg.database_url(ADMIN_URL, name), reused


def bench_app(url: str):
    return create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": "/tmp/bench-storage",
                       "RATELIMIT_STORAGE_URI": "memory://"})


def prepare(url: str, size: int, customers: int, reused: bool) -> None:
    from flask_migrate import upgrade

    from backoffice.seeding import seed_customers
    from backoffice.services.licensing.bulk import import_codes
    from backoffice.services.licensing.manage import create_product
    from backoffice.services.staff import create_staff

    app = bench_app(url)
    with app.app_context():
        if reused and db.session.scalar(select(func.count()).select_from(ActivationCode)) == size:
            print(f"  reusing {size:,} codes")
            return
        upgrade(revision="heads")
        actor = Actor.system("bench")
        create_product(PRODUCT, None, actor)
        create_staff(STAFF_EMAIL, "Bench Admin", "admin", STAFF_PASSWORD, actor)
        seed_customers(customers)
        started = time.perf_counter()
        report = import_codes(code_lines(size, seed=size), actor)
        assert report.ok, report.errors[:5]
        seconds = time.perf_counter() - started
        print(f"  seeded {report.written:,} codes in {seconds:.1f} s ({report.written / seconds:,.0f} rows/s)")
        db.session.execute(text("ANALYZE"))
        db.session.commit()


class PortalClient:
    """A signed-in customer: the session cookie and CSRF token are minted with the server's secret, the way
    the portal's own sign-in would set them (the sign-in itself is not what is measured)."""

    def __init__(self, base: str, app, customer: Customer):
        raw_token = f"bench-csrf-{customer.id}"
        session = {"_user_id": f"c:{customer.id}:{customer.session_epoch}", "_fresh": True, "csrf_token": raw_token}
        with app.test_request_context():
            cookie = app.session_interface.get_signing_serializer(app).dumps(session)
        self.cookie = f"{app.config['SESSION_COOKIE_NAME']}={cookie}"
        self.form_token = URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token").dumps(raw_token)
        self.base = base

    def add(self, code: str) -> tuple[float, int, str]:
        body = urllib.parse.urlencode({"csrf_token": self.form_token, "code": code}).encode()
        request = urllib.request.Request(self.base + "/codes/add", data=body, headers={"Cookie": self.cookie})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, page = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, page = error.code, error.read().decode()
        return (time.perf_counter() - started) * 1000, status, page


def measure(url: str, samples: int, seed: int) -> tuple[list[float], list[float]]:
    app = bench_app(url)
    rng = random.Random(seed)
    with app.app_context():
        from backoffice.seeding import seed_customers

        active = select(Customer).where(Customer.status == "active", ~Customer.email.like("used-%"))
        have = db.session.scalar(select(func.count()).select_from(active.subquery()))
        if have < samples + 5:
            seed_customers((samples + 5 - have) * 2)
        customers = list(db.session.scalars(active.order_by(Customer.id).limit(samples + 5)))
        for customer in customers:  # each measures one add; a later run (--reuse) takes fresh customers
            customer.email = f"used-{customer.email}"
        db.session.commit()
        max_id = db.session.scalar(select(func.max(ActivationCode.id)))
        wanted = rng.sample(range(1, max_id + 1), samples * 3)
        free = list(db.session.scalars(select(ActivationCode.code).where(
            ActivationCode.id.in_(wanted), ActivationCode.seats_taken == 0)))
        rng.shuffle(free)
        clients = [PortalClient("", app, customer) for customer in customers]
    search_terms = [code[:8].lower().replace("-", " ") for code in free[samples:samples * 2]]
    with gunicorn(url, Path("/tmp/bench-licensing-instance")) as base:
        for client in clients:
            client.base = base
        add_times = []
        for index in range(samples + 5):  # the first five warm up the workers
            elapsed, status, page = clients[index].add(free[index].lower())
            if status != 200 or "Activation code added" not in page:
                raise RuntimeError(f"add answered {status}")
            if index >= 5:
                add_times.append(elapsed)
        console = ConsoleSession(base)
        console.sign_in(STAFF_EMAIL, STAFF_PASSWORD)
        console.warm_up("/console/codes/", {"search": search_terms[0]}, expect=free[samples][:8])
        search_times = [console.timed_get("/console/codes/", {"search": term}) for term in search_terms]
    return add_times, search_times


def import_throughput(rows: int, naive_rows: int, reuse: bool) -> tuple[float, float, float]:
    """rows/s of import_codes (COPY + set-based checks) and of two ORM inserts, on an empty table each time."""
    from flask_migrate import upgrade

    from backoffice.services.licensing.bulk import import_codes, parse_time

    url, _ = fresh_database("bench_licensing_import", reuse=False)
    app = bench_app(url)
    with app.app_context():
        upgrade(revision="heads")
        db.session.add(Product(name=PRODUCT))
        db.session.commit()
        product_id = db.session.scalar(select(Product.id))
        started = time.perf_counter()
        report = import_codes(code_lines(rows, seed=7), Actor.system("bench"))
        fast = report.written / (time.perf_counter() - started)
        assert report.ok and report.written == rows

        def orm_rows(count, seed):
            valid_from, expires_at = parse_time("2020-01-01"), parse_time("2045-01-01")
            rng = random.Random(seed)
            return [ActivationCode(code=bench_code(rng), product_id=product_id, seats=1, valid_from=valid_from,
                                   expires_at=expires_at) for _ in range(count)]

        started = time.perf_counter()
        for code in orm_rows(naive_rows, seed=8):  # naive: one ORM object per row, each flushed on its own
            db.session.add(code)
            db.session.flush()
        db.session.commit()
        naive = naive_rows / (time.perf_counter() - started)

        started = time.perf_counter()
        db.session.add_all(orm_rows(naive_rows, seed=9))  # ORM objects, one flush (insertmanyvalues batches)
        db.session.commit()
        orm_batched = naive_rows / (time.perf_counter() - started)
        db.session.remove()
        db.engine.dispose()
    return fast, naive, orm_batched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,5000000", help="comma-separated code counts")
    parser.add_argument("--samples", type=int, default=200, help="timed requests per measurement")
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=20_000, help="rows for the naive ORM inserts")
    parser.add_argument("--reuse", action="store_true", help="keep a database that already has the codes")
    parser.add_argument("--rounds", type=int, default=2, help="measurement rounds, sizes alternating")
    parser.add_argument("--drop-databases", action="store_true",
                        help="drop the databases of this run at the end (bench_licensing_<size> and _import)")
    args = parser.parse_args()
    print(f"started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    sizes = [int(value) for value in args.sizes.split(",")]
    try:
        urls = {}
        for size in sizes:
            print(f"{size:,} codes")
            url, reused = fresh_database(f"bench_licensing_{size}", args.reuse)
            prepare(url, size, (args.samples + 10) * 2 * args.rounds, reused)  # about 85% of customers are active
            urls[size] = url
        # Sizes take turns, round after round, so that load from elsewhere on the machine hits them alike.
        samples = {size: ([], []) for size in sizes}
        for round_ in range(args.rounds):
            for size in sizes:
                add, search = measure(urls[size], args.samples, seed=size * 100 + round_)
                samples[size][0].extend(add)
                samples[size][1].extend(search)
                print(f"  round {round_ + 1}, {size:,} codes: add p50 {Timing.of(add).p50_ms:.1f} ms, "
                      f"search p50 {Timing.of(search).p50_ms:.1f} ms")
        results = [(size, Timing.of(samples[size][0]), Timing.of(samples[size][1])) for size in sizes]
        print(f"import {args.import_rows:,} rows")
        fast, naive, orm_batched = import_throughput(args.import_rows, args.naive_rows, args.reuse)
    finally:
        if args.drop_databases:
            for name in [*(f"bench_licensing_{size}" for size in sizes), "bench_licensing_import"]:
                pg.drop_database(ADMIN_URL, name)
    print()
    print(markdown_table(["codes", "add a code p50 (p95)", "code search p50 (p95)"], "lll", [
        [f"{size:,}", f"{add.p50_ms:.1f} ms ({add.p95_ms:.1f})", f"{search.p50_ms:.1f} ms ({search.p95_ms:.1f})"]
        for size, add, search in results]))
    if len(results) > 1:
        (_, add0, search0), (_, add1, search1) = results[0], results[-1]
        print(f"\nlargest/smallest: add {add1.p50_ms / add0.p50_ms:.2f}x, "
              f"search {search1.p50_ms / search0.p50_ms:.2f}x (target <= 1.3x)")
    print()
    print(markdown_table([f"import of {args.import_rows:,} rows", "rows/s"], "ll", [
        ["import_codes (COPY into staging, set-based checks, INSERT ... SELECT)", f"{fast:,.0f}"],
        [f"naive: one ORM object per row, flushed per row ({args.naive_rows:,} rows)", f"{naive:,.0f}"],
        [f"ORM objects, one batched flush ({args.naive_rows:,} rows), for reference", f"{orm_batched:,.0f}"]]))
    print(f"\nimport / naive = {fast / naive:.1f}x (target >= 10x); import / ORM batched = {fast / orm_batched:.1f}x")
    print(f"finished {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
