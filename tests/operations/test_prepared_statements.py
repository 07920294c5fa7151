"""On PostgreSQL the site sends parameters apart from the SQL and prepares the queries it repeats.

PostgreSQL spent more time planning the story page's queries than running them; a prepared statement is parsed
and planned once per connection. DB_PREPARE_THRESHOLD sets how many runs of the same SQL come first, and `off`
turns preparing off for a connection pooler that cannot keep prepared statements (README: Performance, Database).
"""

import json
import re
import subprocess

import pytest
from django.core.cache import cache
from django.db import connection

from harness.servers import PYTHON, ROOT, child_env
from tests.factories import OpinionFactory, SectionFactory, StoryFactory, TagFactory, UserFactory

POSTGRES_URL = "postgres://newsroom@db.invalid:5432/newsroom"  # settings are read; nothing connects
PRINT_OPTIONS = (
    "import json, newsroom.settings as s; print(json.dumps(s.DATABASES['default'].get('OPTIONS', {}), default=str))"
)


def _settings_options(**env) -> subprocess.CompletedProcess:
    """The database OPTIONS of newsroom/settings.py imported in a child process with `env` (and nothing of ours)."""
    base = {k: v for k, v in child_env().items() if k not in {"DATABASE_URL", "DB_PREPARE_THRESHOLD"}}
    return subprocess.run(
        [PYTHON, "-c", PRINT_OPTIONS], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def _options(**env) -> dict:
    result = _settings_options(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_postgresql_binds_parameters_on_the_server_and_prepares_the_third_run():
    options = _options(DATABASE_URL=POSTGRES_URL)

    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 2


def test_sqlite_gets_no_postgresql_options():
    options = _options(DATABASE_URL="sqlite:///db.sqlite3")

    assert "server_side_binding" not in options
    assert "prepare_threshold" not in options


@pytest.mark.parametrize(("value", "threshold"), [("off", None), ("OFF", None), ("0", 0), ("7", 7)])
def test_the_prepare_threshold_comes_from_the_environment(value, threshold):
    options = _options(DATABASE_URL=POSTGRES_URL, DB_PREPARE_THRESHOLD=value)

    assert options["prepare_threshold"] == threshold
    assert options["server_side_binding"] is True


@pytest.mark.parametrize("value", ["-1", "five", "2.5"])
def test_a_prepare_threshold_that_is_not_a_count_stops_the_site(value):
    result = _settings_options(DATABASE_URL=POSTGRES_URL, DB_PREPARE_THRESHOLD=value)

    assert result.returncode != 0
    assert "DB_PREPARE_THRESHOLD must be a whole number" in result.stderr


# --- On the connection itself ------------------------------------------------------------------


@pytest.fixture
def postgresql_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")


def _placeholders(sql: str) -> str:
    """`sql` with %s for each parameter, whether Django wrote it (%s) or it was numbered ($1, stories.compiled)."""
    return re.sub(r"\$\d+", "%s", sql)


def _prepared_statements() -> list[str]:
    """The statements prepared on this connection, with %s for each parameter."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return [_placeholders(statement) for _, statement in cursor.fetchall()]


def _request_past_the_threshold(client, url) -> list[str]:
    """GET `url` uncached one time more than the connection's threshold; the SELECTs the last request sent."""
    connection.ensure_connection()
    runs = (connection.connection.prepare_threshold or 0) + 1
    sent = []

    def record(execute, sql, params, many, context):
        sent.append(_placeholders(sql.replace("%%", "%") if params and "%s" in sql else sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        for _ in range(runs):
            sent.clear()
            cache.clear()  # every request computes the page, as an uncached one does
            assert client.get(url).status_code == 200
    return [sql for sql in sent if sql.lstrip().upper().startswith("SELECT")]


@pytest.mark.postgres
@pytest.mark.usefixtures("postgresql_only")
def test_the_story_page_queries_are_prepared_once_it_is_requested_past_the_threshold(client):
    story = StoryFactory(published=True)
    OpinionFactory.create_batch(2, story=story)

    page_queries = _request_past_the_threshold(client, story.get_absolute_url())

    prepared = _prepared_statements()
    # The story with its short lists and first page of opinions (compiled once per process) at least.
    assert len(page_queries) >= 1
    assert any('"highlight_list"' in sql and '"opinion_list"' in sql for sql in page_queries)
    missing = [sql[:200] for sql in page_queries if sql not in prepared]
    assert not missing, missing


@pytest.mark.postgres
@pytest.mark.usefixtures("postgresql_only")
def _listing_url(listing) -> str:
    section, tag = SectionFactory(name="City"), TagFactory(name="Trams")
    author = UserFactory(first_name="Ana", last_name="Silva")
    for number in range(3):
        StoryFactory(published=True, section=section, title=f"Tramway plan {number}", authors=[author]).tags.add(tag)
    return {
        "home": "/",
        "section": section.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "author": author.profile.get_absolute_url(),
        "search": "/search/?q=tramway",
        "filtered home": "/?q=tramway&section=city",
        "feed": "/feed/",
    }[listing]


@pytest.mark.postgres
@pytest.mark.usefixtures("postgresql_only")
@pytest.mark.parametrize("listing", ["home", "section", "tag", "author", "feed"])
def test_the_other_reader_pages_queries_are_prepared_too(client, listing):
    page_queries = _request_past_the_threshold(client, _listing_url(listing))

    prepared = _prepared_statements()
    assert page_queries
    missing = [sql[:200] for sql in page_queries if sql not in prepared]
    assert not missing, missing


@pytest.mark.postgres
@pytest.mark.usefixtures("postgresql_only")
@pytest.mark.parametrize("listing", ["search", "filtered home"])
def test_a_list_whose_best_plan_depends_on_its_values_is_planned_each_time(client, listing):
    # A prepared statement's generic plan, made without the values, was 3 times slower for these lists (a
    # search's words, the filters' words, section and dates); the rest of the page (the navigation's sections)
    # is still prepared. An author's list was one of them until it walked the bylines' index (migration 0018).
    page_queries = _request_past_the_threshold(client, _listing_url(listing))

    prepared = _prepared_statements()
    # The page's list: story cards (their bylines), or ranked search results (with the words looked for).
    listed = [sql for sql in page_queries if '"byline_list"' in sql or "querytree" in sql.lower()]
    assert listed
    assert not [sql[:200] for sql in listed if sql in prepared]
    assert [sql for sql in page_queries if sql in prepared], "the other queries of the page are prepared"


@pytest.mark.postgres
@pytest.mark.usefixtures("postgresql_only")
def test_one_prepared_statement_serves_every_story_whatever_its_key(client):
    # A key below 32,768 alone would go as smallint, one past 2**31 as bigint: each type its own statement.
    small, large = StoryFactory(published=True), StoryFactory(published=True, pk=3_000_000_000)

    for story in (small, large):
        _request_past_the_threshold(client, story.get_absolute_url())

    prepared = _prepared_statements()
    assert len([sql for sql in prepared if '"highlight_list"' in sql and '"opinion_list"' in sql]) == 1
