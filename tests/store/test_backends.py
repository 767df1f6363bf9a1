"""What is particular to each backend: SQLite file settings, PostgreSQL DSN secrecy."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

import autotask_fn.store as store_pkg
from autotask_fn.errors import ConfigurationError
from autotask_fn.store import SCHEMA_VERSION, SqliteStore, StoreError
from autotask_fn.store._sql import ConnectionPool, SqlStore
from autotask_fn.store.limiters import PostgresLimiter
from autotask_fn.store.postgres import PostgresStore, redact_dsn

from .conftest import PG_DSN, require_postgres, run_threads


def test_a_sqlite_file_uses_wal_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "sync.db"
    with SqliteStore(path) as store:
        assert store.enqueue("fieldnation", "x", b"1")
        assert repr(store) == f"SqliteStore({str(path)!r})"
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()
    with SqliteStore(path) as again:
        assert not again.enqueue("fieldnation", "x", b"1")


def test_opening_a_new_file_waits_while_another_store_is_migrating_it(tmp_path: Path) -> None:
    # Switching to WAL needs the file to itself and SQLite does not wait for it: a store
    # opened while another one ran the migrations of a new file failed with "database is
    # locked" (seen when several workers start at once on a fresh file).
    path = tmp_path / "new.db"
    migrating = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    migrating.execute("BEGIN IMMEDIATE")
    migrating.execute("CREATE TABLE being_created (id INTEGER)")
    release = threading.Timer(0.3, lambda: migrating.execute("COMMIT"))
    release.start()
    try:
        store = SqliteStore(path, busy_timeout=10)
    finally:
        release.join()
        migrating.close()
    assert store.schema_version() == SCHEMA_VERSION
    store.close()


def test_an_in_memory_store_is_private_and_shared_by_threads() -> None:
    a, b = SqliteStore(), SqliteStore()
    a.put_intent("k", {"v": 1})
    assert b.get_intent("k") is None
    seen: list[object] = []
    t = threading.Thread(target=lambda: seen.append(a.get_intent("k")))
    t.start()
    t.join()
    assert seen == [{"v": 1}]
    assert repr(a) == "SqliteStore(':memory:')"


def test_a_closed_store_refuses_work() -> None:
    store = SqliteStore()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.get_intent("k")


def test_a_file_that_is_not_a_database_raises_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database file at all, just text" * 100)
    with pytest.raises(StoreError):
        SqliteStore(path)


def test_optional_backends_are_imported_lazily_from_the_package() -> None:
    import subprocess
    import sys

    from autotask_fn.store import limiters

    assert store_pkg.PostgresStore is PostgresStore
    assert store_pkg.RedisLimiter is limiters.RedisLimiter
    assert store_pkg.PostgresLimiter is limiters.PostgresLimiter
    code = (
        "import sys, autotask_fn.store; "
        "print(sorted(m for m in ('psycopg', 'redis') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        ("postgresql://bob:s3cr3t-pw@db.example:5432/sync",
         "user=bob password=[REDACTED] dbname=sync host=db.example port=5432"),
        ("postgresql://bob@db.example/sync?password=s3cr3t-pw&sslmode=require",
         "user=bob dbname=sync host=db.example password=[REDACTED] sslmode=require"),
        ("host=db user=bob password=s3cr3t-pw dbname=sync",
         "host=db user=bob password=[REDACTED] dbname=sync"),
        ("host=db password='s3cr3t pw' dbname=sync", "host=db password=[REDACTED] dbname=sync"),
        ("postgresql://bob@db/sync", "user=bob dbname=sync host=db"),
        ("host=db sslpassword=k3y-pass sslkey=/k.pem",
         "host=db sslpassword=[REDACTED] sslkey=/k.pem"),
        ("postgresql://bob@db/sync?sslpassword=k3y-pass&sslmode=require",
         "user=bob dbname=sync host=db sslpassword=[REDACTED] sslmode=require"),
        ("redis://:s3cr3t-pw@cache:6379/0", "redis://:[REDACTED]@cache:6379/0"),
    ],
)
def test_dsn_passwords_are_redacted(dsn: str, expected: str) -> None:
    from psycopg.conninfo import conninfo_to_dict

    shown = redact_dsn(dsn)
    if dsn.startswith("redis:"):
        assert shown == expected
    else:  # the same parameters, in psycopg's order
        assert conninfo_to_dict(shown) == conninfo_to_dict(expected)


#: Every character with a meaning in a URL, and the quote and backslash of key=value strings.
SPECIAL = "p#w?x@y:z/a%b&c=d+e;f[g]h!i$j'k(l)m*n,o~ q\\r"


def dsn_forms(password: str, host: str = "db.example", port: int = 5432) -> list[str]:
    """The same password in every DSN form psycopg accepts."""
    escaped = password.replace("\\", "\\\\").replace("'", "\\'")
    return [
        f"postgresql://bob:{quote(password, safe='')}@{host}:{port}/test",
        f"postgresql://bob@{host}:{port}/test?password={quote(password, safe='')}",
        f"host={host} port={port} user=bob dbname=test password='{escaped}'",
    ]


@pytest.mark.parametrize("dsn", [*dsn_forms(SPECIAL), "postgresql://bob:p#w?x@db/test",
                                 "postgresql://bob:p?w#x@db/test"])
def test_passwords_with_url_special_characters_never_show(dsn: str) -> None:
    from psycopg.conninfo import conninfo_to_dict

    password = conninfo_to_dict(dsn)["password"]
    shown = redact_dsn(dsn)
    for piece in {password, quote(password, safe=""), *password.split("#"),
                  *password.split("?")} - {""}:
        assert piece not in shown or len(piece) < 2, (piece, shown)
    assert "[REDACTED]" in shown
    assert conninfo_to_dict(shown)["host"] == conninfo_to_dict(dsn)["host"]


def test_an_unreadable_dsn_is_not_shown() -> None:
    assert "s3cret" not in redact_dsn("host=db password='s3cret")


def test_a_bad_schema_name_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="identifier"):
        PostgresStore(PG_DSN, schema='x"; DROP TABLE links; --')


@pytest.mark.postgres
def test_postgres_repr_and_errors_never_show_the_password() -> None:
    require_postgres()
    secret = "Sup3r-s3cret-pw"
    # Nothing listens on port 1: the connection fails, and the message must not leak.
    dsn = f"postgresql://postgres:{secret}@127.0.0.1:1/test"
    with pytest.raises(StoreError) as info:
        PostgresStore(dsn, connect_timeout=2)
    text = str(info.value) + repr(info.value.__cause__) + repr(info.value.__context__)
    assert secret not in text
    assert "127.0.0.1" in str(info.value)


@pytest.mark.postgres
def test_postgres_repr_hides_the_password(backend_pg_schema: str) -> None:
    dsn = PG_DSN.replace("postgresql://postgres@", "postgresql://postgres:Sup3r-s3cret-pw@")
    store = PostgresStore(dsn, schema=backend_pg_schema)
    try:
        assert "Sup3r-s3cret-pw" not in repr(store)
        assert "[REDACTED]" in repr(store) or "@" not in dsn
        assert store.dsn == redact_dsn(dsn)
    finally:
        store.close()


@pytest.mark.postgres
@pytest.mark.parametrize("form", [0, 1, 2])
def test_live_store_and_limiter_hide_a_password_with_url_special_characters(
        backend_pg_schema: str, form: int) -> None:
    # The test server trusts every connection: any password is accepted and ignored.
    from psycopg.conninfo import conninfo_to_dict

    base = conninfo_to_dict(PG_DSN)
    dsn = dsn_forms(SPECIAL, host=base.get("host", "127.0.0.1"),
                    port=int(base.get("port", 5432)))[form]
    dsn = dsn.replace("/test", f"/{base.get('dbname', 'test')}").replace(
        "user=bob", f"user={base.get('user', 'postgres')}").replace(
        "bob", base.get("user", "postgres"))
    store = PostgresStore(dsn, schema=backend_pg_schema)
    limiter = PostgresLimiter(store, key_prefix="atfn_test_dsn")
    try:
        for text in (repr(store), store.dsn, repr(limiter)):
            for piece in ("p#w", "w?x", "q\\r", quote(SPECIAL, safe=""), "f[g]h"):
                assert piece not in text, (piece, text)
            assert "[REDACTED]" in text
    finally:
        store.close()


@pytest.fixture
def backend_pg_schema() -> Iterator[str]:
    require_postgres()
    import secrets

    import psycopg

    schema = f"atfn_test_{secrets.token_hex(6)}"
    yield schema
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_the_memory_path_string_means_one_private_in_memory_database() -> None:
    store = SqliteStore(":memory:", max_connections=4)
    assert store.path is None
    store.put_intent("k", {"v": 1})
    seen: list[object] = []
    run_threads(4, lambda _: seen.append(store.get_intent("k")))
    assert seen == [{"v": 1}] * 4


def test_a_failed_transaction_is_rolled_back_and_the_store_stays_usable(store: SqlStore) -> None:
    def write_then_fail() -> None:
        with store._tx() as cur:
            cur.execute(
                store._q("INSERT INTO intents (key, value, created_at) VALUES (?, ?, ?)"),
                ("half", "{}", 0.0),
            )
            raise RuntimeError("failed half way")

    with pytest.raises(RuntimeError, match="half way"):
        write_then_fail()
    assert store.get_intent("half") is None
    store.put_intent("after", {"ok": True})
    assert store.get_intent("after") == {"ok": True}


@pytest.mark.postgres
def test_connections_the_server_dropped_are_replaced(backend_pg_schema: str) -> None:
    import psycopg

    name = f"atfn-test-{backend_pg_schema}"
    store = PostgresStore(
        PG_DSN, schema=backend_pg_schema, application_name=name, check_idle_after=0.0
    )
    try:
        store.put_intent("k", {"v": 1})
        with psycopg.connect(PG_DSN, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = %s",
                (name,),
            ).fetchone()
        assert killed is not None
        assert killed[0] >= 1
        assert store.get_intent("k") == {"v": 1}
    finally:
        store.close()


def test_the_pool_probes_only_connections_idle_long_enough() -> None:
    made: list[list[str]] = []
    probed: list[int] = []
    alive = {"ok": True}

    def connect() -> list[str]:
        made.append([])
        return made[-1]

    def check(conn: list[str]) -> bool:
        probed.append(made.index(conn))
        return alive["ok"]

    pool = ConnectionPool(
        connect, close=lambda c: c.append("closed"), healthy=lambda c: True,
        min_size=1, max_size=1, check=check, check_idle_after=0.05,
    )
    with pool.connection() as first:
        pass
    assert probed == []  # given back just now: used without a probe
    time.sleep(0.06)
    with pool.connection() as again:
        assert again is first
    assert probed == [0]
    time.sleep(0.06)
    alive["ok"] = False
    with pool.connection() as replaced:
        assert replaced is made[1]
    assert made[0] == ["closed"]
    pool.close()
    assert made[1] == ["closed"]


@pytest.mark.postgres
def test_workers_without_ddl_rights_open_a_migrated_schema(backend_pg_schema: str) -> None:
    import psycopg

    if "://postgres@" not in PG_DSN:
        pytest.skip("logging in as another role needs the default trust-auth DSN")
    # The deploy step migrates (and creates the limiter tables).
    PostgresLimiter(PG_DSN, schema=backend_pg_schema, key_prefix="t").close()
    role = f"atfn_worker_{backend_pg_schema[-12:]}"
    grants = [
        f'CREATE ROLE "{role}" LOGIN',
        f'GRANT USAGE ON SCHEMA "{backend_pg_schema}" TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{backend_pg_schema}"'
        f' TO "{role}"',
        f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA "{backend_pg_schema}" TO "{role}"',
    ]
    with psycopg.connect(PG_DSN, autocommit=True) as admin:
        for statement in grants:
            admin.execute(statement)
    worker_dsn = PG_DSN.replace("://postgres@", f"://{role}@")
    try:
        with PostgresStore(worker_dsn, schema=backend_pg_schema) as worker:
            assert worker.enqueue("fieldnation", "d1", b"{}")
            [entry] = worker.lease("w", 30)
            assert worker.complete(entry.id, "w")
            assert worker.schema_version() == SCHEMA_VERSION
            limiter = PostgresLimiter(worker, key_prefix="t")
            with limiter.slot("Tickets"):
                assert limiter.in_flight("Tickets") == 1
            limiter.close()
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as admin:
            admin.execute(f'DROP OWNED BY "{role}"')
            admin.execute(f'DROP ROLE "{role}"')
