"""Torch's thread settings when skdvaan runs in several Python threads."""

import threading

import pytest
import torch

from skdvaan import _base


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _in_new_thread(func, *args):
    out = []
    worker = threading.Thread(target=lambda: out.append(func(*args)))
    worker.start()
    worker.join()
    return out[0]


def test_overlapping_blocks_restore_threads_for_later_threads(two_threads):
    # Thread a limits torch to 1 thread; thread b starts meanwhile (and so
    # takes a's 1 as its own setting) and asks for 3. a finishes first.
    a_in, b_in, a_done = threading.Event(), threading.Event(), threading.Event()

    def a():
        with _base.torch_threads(1):
            a_in.set()
            b_in.wait(10)
        a_done.set()

    def b():
        a_in.wait(10)
        with _base.torch_threads(3):
            b_in.set()
            a_done.wait(10)

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert torch.get_num_threads() == 2
    # A thread started now gets torch's setting from before the blocks.
    assert _in_new_thread(torch.get_num_threads) == 2


def test_blocks_in_one_thread_start_no_helper(two_threads, monkeypatch):
    started = []
    monkeypatch.setattr(_base, "_set_process_threads", started.append)
    with _base.torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2
    assert started == []
    assert _in_new_thread(torch.get_num_threads) == 2
