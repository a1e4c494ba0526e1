"""Every connection to Canvas checks the address it is about to reach (issue 22, L2): a Canvas host name
that resolves, or later rebinds, to a link-local or cloud metadata address is never connected to.

A stub resolver answers for the names below; the network guard (tests/conftest.py) fails the test
should anything connect beyond this machine, so "refused" here means refused before connecting.
"""

import socket

import pytest

from tests.services.integrations.test_integrations import _test_connection_says
from webapp.extensions import db
from webapp.models import LmsIntegration
from webapp.services.canvas import RefusedAddress
from webapp.services.integrations.connection import canvas_client
from webapp.services.integrations.secrets import encrypt
from webapp.services.integrations.wizard import defaults


@pytest.fixture
def dns(monkeypatch):
    """A stub resolver: `dns.answers[name]` lists the address each lookup of `name` gets, in turn (the
    last one for good); other names go to the real (guarded) resolver. `dns.asked` lists the lookups."""
    real = socket.getaddrinfo

    class Resolver:
        def __init__(self):
            self.answers: dict[str, list[str]] = {}
            self.asked: list[str] = []

        def __call__(self, host, port, *args, **kwargs):
            if host not in self.answers:
                return real(host, port, *args, **kwargs)
            self.asked.append(host)
            queue = self.answers[host]
            address = queue.pop(0) if len(queue) > 1 else queue[0]
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    resolver = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return resolver


def _integration(base_url: str, **secrets) -> LmsIntegration:
    record = LmsIntegration(**(defaults() | {"name": "Rebound Canvas", "base_url": base_url} | secrets))
    db.session.add(record)
    db.session.commit()
    return record


def test_test_connection_refuses_a_name_that_resolves_to_the_metadata_address(client, login, dns):
    dns.answers["169.254.169.254.nip.io"] = ["169.254.169.254"]
    login()
    status, body = _test_connection_says(client, "https://169.254.169.254.nip.io")
    assert status == 422
    assert ("canvaslink did not connect to Canvas at 169.254.169.254.nip.io: the name resolves to "
            "169.254.169.254, which is a link-local or cloud metadata address, not Canvas.") in body
    assert "Check the Canvas address of the LMS integration" in body
    assert dns.asked == ["169.254.169.254.nip.io"]


def test_a_name_that_rebinds_is_refused_at_its_next_connection(dns, sim):
    # First an address canvaslink may reach (here the simulator, on this machine as the tests allow),
    # then the metadata service's: the check made when the first connection was made must not carry over.
    port = sim.url.rsplit(":", 1)[1]
    dns.answers["canvas.rebind.test"] = ["127.0.0.1", "169.254.169.254"]
    integration = _integration(f"http://canvas.rebind.test:{port}", access_token_enc=encrypt(sim.admin_token))

    with canvas_client(integration) as canvas:
        assert canvas.whoami().name == "Integration Admin"
    with canvas_client(integration) as canvas, pytest.raises(RefusedAddress) as refused:
        canvas.whoami()
    assert "canvas.rebind.test: the name resolves to 169.254.169.254, which is a link-local" in str(refused.value)
    assert dns.asked == ["canvas.rebind.test", "canvas.rebind.test"]


def test_token_requests_are_checked_too(dns):
    # No access token yet: the first connection is the OAuth token request, made before any API call.
    dns.answers["canvas.example.edu.au"] = ["100.100.100.200"]
    integration = _integration("https://canvas.example.edu.au", client_id="10000000000001",
                               client_secret_enc=encrypt("secret"), refresh_token_enc=encrypt("refresh"))
    with canvas_client(integration) as canvas, pytest.raises(RefusedAddress) as refused:
        canvas.whoami()
    assert "resolves to 100.100.100.200, which is a link-local or cloud metadata address" in str(refused.value)
    assert dns.asked == ["canvas.example.edu.au"]


def test_a_name_with_a_private_address_needs_the_setting_as_a_typed_address_does(app, monkeypatch, dns):
    dns.answers["canvas.example.edu.au"] = ["10.1.2.3"]
    monkeypatch.setitem(app.config, "CANVAS_ALLOW_PRIVATE_ADDRESSES", False)
    integration = _integration("https://canvas.example.edu.au", access_token_enc=encrypt("token"))
    with canvas_client(integration) as canvas, pytest.raises(RefusedAddress) as refused:
        canvas.whoami()
    assert "resolves to 10.1.2.3, which is on this machine or a private network" in str(refused.value)
    assert "CANVASLINK_ALLOW_PRIVATE_CANVAS" in str(refused.value)
