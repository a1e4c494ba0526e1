"""401 with WWW-Authenticate → one token renewal → one retry → a clear error; tokens stay secret."""

import logging
import threading

import pytest
import requests
from responses import matchers

from webapp.services.canvas import (
    AuthError,
    OAuthTokenProvider,
    OAuthTokens,
    StaticToken,
    Unavailable,
    exchange_authorization_code,
)

COURSE = {"id": 55, "name": "Certificate IV in WHS"}
INVALID = {"status": 401, "json": {"errors": [{"message": "Invalid access token."}]},
           "headers": {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}}
OLD, NEW, REFRESH, SECRET = "7~OldAccessToken", "7~NewAccessToken", "7~RefreshTokenValue", "DevKeySecretValue"


@pytest.fixture
def saved() -> list[OAuthTokens]:
    return []


@pytest.fixture
def oauth(url, clock, saved):
    return OAuthTokenProvider(url(""), "10000000000042", SECRET, REFRESH, access_token=OLD,
                              on_new_tokens=saved.append, clock=clock)


def _token_endpoint(canvas_mock, url, **answer):
    canvas_mock.post(url("/login/oauth2/token"), match=[matchers.urlencoded_params_matcher({
        "grant_type": "refresh_token", "client_id": "10000000000042", "client_secret": SECRET,
        "refresh_token": REFRESH})], **answer)


def _bearer(call) -> str:
    return call.request.headers["Authorization"]


def test_a_rejected_token_is_renewed_once_and_the_call_retried(canvas_mock, make_canvas_client, url, oauth, saved,
                                                               clock):
    canvas_mock.get(url("/api/v1/courses/55"), **INVALID)
    _token_endpoint(canvas_mock, url, json={"access_token": NEW, "token_type": "Bearer", "expires_in": 3600,
                                            "user": {"id": 42, "name": "Integration Admin"}})
    canvas_mock.get(url("/api/v1/courses/55"), json=COURSE)

    assert make_canvas_client(oauth).get_course(55).id == 55

    assert [_bearer(canvas_mock.calls[0]), _bearer(canvas_mock.calls[2])] == [f"Bearer {OLD}", f"Bearer {NEW}"]
    # Canvas sends no new refresh token: the original stays valid and is kept.
    assert saved == [OAuthTokens(NEW, REFRESH, clock.now + 3600)]


def test_a_token_rejected_again_after_renewal_is_a_clear_error(canvas_mock, make_canvas_client, url, oauth):
    canvas_mock.get(url("/api/v1/courses/55"), **INVALID)
    _token_endpoint(canvas_mock, url, json={"access_token": NEW})
    canvas_mock.get(url("/api/v1/courses/55"), **INVALID)

    with pytest.raises(AuthError) as caught:
        make_canvas_client(oauth).get_course(55)

    assert str(caught.value) == ("Canvas rejected the integration's access token while working on course 55 "
                                 "(Canvas said: Invalid access token.). Authorise the integration again or paste "
                                 "a new access token.")


