"""Two app hosts behind Varnish, on one primary through PgBouncer, a streaming replica and a shared Redis.

Every server is a real one started here: a throwaway PostgreSQL primary, its replica (pg_basebackup), PgBouncer
in session mode, Redis, two gunicorn app hosts with production settings, and Varnish with the repository's VCL
and both hosts as backends. Where the machine allows it (root), each app host is a host of its own: a network
namespace with its own address on a bridge, reaching the databases, Redis and Varnish over that network as a
separate machine does (`harness.hosts`); elsewhere the hosts run on loopback ports. A change is made through
the site's own code with host A's settings (`manage.py shell`).
"""

import shutil
import time

import pytest

from harness.engines import (
    ThrowawayPgBouncer,
    ThrowawayPostgres,
    ThrowawayReplica,
    ThrowawayVarnish,
    postgres_bin,
    throwaway_redis,
)
from harness.hosts import HostNetwork
from harness.servers import ON_POSTGRES, Browser, Site, manage, prepare_site, production_env, spare_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not ON_POSTGRES, reason="runs in the PostgreSQL pass of the suite"),
    pytest.mark.skipif(
        not (shutil.which("varnishd") and shutil.which("pgbouncer")), reason="varnishd or pgbouncer is not installed"
    ),
]

IN_REVIEW = "Early voting turnout reaches a record ahead of Sunday"


def _until(check, timeout=30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def _caught_up(primary, replica) -> bool:
    wanted = primary.sql("SELECT pg_current_wal_lsn()")
    return replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{wanted}'::pg_lsn") == "t"


def _shell(env, code: str) -> None:
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        "from stories.models import Story\nimport stories.workflow as workflow\n"
        "editor = get_user_model().objects.get(username='editor')\n" + code,
    )


@pytest.fixture(scope="module")
def network():
    """Separate hosts where the machine allows it, else None (loopback)."""
    if not HostNetwork.possible():
        yield None
        return
    network = HostNetwork(["a", "b"]).create()
    try:
        yield network
    finally:
        network.destroy()


def _app_host(env, name, port, work, network) -> Site:
    if network is None:
        return Site(env, port, work / f"{name}.log")
    return Site(env, port, work / f"{name}.log", address=network.address(name), run_in=network.run_in(name))


@pytest.fixture(scope="module")
def hosts(tmp_path_factory, network):
    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    work = tmp_path_factory.mktemp("hosts")
    # This machine's address as the app hosts see it: the bridge's, or loopback.
    here = network.gateway if network else "127.0.0.1"
    primary = ThrowawayPostgres(5448, here).init()
    replica = ThrowawayReplica(5449, here).init(primary)
    # Session mode holds a server connection per client connection: room for both hosts' pools (2 hosts x 2
    # workers x DB_POOL_MAX 4) and the commands.
    bouncer = ThrowawayPgBouncer(6435, primary, pool_size=24)
    varnish_port = spare_port(6093)
    try:
        bouncer.start()
        with throwaway_redis(6396, here) as redis:
            env = production_env(
                bouncer.url,
                work / "static",
                REPLICA_DATABASE_URL=replica.url,
                REPLICA_RETRY_SECONDS="1",
                CACHE_URL=redis.url,
                DB_POOL="on",
                DB_POOL_MAX="4",
                VARNISH_PURGE_URLS=f"http://{here}:{varnish_port}",
            )
            prepare_site(env)
            assert _until(lambda: _caught_up(primary, replica))
            host_a = _app_host(env, "a", 8161, work, network)
            host_b = _app_host(env, "b", 8162, work, network)
            host_a.start()
            host_b.start()
            varnish = ThrowawayVarnish(
                varnish_port,
                [(host.address, host.port) for host in (host_a, host_b)],
                address=here,
                purgers=network.cidr if network else None,
            )
            try:
                varnish.start()
                assert varnish.port == varnish_port
                assert _until(lambda: Browser(varnish.port).get("/healthz").status == 200)
                yield {
                    "env": env,
                    "a": host_a,
                    "b": host_b,
                    "varnish": varnish,
                    "primary": primary,
                    "replica": replica,
                    "network": network,
                }
            finally:
                varnish.destroy()
                host_a.stop()
                host_b.stop()
    finally:
        bouncer.destroy()
        replica.destroy()
        primary.destroy()


