"""Sign-in that holds: a session ends on sign-out and on a new password; wrong passwords
slow the next try down, and a person still gets in after the wait; only requests for this
machine's names are answered; beyond this machine the page is served over HTTPS."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient

from pipeline.cli import cli
from pipeline.people import People
from pipeline.web import create_app
from pipeline.web.guard import SignInGuard
from tests.office import PASSWORD


def _client(root: Path, **options: object) -> TestClient:
    return TestClient(create_app(root, **options), base_url="http://localhost",  # type: ignore[arg-type]
                      follow_redirects=False)


def _token(client: TestClient, url: str = "/login") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(url).text)
    assert found
    return found.group(1)


def _sign_in(client: TestClient, login: str, password: str = PASSWORD) -> int:
    reply = client.post("/login", data={"login": login, "password": password,
                                        "csrf": _token(client), "next": "/"})
    return reply.status_code


def test_a_copied_session_ends_with_the_sign_out(root: Path) -> None:
    client = _client(root)
    assert _sign_in(client, "li.qiang") == 303
    copied = dict(client.cookies)
    other = _client(root)
    other.cookies.update(copied)
    assert "Sign out" in other.get("/").text or "退出" in other.get("/").text
    client.post("/logout", data={"csrf": _token(client, "/")})
    page = other.get("/").text
    assert "Sign out" not in page and "退出" not in page


def test_a_new_password_ends_the_sessions(root: Path) -> None:
    client = _client(root)
    assert _sign_in(client, "li.qiang") == 303
    assert "退出" in client.get("/").text or "Sign out" in client.get("/").text
    People(root).set_password("li.qiang", "another password 2")
    page = client.get("/").text
    assert "退出" not in page and "Sign out" not in page


def test_wrong_passwords_slow_the_next_try_down(root: Path) -> None:
    client = _client(root)
    office = client.app.state.office  # type: ignore[attr-defined]
    clock = [1000.0]
    office.guard = SignInGuard(now=lambda: clock[0])
    for _ in range(200):
        assert _sign_in(client, "li.qiang", "wrong") in {401, 429}
        clock[0] += 0.01
    reply = client.post("/login", data={"login": "li.qiang", "password": PASSWORD,
                                        "csrf": _token(client), "next": "/"})
    assert reply.status_code == 429 and "try again in" in reply.text
    wait = office.guard.wait("li.qiang", "testclient")
    assert 0 < wait <= 900
    clock[0] += wait + 1  # the person waits, and gets in
    assert _sign_in(client, "li.qiang") == 303


def test_only_this_machines_names_are_answered(root: Path) -> None:
    client = _client(root)
    assert client.get("/", headers={"host": "localhost:8750"}).status_code == 200
    rebinding = client.get("/", headers={"host": "attacker.example"})
    assert rebinding.status_code == 400
    named = _client(root, hosts=("gendan.office.lan",))
    assert named.get("/", headers={"host": "gendan.office.lan"}).status_code in {200, 303}


def test_beyond_this_machine_the_page_needs_https(root: Path) -> None:
    result = CliRunner().invoke(cli, ["-w", str(root), "serve", "--host", "0.0.0.0"])
    assert result.exit_code == 3 and "needs HTTPS" in result.output


def test_cookies_are_secure_when_served_over_https(root: Path) -> None:
    client = TestClient(create_app(root, secure_cookie=True), base_url="https://localhost",
                        follow_redirects=False)
    reply = client.post("/login", data={"login": "li.qiang", "password": PASSWORD,
                                        "csrf": _token(client), "next": "/"})
    assert reply.status_code == 303
    assert "secure" in reply.headers["set-cookie"].lower()


def test_an_order_number_with_a_slash_opens(root: Path) -> None:
    import json as json_module

    order = json_module.loads((Path(__file__).resolve().parents[1] / "examples" /
                               "AN-2026-118.json").read_text(encoding="utf-8"))
    order["order_no"] = "AN/2026/119"
    (root / "inbox" / "slash.json").write_text(json_module.dumps(order, ensure_ascii=False),
                                               encoding="utf-8")
    assert CliRunner().invoke(cli, ["-w", str(root), "run"]).exit_code == 0
    client = _client(root)
    page = client.get("/orders/AN/2026/119")
    assert page.status_code == 200 and "AN/2026/119" in page.text
    assert _sign_in(client, "li.qiang") == 303
    reply = client.post("/orders/AN/2026/119/check", data={"csrf": _token(client, "/")})
    assert reply.status_code == 303
    assert client.get(reply.headers["location"]).status_code == 200
