"""portal.cache_backend: Django's Redis cache with one client per pool, not one per operation."""

import os
import shutil
import subprocess
import time

import pytest

from portal.cache_backend import RedisCache


def backend(location: str) -> RedisCache:
    return RedisCache(location, {})


def test_every_operation_on_one_server_uses_the_same_client():
    # Making a client connects nowhere, so no server is needed to see which one is handed out.
    client = backend("redis://127.0.0.1:1/0")._cache
    first = client.get_client()
    assert client.get_client() is first
    assert client.get_client(write=True) is first  # one server: reads and writes share its pool
    assert first.connection_pool is client._pools[0]


def test_with_replicas_each_pool_keeps_its_own_client():
    client = backend("redis://127.0.0.1:1/0,redis://127.0.0.1:2/0,redis://127.0.0.1:3/0")._cache
    writer = client.get_client(write=True)
    assert writer.connection_pool is client._pools[0]
    readers = [client.get_client() for _ in range(200)]
    # Reads still go to a replica chosen as Django chooses (ports 2 and 3, never the primary),
    # each replica's pool with one client.
    for reader in client._clients.values():
        assert reader.connection_pool in client._pools.values()
    assert all(reader is not writer for reader in readers)
    assert {reader.connection_pool.connection_kwargs["port"] for reader in readers} <= {2, 3}
    assert len(client._clients) == len(client._pools)


@pytest.fixture
def redis_server(tmp_path):
    command = shutil.which("redis-server", path=f"{os.environ.get('PATH', '')}:/usr/bin:/usr/sbin")
    if command is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is missing under CI=true: scripts/test.sh installs redis-server")
        pytest.skip("redis-server is not installed (apt-get install redis-server); scripts/test.sh installs it")
    socket = tmp_path / "redis.sock"
    server = subprocess.Popen(
        [command, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700", "--save", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if socket.exists():
                break
            time.sleep(0.05)
        else:
            pytest.fail("redis-server did not open its socket within 5 s")
        yield f"unix://{socket}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_backend_behaves_as_djangos_against_a_real_server(redis_server):
    cache = backend(redis_server)
    cache.set("page", {"html": "<p>café</p>"}, 60)
    assert cache.get("page") == {"html": "<p>café</p>"}
    assert cache.add("page", "other") is False
    assert cache.get_many(["page", "missing"]) == {"page": {"html": "<p>café</p>"}}
    cache.set_many({"a": 1, "b": 2})
    assert cache.incr("a", 5) == 6
    assert cache.delete("page") is True
    assert cache.get("page", "gone") == "gone"
    assert len(cache._cache._clients) == 1  # all of it through one client
