"""The rules of reads kept until the next commit (``contact_cache.VersionedCache``)."""

from __future__ import annotations

from heymarket_contacts.server.contact_cache import VersionedCache


class Versions:
    """A data version moved by hand."""

    def __init__(self) -> None:
        self.now = 1

    def version(self) -> bytes:
        return b"c:%d" % self.now


def _cache(versions: Versions, limit: int = 10) -> VersionedCache[str, str]:
    return VersionedCache(versions.version, limit)


def _keep(cache: VersionedCache[str, str], key: str, answer: str) -> None:
    version, kept = cache.lookup(key)
    assert kept is None
    cache.keep(version, key, answer)


def test_a_kept_answer_is_served_until_a_commit() -> None:
    versions = Versions()
    cache = _cache(versions)
    _keep(cache, "a", "A1")
    _keep(cache, "b", "B1")
    assert cache.lookup("a")[1] == "A1"
    versions.now = 2
    assert cache.lookup("a") == (b"c:2", None)
    versions.now = 1  # were the version to read as before, nothing is left all the same
    assert cache.lookup("b")[1] is None


def test_an_answer_read_before_a_commit_is_not_kept_after_it() -> None:
    versions = Versions()
    cache = _cache(versions)
    version, _ = cache.lookup("a")
    versions.now = 2
    assert cache.lookup("b")[1] is None  # the cache has seen the new version
    cache.keep(version, "a", "A1")  # the read of the old version ends now
    assert cache.lookup("a")[1] is None


def test_past_the_limit_the_oldest_answer_goes() -> None:
    versions = Versions()
    cache = _cache(versions, limit=2)
    for key in ("a", "b", "c"):
        _keep(cache, key, key.upper())
    assert [cache.lookup(key)[1] for key in ("a", "b", "c")] == [None, "B", "C"]


def test_a_store_without_a_version_keeps_nothing() -> None:
    cache: VersionedCache[str, str] = VersionedCache(lambda: None, 10)
    version, _ = cache.lookup("a")
    cache.keep(version, "a", "A")
    assert cache.lookup("a")[1] is None