def _reader_of(site: Site, loopback_source: str) -> Browser:
    """A reader asking an app host directly (from this machine's bridge address when the host is separate)."""
    if site.run_in:
        return Browser(site.port, host=site.address)
    return Browser(site.port, source=loopback_source)


def test_the_app_hosts_are_separate_machines_where_this_one_allows_it(hosts):
    network = hosts["network"]
    if network is None:
        pytest.skip("network namespaces need root here: the hosts run on loopback ports")
    # Each host answers on its own address only: nothing of host A listens on this machine's loopback.
    host_a, host_b = hosts["a"], hosts["b"]
    assert (host_a.address, host_b.address) == (network.address("a"), network.address("b"))
    assert Browser(host_a.port, host=host_a.address).get("/healthz").status == 200
    assert Browser(host_b.port, host=host_b.address).get("/healthz").status == 200
    with pytest.raises(ConnectionRefusedError):
        Browser(host_a.port, timeout=2).get("/healthz")
    # Host A reaches the database and Redis only over the network, at this machine's bridge address.
    assert hosts["env"]["DATABASE_URL"].split("@")[1].startswith(network.gateway + ":")


def test_only_the_app_hosts_and_this_machine_may_purge_varnish(hosts):
    stranger = Browser(hosts["varnish"].port, source="127.0.0.6")
    assert stranger.request("PURGE", "/", headers={"xkey-purge": "all"}).status == 403
    assert Browser(hosts["varnish"].port).request("PURGE", "/", headers={"xkey-purge": "nothing"}).status == 200


def test_a_publish_on_host_a_is_served_by_varnish_and_host_b_at_once(hosts):
    front = Browser(hosts["varnish"].port, source="127.0.0.2")
    host_b = _reader_of(hosts["b"], "127.0.0.3")
    for reader in (front, host_b):  # both have the front page cached, without the story
        assert IN_REVIEW not in reader.get("/").text
        assert IN_REVIEW not in reader.get("/").text
    _shell(hosts["env"], f"workflow.publish(Story.objects.get(title__startswith={IN_REVIEW!r}), editor)")
    assert IN_REVIEW in front.get("/").text
    assert IN_REVIEW in host_b.get("/").text


def test_killing_host_a_loses_no_reader_request(hosts):
    front = Browser(hosts["varnish"].port, source="127.0.0.4")
    hosts["a"].stop()
    try:
        failures = []
        for number in range(60):  # pages never asked before: each one needs an app host
            response = front.get(f"/search/?q=harbour+{number}")
            if response.status != 200:
                failures.append((number, response.status))
        assert failures == []
    finally:
        hosts["a"].start()
    assert _until(lambda: _reader_of(hosts["a"], "127.0.0.1").get("/healthz").status == 200)


def test_after_an_unpublish_returns_no_reader_sees_the_story_anywhere(hosts):
    primary, replica = hosts["primary"], hosts["replica"]
    readers = [Browser(hosts["varnish"].port, source="127.0.0.5")]
    readers += [_reader_of(hosts[name], "127.0.0.5") for name in ("a", "b")]
    story = "/stories/harbour-bakery-reopens-a-year-after-the-flood/"
    for reader in readers:
        assert _until(lambda r=reader: r.get(story).status == 200)
    replica.sql("SELECT pg_wal_replay_pause()")  # the replica lags for as long as this test looks
    try:
        _shell(
            hosts["env"],
            "workflow.unpublish(Story.objects.get(title__startswith='Harbour bakery'), editor, 'Two-host check')",
        )
        for _ in range(3):
            for reader in readers:
                assert reader.get(story).status == 404
                assert "Harbour bakery reopens" not in reader.get("/").text
    finally:
        replica.sql("SELECT pg_wal_replay_resume()")
    assert _until(lambda: _caught_up(primary, replica))
