"""The one rate-limited outage warning (atelier/outage_log.py) that the broker sends
(atelier.enqueue) and the shared cache (atelier.cache) both count their failures in."""

from __future__ import annotations

import logging

from atelier.cache import CacheOutage
from atelier.enqueue import _FailedSends
from atelier.outage_log import OutageLog


def test_first_failure_warns_then_at_most_once_per_interval_with_the_count():
    log = OutageLog(every_seconds=60)
    assert log.failed(now=100.0) == 1
    assert [log.failed(now=100.0 + s) for s in (1, 2, 59)] == [None, None, None]
    assert log.failed(now=160.0) == 4  # the three quiet ones and this one
    assert log.failed(now=161.0) is None


def test_counted_failures_join_the_next_warning_and_the_end_reports_the_rest():
    log = OutageLog(every_seconds=60)
    assert log.failed(now=0.0) == 1
    log.count()
    log.count()
    assert log.failed(now=61.0) == 3
    log.count()
    assert log.ended() == 1
    # After the end, the next outage's first failure warns at once.
    assert log.failed(now=62.0) == 1


def test_an_outage_that_begins_again_warns_at_once():
    log = OutageLog(every_seconds=60)
    assert log.failed(now=0.0) == 1
    assert log.failed(now=1.0, began=True) == 1


def test_cache_outage_warns_on_begin_counts_local_answers_and_says_when_back(caplog):
    caplog.set_level(logging.WARNING, logger="atelier.cache")
    outage = CacheOutage(location="redis://x", retry_seconds=5, log_seconds=60)
    outage.failed(error=ConnectionError("refused"), now=10.0)
    assert outage.skip(now=11.0) and outage.skip(now=12.0)
    outage.failed(error=ConnectionError("refused"), now=16.0)  # within the minute: quiet
    assert outage.served_locally == 3
    outage.answered()
    lines = [r.getMessage() for r in caplog.records if r.name == "atelier.cache"]
    assert len(lines) == 2
    assert "unreachable" in lines[0] and "(1 calls so far)" in lines[0]
    assert "is back (3 calls were served locally)" in lines[1]


def test_failed_sends_warn_once_a_minute_with_the_count(caplog, monkeypatch):
    caplog.set_level(logging.WARNING, logger="atelier.enqueue")
    times = [0.0, 10.0, 20.0, 61.0]
    monkeypatch.setattr("atelier.enqueue.time.monotonic", lambda: times.pop(0) if times else 61.0)
    sends = _FailedSends()
    for _ in range(4):
        sends.record(task="t", args=(1,), error=OSError("refused"))
    lines = [r.getMessage() for r in caplog.records if r.name == "atelier.enqueue"]
    assert len(lines) == 2
    assert "1 send(s) failed" in lines[0] and "3 send(s) failed" in lines[1]
