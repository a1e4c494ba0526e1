"""Sign-in, sign-out, throttling, CSRF and the browser-facing safety settings."""

from tests.helpers import PASSWORD, csrf_token_of, sign_in


def test_pages_need_a_signed_in_user(client):
    response = client.get("/occurrences/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_sign_in_and_out(client, make_user):
    make_user("alex")
    response = sign_in(client, "alex")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Welcome, Alex" in client.get("/").get_data(as_text=True)
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_message(client, make_user):
    make_user("alex")
    wrong_password = sign_in(client, "alex", "not the password")
    unknown_user = sign_in(client, "nobody", PASSWORD)
    for response in (wrong_password, unknown_user):
        assert response.status_code == 422
        assert "Wrong username or password." in response.get_data(as_text=True)


def test_repeated_failures_lock_sign_in_even_with_the_right_password(client, app, make_user):
    make_user("alex")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        sign_in(client, "alex", "guess")
    response = sign_in(client, "alex")
    assert response.status_code == 422
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_next_only_leads_within_the_site(client, make_user):
    make_user("alex")
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    data = {"csrf_token": token, "username": "alex", "password": PASSWORD}
    response = client.post("/login?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/"
    client.post("/logout", headers={"X-CSRFToken": csrf_token_of(client.get("/").get_data(as_text=True))})
    data["csrf_token"] = csrf_token_of(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=/clients/", data=data)
    assert response.headers["Location"] == "/clients/"


def test_forms_without_a_csrf_token_are_refused(client, login):
    login()
    del client.environ_base["HTTP_X_CSRFTOKEN"]
    response = client.post("/units/new", data={"code": "XYZ123", "name": "Sneaky"})
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)


def test_csrf_token_rides_on_body_for_htmx(client, login):
    login()
    html = client.get("/").get_data(as_text=True)
    assert "hx-headers='{\"X-CSRFToken\": \"" in html


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "HX-Request" in response.headers["Vary"]


def test_session_cookie_is_httponly_and_lax(client, make_user):
    make_user("alex")
    response = sign_in(client, "alex")
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_outside_development(monkeypatch, tmp_path):
    from webapp import create_app

    monkeypatch.setenv("CANVASLINK_ENV", "production")
    assert create_app({"TESTING": True}).config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("CANVASLINK_ENV", "development")
    assert create_app({"TESTING": True}).config["SESSION_COOKIE_SECURE"] is False


def test_deactivated_staff_cannot_sign_in(client, make_user):
    from webapp.extensions import db

    user = make_user("alex")
    user.active = False
    db.session.commit()
    response = sign_in(client, "alex")
    assert response.status_code == 422
    assert "Wrong username or password." in response.get_data(as_text=True)
