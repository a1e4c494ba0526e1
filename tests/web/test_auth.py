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


def test_an_unknown_username_still_verifies_a_password_hash(client, make_user, monkeypatch):
    """Otherwise "no such user" answers at once and a wrong password only after hashing."""
    from webapp.services.staff import users

    verified = []
    real_check = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash",
                        lambda pwhash, password: verified.append(pwhash) or real_check(pwhash, password))
    make_user("alex")
    sign_in(client, "nobody", PASSWORD)
    sign_in(client, "alex", "not the password")
    assert len(verified) == 2
    assert verified[0] != verified[1] and verified[0].startswith(verified[1].split("$")[0])


def _request_in_fresh_context(app, do):
    """A server starts each request afresh; the test's own app context would let Flask-Login reuse
    the user it loaded for an earlier request."""
    with app.app_context():
        return do()


def _copied_client(app, client):
    """A second browser holding a copy of `client`'s session cookie."""
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    return copy


def test_a_copied_session_cookie_stops_working_at_sign_out(app, client, make_user):
    make_user("alex")
    sign_in(client, "alex")
    copy = _copied_client(app, client)
    assert _request_in_fresh_context(app, lambda: copy.get("/")).status_code == 200
    client.post("/logout")
    assert _request_in_fresh_context(app, lambda: copy.get("/")).status_code == 302


def test_a_password_reset_or_deactivation_ends_the_user_s_sessions(app, client, make_user):
    from webapp.extensions import db
    from webapp.models import User
    from webapp.services.staff.security import update_user
    from webapp.services.staff.users import set_password

    user = make_user("alex")
    sign_in(client, "alex")
    set_password(db.session.get(User, user.id), "a brand new password")
    db.session.commit()
    assert _request_in_fresh_context(app, lambda: client.get("/")).status_code == 302

    sign_in(client, "alex", "a brand new password")
    assert _request_in_fresh_context(app, lambda: client.get("/")).status_code == 200
    boss = make_user("boss")  # someone must still be able to manage security
    update_user(boss, db.session.get(User, user.id), display_name="Alex", email=None, active=False)
    db.session.commit()
    assert _request_in_fresh_context(app, lambda: client.get("/")).status_code == 302


def test_signing_in_starts_a_new_csrf_secret(client, make_user):
    make_user("alex")
    before = csrf_token_of(client.get("/login").get_data(as_text=True))
    sign_in(client, "alex")
    response = client.post("/units/new", data={"csrf_token": before, "code": "XYZ123", "name": "Planted"},
                           headers={"X-CSRFToken": before})
    assert response.status_code == 400 and "Form expired" in response.get_data(as_text=True)


def test_failures_for_one_username_do_not_lock_another_at_the_same_address(client, app, make_user):
    make_user("viewer")
    make_user("admin")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 2):
        sign_in(client, "viewer", "guess")
    assert "Too many failed" in sign_in(client, "viewer").get_data(as_text=True)
    assert sign_in(client, "admin").status_code == 302


def test_an_address_with_many_failures_is_throttled_across_usernames(client, app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_ADDRESS_FAILURES", 8)
    make_user("admin")
    for n in range(8):
        sign_in(client, f"guess{n}", "guess")
    response = sign_in(client, "admin")
    assert response.status_code == 422 and "Too many failed" in response.get_data(as_text=True)


def test_parallel_attempts_check_no_more_passwords_than_the_limit(app, make_user, monkeypatch):
    """Twelve tries at once for one username: at most five reach a password check (fewer when
    attempts record themselves before any of them counts: each then sees more than the limit)."""
    import threading

    from webapp.services.staff import users

    make_user("alex")
    checks = []
    real_check = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash",
                        lambda pwhash, password: checks.append(1) or real_check(pwhash, password))
    browsers = [app.test_client() for _ in range(12)]
    tokens = [_request_in_fresh_context(app, lambda: csrf_token_of(b.get("/login").get_data(as_text=True)))
              for b in browsers]
    start = threading.Barrier(len(browsers))
    answers = []

    def attempt(browser, token):
        start.wait()
        with app.app_context():
            answers.append(browser.post("/login", data={"csrf_token": token, "username": "alex",
                                                         "password": "guess"}).status_code)

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(browsers, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [422] * 12
    assert len(checks) <= app.config["LOGIN_MAX_FAILURES"]


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client_s(app, make_user):
    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import LoginAttempt

    proxied = create_app({"TESTING": True, "TRUSTED_PROXIES": 1, "SESSION_COOKIE_SECURE": False})
    browser = proxied.test_client()
    token = csrf_token_of(browser.get("/login").get_data(as_text=True))
    with proxied.app_context():
        browser.post("/login", data={"csrf_token": token, "username": "alex", "password": "guess"},
                     headers={"X-Forwarded-For": "203.0.113.9"})
    assert db.session.scalars(db.select(LoginAttempt.remote_addr)).all() == ["203.0.113.9"]