def test_a_pasted_token_cannot_be_renewed(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55"), **INVALID)

    with pytest.raises(AuthError, match="paste a new access token. Renewing the token failed: A pasted access token "
                                        "cannot be renewed."):
        canvas_client.get_course(55)


def test_a_refused_renewal_says_why(canvas_mock, make_canvas_client, url, oauth):
    canvas_mock.get(url("/api/v1/courses/55"), **INVALID)
    _token_endpoint(canvas_mock, url, status=400,
                    json={"error": "invalid_request", "error_description": "refresh_token not found"})

    with pytest.raises(AuthError, match=r"Renewing the token failed: Canvas at canvas.test refused to issue an "
                                        r"access token \(Canvas said: refresh_token not found\); authorise"):
        make_canvas_client(oauth).get_course(55)


def test_an_unreachable_token_endpoint_is_retried_like_any_failure(canvas_mock, make_canvas_client, url, oauth, sleeps):
    canvas_mock.get(url("/api/v1/courses/55"), **INVALID)
    _token_endpoint(canvas_mock, url, status=503, body="Service Unavailable")
    canvas_mock.get(url("/api/v1/courses/55"), **INVALID)
    _token_endpoint(canvas_mock, url, json={"access_token": NEW})
    canvas_mock.get(url("/api/v1/courses/55"), json=COURSE)

    assert make_canvas_client(oauth).get_course(55).id == 55
    assert len(sleeps) == 1


def test_threads_rejected_together_renew_once(canvas_mock, make_canvas_client, url, oauth):
    def course(request):
        if request.headers["Authorization"] == f"Bearer {NEW}":
            return 200, {"Content-Type": "application/json"}, '{"id": 55, "name": "WHS"}'
        return 401, {"WWW-Authenticate": 'Bearer realm="canvas-lms"', "Content-Type": "application/json"}, \
            '{"errors": [{"message": "Expired access token."}]}'

    canvas_mock.add_callback("GET", url("/api/v1/courses/55"), callback=course)
    _token_endpoint(canvas_mock, url, json={"access_token": NEW})
    client = make_canvas_client(oauth)
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(client.get_course(55).id)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [55] * 8
    assert sum(call.request.url.endswith("/login/oauth2/token") for call in canvas_mock.calls) == 1


def test_tokens_are_renewed_a_minute_before_they_expire(canvas_mock, url, clock, saved):
    provider = OAuthTokenProvider(url(""), "10000000000042", SECRET, REFRESH, access_token=OLD,
                                  expires_at=clock.now + 90, on_new_tokens=saved.append, clock=clock)
    _token_endpoint(canvas_mock, url, json={"access_token": NEW, "expires_in": 3600})

    assert provider.get_token() == OLD
    clock.now += 31
    assert provider.get_token() == NEW
    assert saved[0].expires_at == clock.now + 3600


def test_a_provider_without_an_access_token_fetches_one_first(canvas_mock, url, clock):
    provider = OAuthTokenProvider(url(""), "10000000000042", SECRET, REFRESH, clock=clock)
    _token_endpoint(canvas_mock, url, json={"access_token": NEW})

    assert provider.get_token() == NEW


@pytest.mark.parametrize(("answer", "error", "message"), [
    ({"status": 401, "json": {"error": "invalid_client", "error_description": "unknown client"},
      "headers": {"WWW-Authenticate": "Canvas OAuth 2.0"}}, AuthError,
     "Canvas at canvas.test does not recognise the developer key (Canvas said: unknown client); check the "
     "Client ID and Client Secret."),
    ({"status": 500, "body": "oops"}, Unavailable,
     "Canvas at canvas.test failed with error 500 while issuing an access token; try again later."),
    ({"body": requests.ConnectionError("refused")}, Unavailable,
     "Could not reach Canvas at canvas.test to obtain an access token; try again later."),
])
def test_token_endpoint_failures(canvas_mock, url, oauth, answer, error, message):
    _token_endpoint(canvas_mock, url, **answer)

    with pytest.raises(error) as caught:
        oauth.refresh_token()

    assert str(caught.value) == message


def test_exchange_authorization_code(canvas_mock, url, clock):
    canvas_mock.post(url("/login/oauth2/token"), match=[matchers.urlencoded_params_matcher({
        "grant_type": "authorization_code", "client_id": "10000000000042", "client_secret": SECRET,
        "redirect_uri": "https://sms.test/lms/callback", "code": "abc123"})],
        json={"access_token": NEW, "token_type": "Bearer", "refresh_token": REFRESH, "expires_in": 3600,
              "user": {"id": 42, "name": "Integration Admin"}})

    tokens = exchange_authorization_code(url(""), "10000000000042", SECRET, "abc123",
                                         "https://sms.test/lms/callback", clock=clock)

    assert tokens == OAuthTokens(NEW, REFRESH, clock.now + 3600)


def test_secrets_never_reach_messages_logs_or_reprs(canvas_mock, make_canvas_client, url, oauth, caplog):
    caplog.set_level(logging.DEBUG)
    canvas_mock.get(url("/api/v1/courses/55"), status=503, body="busy")
    canvas_mock.get(url("/api/v1/courses/55"), **INVALID)
    _token_endpoint(canvas_mock, url, json={"access_token": NEW, "refresh_token": "7~AnotherRefreshToken"})
    canvas_mock.get(url("/api/v1/courses/55"), **INVALID)
    client = make_canvas_client(oauth)

    with pytest.raises(AuthError) as caught:
        client.get_course(55)

    assert caplog.records, "the retry should have been logged"
    visible = " ".join([caplog.text, str(caught.value), caught.value.detail, repr(caught.value), repr(oauth),
                        repr(StaticToken(OLD)), repr(OAuthTokens(NEW, REFRESH, None)), repr(client)])
    for secret in (OLD, NEW, REFRESH, SECRET, "7~AnotherRefreshToken"):
        assert secret not in visible
