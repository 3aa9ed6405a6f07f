"""Correlation ids made by the sidecar: 32 hex digits, unique within a process and across forked workers,
whatever seeds Python's shared random generator."""
from __future__ import annotations

import os
import random
import re

import pytest

from sidecar import correlation


def test_ids_are_32_hex_digits_and_do_not_repeat():
    made = [correlation.new() for _ in range(10_000)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in made)
    assert len(set(made)) == len(made)


@pytest.fixture
def shared_generator_restored():
    """The shared generator's state as it was before the test: later tests' draws stay unpredictable."""
    state = random.getstate()
    yield
    random.setstate(state)


def test_a_forked_worker_draws_other_ids_than_its_parent_even_with_the_shared_generator_seeded(shared_generator_restored):
    random.seed(0)  # a library seeding the shared generator must not make two processes agree
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its first ids, to the parent
        os.close(reader)
        random.seed(0)
        os.write(writer, " ".join(correlation.new() for _ in range(3)).encode())
        os._exit(0)
    os.close(writer)
    mine = {correlation.new() for _ in range(3)}
    with os.fdopen(reader) as pipe:
        theirs = set(pipe.read().split())
    os.waitpid(pid, 0)
    assert len(theirs) == 3 and not mine & theirs
