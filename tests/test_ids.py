"""Ids (``server/ids.py``): record ids are UUIDv7 text, strictly increasing and unique across
threads; request ids are random UUID4 text."""

from __future__ import annotations

import re
import threading
import time
import uuid

from heymarket_contacts.server.ids import RequestIds, TimeOrderedIds

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_an_id_is_a_version_7_uuid_of_the_current_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    text = TimeOrderedIds()()
    after = time.time_ns() // 1_000_000
    assert UUID_TEXT.fullmatch(text), text
    parsed = uuid.UUID(text)
    assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
    assert str(parsed) == text
    assert before <= parsed.int >> 80 <= after


def test_ids_strictly_increase_past_the_counter_of_one_millisecond() -> None:
    ids = TimeOrderedIds()
    made = [ids() for _ in range(20_000)]  # more than 4,096 fit in some millisecond
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert all(UUID_TEXT.fullmatch(text) for text in made)


def test_ids_made_together_follow_those_made_alone_and_each_other() -> None:
    ids = TimeOrderedIds()
    made = [ids(), *ids.many(10_000), ids(), *ids.many(1), *ids.many(3), ids()]
    assert made == sorted(made)
    assert len(set(made)) == len(made) == 10_007
    assert all(UUID_TEXT.fullmatch(text) for text in made)
    assert {uuid.UUID(text).version for text in made} == {7}
    assert ids.many(0) == []


def test_ids_made_by_many_threads_are_unique() -> None:
    ids = TimeOrderedIds()
    made: list[list[str]] = [[] for _ in range(8)]

    def make(into: list[str]) -> None:
        into.extend(ids() for _ in range(5_000))

    threads = [threading.Thread(target=make, args=(into,)) for into in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [text for into in made for text in into]
    assert len(set(everything)) == 40_000
    assert all(into == sorted(into) for into in made)


def test_the_random_part_differs_between_generators() -> None:
    first, second = TimeOrderedIds()(), TimeOrderedIds()()
    assert first[-12:] != second[-12:]


def test_request_ids_are_distinct_uuid4_text() -> None:
    new_request_id = RequestIds()
    made = [new_request_id() for _ in range(1000)]  # several batches of random bytes
    assert len(set(made)) == len(made)
    for text in made:
        parsed = uuid.UUID(text)
        assert (str(parsed), parsed.version, parsed.variant) == (text, 4, uuid.RFC_4122)
