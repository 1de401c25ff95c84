"""The public workers' listening sockets (telreg.core.worker_pool.Listener): one per worker slot, all on one port,
balanced by the kernel; an address something else listens on is refused, even another SO_REUSEPORT group of the
same user (a second server started by mistake would otherwise take a share of the connections silently)."""

from __future__ import annotations

import errno
import socket
from collections import Counter

import pytest

from telreg.core.worker_pool import Listener, balancing_supported

pytestmark = pytest.mark.skipif(not balancing_supported(), reason="SO_REUSEPORT balances only on Linux")


def _accepting(listener: Listener, slots: int) -> list[socket.socket]:
    socks = [listener.sockets_for(slot)[0] for slot in range(slots)]
    for sock in socks:
        sock.listen(128)
    return socks


def test_each_slot_has_its_own_socket_on_the_one_port() -> None:
    listener = Listener("127.0.0.1", 0)
    try:
        first, second = _accepting(listener, 2)
        assert listener.port != 0
        assert first.getsockname() == second.getsockname() == ("127.0.0.1", listener.port)
        assert first.fileno() != second.fileno()
        assert all(sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) for sock in (first, second))
        assert listener.sockets_for(1) == [second]  # a slot keeps its socket for its replacements
        assert first.get_inheritable() and second.get_inheritable()  # handed to spawned workers
    finally:
        listener.close()
    assert first.fileno() == second.fileno() == -1


def test_the_kernel_spreads_connections_between_the_slots() -> None:
    listener = Listener("127.0.0.1", 0)
    clients: list[socket.socket] = []
    try:
        socks = _accepting(listener, 2)
        for _ in range(64):
            clients.append(socket.create_connection(("127.0.0.1", listener.port), timeout=5))
        accepted: Counter[int] = Counter()
        for index, sock in enumerate(socks):
            sock.setblocking(False)
            while True:
                try:
                    conn, _ = sock.accept()
                except BlockingIOError:
                    break
                conn.close()
                accepted[index] += 1
        assert sum(accepted.values()) == 64
        assert min(accepted[0], accepted[1]) > 0, accepted  # all 64 on one socket: 2 × 2**-64
    finally:
        for client in clients:
            client.close()
        listener.close()


def test_removing_a_slot_closes_its_socket_only() -> None:
    listener = Listener("127.0.0.1", 0)
    try:
        first, second, third = _accepting(listener, 3)
        listener.release(1)
        assert third.fileno() == second.fileno() == -1 and first.fileno() != -1
        assert listener.sockets_for(1)[0] is not second  # added again: a new socket
    finally:
        listener.close()


def test_an_address_in_use_is_refused() -> None:
    with socket.socket() as plain:
        plain.bind(("127.0.0.1", 0))
        plain.listen()
        with pytest.raises(OSError) as refused:
            Listener("127.0.0.1", plain.getsockname()[1])
        assert refused.value.errno == errno.EADDRINUSE


def test_a_second_server_cannot_join_the_first_ones_sockets() -> None:
    first = Listener("127.0.0.1", 0)
    try:
        _accepting(first, 2)
        with pytest.raises(OSError) as refused:
            Listener("127.0.0.1", first.port)
        assert refused.value.errno == errno.EADDRINUSE
    finally:
        first.close()


def test_unbalanced_workers_share_one_socket() -> None:
    listener = Listener("127.0.0.1", 0, balanced=False)
    try:
        assert listener.sockets_for(0) == listener.sockets_for(3)
        assert not listener.sockets_for(0)[0].getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)
    finally:
        listener.close()
    with socket.socket() as again:  # closed: the port is free again
        again.bind(("127.0.0.1", listener.port))


def test_ipv6_addresses_bind_an_ipv6_group() -> None:
    try:
        listener = Listener("::1", 0)
    except OSError as exc:  # a machine without IPv6 on loopback
        pytest.fail(f"no IPv6 loopback here: {exc}")
    try:
        first, second = _accepting(listener, 2)
        assert first.family == second.family == socket.AF_INET6
        assert first.getsockname()[1] == second.getsockname()[1] == listener.port
    finally:
        listener.close()
