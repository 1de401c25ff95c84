"""What officers see of mail delivery: the messages not delivered yet, parked ones first, and the counts."""

from __future__ import annotations

from sqlalchemy import update

from telreg.core import mail
from telreg.core.db import unit_of_work
from telreg.core.mail import OutboxMessage


def _queue(session, clock, n: int, **values) -> None:  # type: ignore[no-untyped-def]
    mail.enqueue(session, clock=clock, key=f"test:state:{n}", to=f"m{n}@example.com", subject=f"s{n}",
                 body="b")
    if values:
        session.execute(update(OutboxMessage).where(OutboxMessage.key == f"test:state:{n}").values(**values))


def test_undelivered_lists_parked_first_then_the_most_tried(runtime, clock):
    with unit_of_work(runtime.session_factory) as session:
        _queue(session, clock, 1)
        _queue(session, clock, 2, attempts=4, last_error="421 busy")
        _queue(session, clock, 3, state="sent", attempts=1)
        _queue(session, clock, 4, state="failed", attempts=12, last_error="550 no such mailbox")
        _queue(session, clock, 5, attempts=1, last_error="ConnectionRefusedError")
    with unit_of_work(runtime.session_factory) as session:
        messages, total = mail.undelivered(session)
        assert [(m.key, m.state, m.attempts) for m in messages] == [
            ("test:state:4", "failed", 12), ("test:state:2", "pending", 4), ("test:state:5", "pending", 1),
            ("test:state:1", "pending", 0)]
        assert total == 4
        assert messages[0].last_error == "550 no such mailbox"

        first_two, total = mail.undelivered(session, limit=2)
        assert [m.key for m in first_two] == ["test:state:4", "test:state:2"] and total == 4

        stats = mail.outbox_stats(session)
        assert (stats.pending, stats.failed, stats.oldest_pending_at) == (3, 1, clock.now())
