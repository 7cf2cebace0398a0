"""Where a console page's time goes: each page of bench/console_floor.py requested in-process (the Flask test
client, signed in as the bench admin) under cProfile, its time split by the library that spends it.

    .venv/bin/python -m bench.profile_pages --size 10000 --rounds 100 [--pages "customers list,ticket page"]

The database is bench_floor_<size> on PostgreSQL (created and loaded as console_floor does unless --reuse).
Each page prints its mean time per request and the share of each layer (own time of the functions in that
library: Jinja's compiled templates and runtime, Flask-Admin, SQLAlchemy, the database driver, Werkzeug, Flask,
the app's own code ...), then the functions with the most own time. The floor comes first: what every page pays.

`--summary` prints instead, unprofiled, each page's median CPU time of the serving thread (which other work on
the machine barely moves, unlike wall time), the part of it spent rendering templates, the statements' wall
time, and the CPU time against the floor's.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections import defaultdict

from bench.console_floor import FLOOR, statement_counts, views
from bench.console_seed import database_url, recreate_database
from bench.floor_app import create_bench_app
from bench.floor_seed import measured_terms, prepare
from bench.pg import PG_ADMIN_URL
from bench.report import log
from bench.server import BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD, seed_app_config

LAYERS = (  # first match wins: (name, a fragment of the file path)
    ("templates (compiled)", "<template>"), ("templates (compiled)", "templates/"),
    ("flask_admin", "flask_admin"), ("jinja2", "jinja2"), ("markupsafe", "markupsafe"),
    ("sqlalchemy", "sqlalchemy"), ("driver", "psycopg"), ("driver", "sqlite3"), ("werkzeug", "werkzeug"),
    ("flask_login", "flask_login"), ("flask_wtf", "flask_wtf"), ("wtforms", "wtforms"), ("flask", "flask/"),
    ("backoffice", "backoffice/"), ("python", ""),
)


def layer_of(filename: str) -> str:
    return next(name for name, fragment in LAYERS if fragment in filename)


def profile(client, path: str, params: dict, rounds: int) -> tuple[float, pstats.Stats]:
    client.get(path, query_string=params)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(rounds):
        client.get(path, query_string=params)
    profiler.disable()
    return (time.perf_counter() - started) / rounds, pstats.Stats(profiler)


def report_page(name: str, mean: float, stats: pstats.Stats, rounds: int, top: int) -> None:
    by_layer: dict[str, float] = defaultdict(float)
    functions = []
    for (filename, line, function), (_calls, ncalls, own, _cumulative, _callers) in stats.stats.items():
        by_layer[layer_of(filename)] += own
        functions.append((own, ncalls, f"{filename.rsplit('site-packages/', 1)[-1]}:{line} {function}"))
    total = sum(by_layer.values()) or 1
    print(f"\n{name}: {mean * 1000:.1f} ms a request (in-process, profiled)")
    for layer, own in sorted(by_layer.items(), key=lambda item: -item[1]):
        print(f"  {layer:<22} {own / total:6.1%}  {own / rounds * 1000:6.2f} ms")
    print("  most own time:")
    for own, ncalls, where in sorted(functions, reverse=True)[:top]:
        print(f"    {own / rounds * 1000:6.3f} ms {ncalls // rounds:>6} calls  {where}")


def summary(client, engine, pages, rounds: int) -> None:
    import statistics

    import flask_admin.base
    from sqlalchemy import event

    timings = {"sql": 0.0, "render": 0.0}
    render = flask_admin.base.BaseView.render

    def timed_render(view, template, **kwargs):
        started = time.thread_time()
        try:
            return render(view, template, **kwargs)
        finally:
            timings["render"] += time.thread_time() - started

    def before(_conn, _cursor, _statement, _params, context, _many):
        context.bench_started = time.perf_counter()

    def after(_conn, _cursor, _statement, _params, context, _many):
        timings["sql"] += time.perf_counter() - context.bench_started

    flask_admin.base.BaseView.render = timed_render
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    print(f"{'page':<42} {'CPU ms':>7} {'render':>7} {'SQL ms':>7} {'CPU vs floor':>12}")
    floor = None
    try:
        for name, path, params, _expect in pages:
            for _ in range(3):
                client.get(path, query_string=params)
            cpu, rendering, sql = [], [], []
            for _ in range(rounds):
                timings.update(sql=0.0, render=0.0)
                started = time.thread_time()
                client.get(path, query_string=params)
                cpu.append(time.thread_time() - started)
                rendering.append(timings["render"])
                sql.append(timings["sql"])
            median = statistics.median(cpu)
            floor = floor or median
            print(f"{name:<42} {median * 1000:7.1f} {statistics.median(rendering) * 1000:7.1f} "
                  f"{statistics.median(sql) * 1000:7.1f} {median / floor:11.2f}x")
    finally:
        flask_admin.base.BaseView.render = render
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--pages", help="comma-separated page names (default: all of console_floor's)")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--reuse", action="store_true", help="the database is already loaded: skip loading")
    parser.add_argument("--summary", action="store_true", help="CPU, render and SQL time per page, unprofiled")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    args = parser.parse_args(argv)
    url = database_url("postgresql", args.pg_admin_url, f"bench_floor_{args.size}", None)
    if args.reuse:
        terms = measured_terms(url, args.size)
    else:
        recreate_database("postgresql", url, args.pg_admin_url)
        terms = prepare("postgresql", url, args.size, log)
    pages = views(url, args.size, terms)
    wanted = set(args.pages.split(",")) | {FLOOR} if args.pages else None
    pages = [page for page in pages if wanted is None or page[0] in wanted]
    counts = statement_counts(url, pages)
    app = create_bench_app({**seed_app_config(url), "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    client.post("/console/login", data={"email": BENCH_STAFF_EMAIL, "password": BENCH_STAFF_PASSWORD})
    if args.summary:
        from backoffice.extensions import db

        with app.app_context():
            engine = db.engine
        summary(client, engine, pages, args.rounds)
        return 0
    for name, path, params, _expect in pages:
        mean, stats = profile(client, path, params, args.rounds)
        report_page(f"{name} ({counts[name]} statements)", mean, stats, args.rounds, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
