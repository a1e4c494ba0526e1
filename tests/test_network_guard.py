"""The network guard (tests/conftest.py): every test reaches only this machine and sends no mail."""

import _socket
import errno
import os
import re
import smtplib
import socket

import pytest
import requests

OUTSIDE = ("192.0.2.1", 9)  # TEST-NET-1 (RFC 5737): for documentation, routed nowhere


def _assert_guard_stands_before_the_kernel():
    """Checked before any outside address is tried, so a missing guard cannot send a packet."""
    assert socket.socket.connect is not _socket.socket.connect
    assert socket.socket.connect_ex is not _socket.socket.connect_ex


def test_a_connection_beyond_this_machine_is_refused_before_the_kernel_starts_it(network_guard):
    _assert_guard_stands_before_the_kernel()
    with socket.create_server(("127.0.0.1", 0)) as listener, socket.socket() as sock:
        sock.setblocking(False)
        with pytest.raises(pytest.fail.Exception, match=r"tried a connection to 192\.0\.2\.1:9; tests reach only"):
            sock.connect_ex(OUTSIDE)
        # Had the kernel started that connection (sent its SYN), this one would be refused: EALREADY.
        assert sock.connect_ex(listener.getsockname()) in (0, errno.EINPROGRESS)
        listener.accept()[0].close()
    assert network_guard.refused == ["a connection to 192.0.2.1:9"]
    network_guard.refused.clear()


def _connect_ipv6():
    with socket.socket(socket.AF_INET6) as sock:
        sock.connect(("2001:db8::1", 9))  # the IPv6 documentation prefix (RFC 3849)


@pytest.mark.parametrize("attempt, refused", [
    (lambda: socket.create_connection(OUTSIDE, timeout=1), "a connection to 192.0.2.1:9"),
    (lambda: requests.get("http://192.0.2.1:9/", timeout=1), "a connection to 192.0.2.1:9"),
    (_connect_ipv6, "a connection to [2001:db8::1]:9"),
    (lambda: requests.get("https://canvas.example.edu.au/", timeout=1),
     "to look up 'canvas.example.edu.au' (a name lookup asks a resolver on the network)"),
], ids=["socket", "requests", "ipv6", "name-lookup"])
def test_every_way_out_is_refused_and_named(network_guard, attempt, refused):
    _assert_guard_stands_before_the_kernel()
    with pytest.raises(pytest.fail.Exception, match=re.escape(f"network guard: the test tried {refused};")):
        attempt()
    assert network_guard.refused == [refused]
    network_guard.refused.clear()


def test_code_that_handles_a_failed_connection_cannot_hide_a_refusal(network_guard):
    def send_or_give_up():
        try:
            smtplib.SMTP("mail.example.edu", 25, timeout=1)
        except (OSError, smtplib.SMTPException):
            return "gave up"

    with pytest.raises(pytest.fail.Exception):
        send_or_give_up()
    assert network_guard.refused == ["an SMTP connection to mail.example.edu:25"]
    network_guard.refused.clear()


def test_no_mail_leaves_even_for_this_machine(network_guard):
    with pytest.raises(pytest.fail.Exception, match="tried an SMTP connection to 127.0.0.1:25"):
        smtplib.SMTP("127.0.0.1")
    with pytest.raises(pytest.fail.Exception, match="tried an SMTP connection to mail.example.edu:465"):
        smtplib.SMTP_SSL("mail.example.edu")
    with pytest.raises(pytest.fail.Exception, match="tried to send mail over SMTP"):
        smtplib.SMTP().send(b"QUIT\r\n")
    assert len(network_guard.refused) == 3
    network_guard.refused.clear()


def test_a_test_that_fakes_smtp_gets_its_fake(monkeypatch, network_guard):
    class FakeSMTP:
        def __init__(self, host, port):
            self.address = (host, port)

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    assert smtplib.SMTP("mail.example.edu", 587).address == ("mail.example.edu", 587)
    assert network_guard.refused == []


def test_this_machine_is_reachable_over_ipv4_ipv6_localhost_and_unix_sockets():
    for host, family in (("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6)):
        with socket.create_server((host, 0), family=family) as listener:
            with socket.create_connection(listener.getsockname()[:2], timeout=5) as sock:
                sock.sendall(b"ping")
                with listener.accept()[0] as peer:
                    assert peer.recv(4) == b"ping"
    with socket.create_server(("127.0.0.1", 0)) as listener:
        with socket.create_connection(("localhost", listener.getsockname()[1]), timeout=5):
            listener.accept()[0].close()
    name = f"\0canvaslink-network-guard-{os.getpid()}"  # Linux's abstract namespace: no file to clean up
    with socket.socket(socket.AF_UNIX) as listener, socket.socket(socket.AF_UNIX) as sock:
        listener.bind(name)
        listener.listen()
        sock.connect(name)
        listener.accept()[0].close()
