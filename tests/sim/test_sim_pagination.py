"""Pagination exactly as Canvas (reference §6, lib/api.rb): per_page, page, Link rels."""

import re

import pytest


def links(response) -> dict[str, str]:
    return dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="([^"]+)"', response.headers["Link"]))


@pytest.fixture
def api(make_sim_app, sim_api_for):
    """A course with 25 modules and a section with 25 students."""
    seed = {"users": [{"id": 1, "name": "Admin", "login_id": "admin", "admin": True, "tokens": ["t"]}]
            + [{"id": 100 + i, "name": f"Student {i}", "login_id": f"s{i}"} for i in range(25)],
            "courses": [{"id": 5, "name": "C", "sections": [{"id": 50, "name": "S"}],
                         "modules": [{"id": 500 + i, "name": f"Module {i}"} for i in range(25)]}],
            "enrollments": [{"user_id": 100 + i, "section_id": 50} for i in range(25)]}
    return sim_api_for(make_sim_app(seed), "t")


def test_default_page_is_ten_with_current_next_first_last(api):
    response = api.get("/api/v1/courses/5/modules")
    assert [m["id"] for m in response.json] == list(range(500, 510))
    assert links(response) == {
        "current": "http://localhost/api/v1/courses/5/modules?page=1&per_page=10",
        "next": "http://localhost/api/v1/courses/5/modules?page=2&per_page=10",
        "first": "http://localhost/api/v1/courses/5/modules?page=1&per_page=10",
        "last": "http://localhost/api/v1/courses/5/modules?page=3&per_page=10",
    }
    assert list(links(response)) == ["current", "next", "first", "last"]


def test_middle_and_last_pages(api):
    middle = links(api.get("/api/v1/courses/5/modules?page=2"))
    assert set(middle) == {"current", "next", "prev", "first", "last"}
    assert "page=1&" in middle["prev"]
    last = api.get("/api/v1/courses/5/modules?page=3")
    assert [m["id"] for m in last.json] == list(range(520, 525))
    assert set(links(last)) == {"current", "prev", "first", "last"}


def test_per_page_is_clamped_to_1_and_100(api):
    assert len(api.get("/api/v1/courses/5/modules?per_page=100").json) == 25
    assert "per_page=100" in links(api.get("/api/v1/courses/5/modules?per_page=500"))["current"]
    assert len(api.get("/api/v1/courses/5/modules?per_page=0").json) == 1
    assert len(api.get("/api/v1/courses/5/modules?per_page=abc").json) == 1


def test_single_page_still_has_current_first_last(api):
    response = api.get("/api/v1/courses/5/modules?per_page=100")
    assert set(links(response)) == {"current", "first", "last"}


def test_past_the_end_is_empty_and_bad_page_is_404(api):
    assert api.get("/api/v1/courses/5/modules?page=9").json == []
    assert api.get("/api/v1/courses/5/modules?page=0").status_code == 404
    assert api.get("/api/v1/courses/5/modules?page=x").status_code == 404


def test_links_keep_query_sorted_and_drop_the_token(api):
    response = api.client.get("/api/v1/courses/5/modules?search_term=module&include[]=items&access_token=t&per_page=5")
    current = links(response)["current"]
    assert current == ("http://localhost/api/v1/courses/5/modules?include%5B%5D=items&search_term=module"
                       "&page=1&per_page=5")


def test_enrollments_use_bookmarks_without_prev_or_last(api):
    first = api.get("/api/v1/sections/50/enrollments")
    rels = links(first)
    assert list(rels) == ["current", "next", "first"]
    assert "page=first&per_page=10" in rels["current"] and "page=first&per_page=10" in rels["first"]
    assert re.search(r"page=bookmark:[A-Za-z0-9_-]+&per_page=10$", rels["next"])
    seen = [e["user_id"] for e in first.json]
    url = rels["next"]
    while url:
        page = api.get(url.removeprefix("http://localhost"))
        seen += [e["user_id"] for e in page.json]
        assert "prev" not in links(page) and "last" not in links(page)
        url = links(page).get("next")
    assert seen == [100 + i for i in range(25)]


def test_bookmark_numbered_page_beyond_one_is_404(api):
    assert api.get("/api/v1/sections/50/enrollments?page=2").status_code == 404
    assert len(api.get("/api/v1/sections/50/enrollments?page=1").json) == 10


def test_account_user_search_has_no_last_link(api):
    response = api.get("/api/v1/accounts/1/users?per_page=5")
    assert set(links(response)) == {"current", "next", "first"}
