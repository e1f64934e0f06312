"""The sending lease: one process sends with the bot token; a lapsed holder is replaced, and what its worker
had claimed is due again at once."""

from __future__ import annotations

from sqlalchemy import select

from domain import workers
from domain.models import DeliveryWorker
from domain.ops import sender


def test_one_holder_renews_another_takes_over_only_once_it_lapsed(db, clock):
    a = workers.WorkerId("host/ns:1:a", "host/ns", 1)
    workers.register(db.uow(), a, lambda pid: True)
    assert sender.take(db.uow(), a.id) == sender.Lead(1)
    clock.advance(seconds=5)
    assert sender.take(db.uow(), a.id) == sender.Lead(1)  # renewed in time
    assert sender.take(db.uow(), "host/ns:2:b") is None  # a still sends
    assert sender.holder(db.uow()) == a.id
    clock.advance(seconds=7)  # a stopped renewing (killed, paused)
    assert sender.holder(db.uow()) is None
    assert sender.take(db.uow(), "host/ns:2:b") == sender.Lead(2, taken_from=a.id, lapsed=True)
    with db.uow(readonly=True) as uow:  # a's claims are due at once: its worker is stopped
        assert uow.session.scalar(select(DeliveryWorker.stopped_at).where(DeliveryWorker.id == a.id)) is not None
    assert sender.take(db.uow(), a.id) is None  # a, back, stands by
    assert sender.holder(db.uow()) == "host/ns:2:b"


def test_a_clean_stop_frees_the_lease_at_once_and_a_lapse_alone_keeps_the_epoch(db, clock):
    assert sender.take(db.uow(), "a") == sender.Lead(1)
    clock.advance(seconds=10)
    assert sender.take(db.uow(), "a") == sender.Lead(1, lapsed=True)  # nobody took it meanwhile
    sender.release(db.uow(), "b")  # not b's to give
    assert sender.take(db.uow(), "b") is None
    sender.release(db.uow(), "a")
    assert sender.take(db.uow(), "b") == sender.Lead(2, taken_from="a", lapsed=True)


def test_a_holder_whose_process_is_gone_is_replaced_at_once(db, clock):
    assert sender.take(db.uow(), "host/ns:1:a") == sender.Lead(1)
    assert sender.take(db.uow(), "host/ns:2:b", gone=lambda holder: False) is None  # a may be alive
    lead = sender.take(db.uow(), "host/ns:2:b", gone=lambda holder: holder == "host/ns:1:a")  # a was killed
    assert lead == sender.Lead(2, taken_from="host/ns:1:a", lapsed=True)
