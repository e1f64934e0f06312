"""Sign-in limits over HTTP: a stranger cannot lock a person out, and X-Forwarded-For is believed only
from the FORWARDED_ALLOW_IPS proxies (for the limits and the audit log)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from domain.auth import services as auth
from domain.models import AuditEntry, Role
from taskbell.runner import uvicorn_proxy_options
from tests.auxil.console import ask_code, code_for, csrf_in, sign_in
from tests.auxil.web import BASE_URL, make_deps, make_settings
from web.app import create_app
from web.security import forwarded_client


def browser(deps, address: str) -> httpx.AsyncClient:
    """A browser of its own (own cookies) at `address`."""
    transport = httpx.ASGITransport(app=create_app(deps), client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


async def enter_code(http: httpx.AsyncClient, code: str) -> httpx.Response:
    page = await http.get("/login/code")
    return await http.post("/login/code", data={"code": code, "csrf": csrf_in(page.text)})


def requested_from(db) -> list[str | None]:
    with db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(AuditEntry.ip).where(
            AuditEntry.action == "login.code_requested").order_by(AuditEntry.id)))


async def test_a_stranger_asking_for_a_victims_phone_does_not_lock_the_victim_out(db, make_person):
    victim = make_person(Role.TEACHER)
    deps = make_deps(db)
    async with browser(deps, "198.51.100.5") as own, browser(deps, "203.0.113.66") as attacker:
        assert (await ask_code(own, victim.phone)).status_code == 303
        held = code_for(db, victim.id)  # the code the victim already holds
        answers = [(await ask_code(attacker, victim.phone)).status_code for _ in range(auth.PER_PHONE_PER_HOUR + 1)]
        assert answers == [303] * auth.PER_PHONE_PER_HOUR + [429]  # the stranger is stopped...
        signed = await enter_code(own, held)  # ...the victim's code still works
        assert signed.status_code == 303 and signed.headers["location"] == "/admin"
    async with browser(deps, "198.51.100.5") as fresh:  # and a new browser of the victim's gets a code
        assert (await ask_code(fresh, victim.phone)).status_code == 303


async def test_a_refused_request_keeps_the_code_the_browser_holds(db, make_person):
    person = make_person(Role.TEACHER)
    deps = make_deps(db)
    async with browser(deps, "198.51.100.7") as own:
        assert (await ask_code(own, person.phone)).status_code == 303
        held, attempt = code_for(db, person.id), own.cookies["tb_attempt"]
        async with browser(deps, "198.51.100.7") as stranger:  # same address: spends the phone's budget
            for _ in range(auth.PER_PHONE_PER_HOUR - 1):
                assert (await ask_code(stranger, person.phone)).status_code == 303
        refused = await ask_code(own, person.phone)
        assert refused.status_code == 429 and "/web" in refused.text
        assert own.cookies["tb_attempt"] == attempt  # the refusal left the attempt alone
        assert (await enter_code(own, held)).status_code == 303


async def test_a_browser_that_signed_in_before_is_served_when_the_phone_is_flooded(db, make_person):
    person = make_person(Role.TEACHER)
    deps = make_deps(db)
    async with browser(deps, "198.51.100.9") as own:
        assert (await sign_in(own, db, person)).status_code == 303
        assert own.cookies.get("tb_device", "").startswith(f"{person.id}.")
        own.cookies.delete("tb_session")  # signed out, but the browser remembers who signed in here
        for i in range(auth.PER_PHONE_ALL_PER_HOUR):  # strangers at many addresses flood the phone
            async with browser(deps, f"203.0.113.{i + 1}") as stranger:
                await ask_code(stranger, person.phone)
        async with browser(deps, "198.51.100.9") as new:
            assert (await ask_code(new, person.phone)).status_code == 429
        assert (await ask_code(own, person.phone)).status_code == 303
        assert (await enter_code(own, code_for(db, person.id))).status_code == 303
        forged = own.cookies["tb_device"][:-1] + ("0" if own.cookies["tb_device"][-1] != "0" else "1")
    async with browser(deps, "198.51.100.9") as faker:
        faker.cookies.set("tb_device", forged, domain="taskbell.test")
        assert (await ask_code(faker, person.phone)).status_code == 429


async def test_forwarded_for_is_believed_only_from_the_listed_proxy(db, make_person):
    person = make_person(Role.TEACHER)
    header = {"x-forwarded-for": "192.0.2.200, 198.51.100.44"}
    behind = make_deps(db, forwarded_allow_ips="10.0.0.1")
    async with browser(behind, "10.0.0.1") as via_proxy:
        await ask_code(via_proxy, person.phone, **header)
    async with browser(behind, "10.0.0.2") as not_the_proxy:
        await ask_code(not_the_proxy, person.phone, **header)
    async with browser(make_deps(db), "10.0.0.1") as no_setting:
        await ask_code(no_setting, person.phone, **header)
    assert requested_from(db) == ["198.51.100.44", "10.0.0.2", "10.0.0.1"]


async def test_behind_a_trusted_proxy_one_client_cannot_spend_everyones_budget(db, make_person):
    person = make_person(Role.TEACHER)
    deps = make_deps(db, forwarded_allow_ips="10.0.0.0/8")
    for i in range(auth.PER_IP_PER_HOUR):  # one client spends its whole address budget
        async with browser(deps, "10.0.0.1") as noisy:
            await ask_code(noisy, f"+4477009{i + 90000:05d}", **{"x-forwarded-for": "203.0.113.5"})
    async with browser(deps, "10.0.0.1") as noisy:
        r = await ask_code(noisy, "+447700999999", **{"x-forwarded-for": "203.0.113.5"})
        assert r.status_code == 429
    async with browser(deps, "10.0.0.1") as other:  # another client through the same proxy
        r = await ask_code(other, person.phone, **{"x-forwarded-for": "198.51.100.8"})
        assert r.status_code == 303


def test_forwarded_client_walks_past_trusted_hops_only():
    assert forwarded_client("10.0.0.1", ["1.1.1.1, 10.0.0.5"], "10.0.0.0/8") == "1.1.1.1"
    assert forwarded_client("10.0.0.1", ["6.6.6.6, 1.1.1.1"], "10.0.0.1") == "1.1.1.1"  # spoofed hop ignored
    assert forwarded_client("10.0.0.1", ["1.1.1.1"], "") == "10.0.0.1"
    assert forwarded_client("10.0.0.9", ["1.1.1.1"], "10.0.0.1") == "10.0.0.9"
    assert forwarded_client("10.0.0.1", [], "10.0.0.1") == "10.0.0.1"
    assert forwarded_client("10.0.0.1", ["1.1.1.1, 2.2.2.2"], "*") == "1.1.1.1"


def test_uvicorn_believes_proxy_headers_only_when_proxies_are_listed():
    assert uvicorn_proxy_options(make_settings()) == {"proxy_headers": False}
    assert uvicorn_proxy_options(make_settings(forwarded_allow_ips=" 10.0.0.1, 10.1.0.0/16 ")) == {
        "proxy_headers": True, "forwarded_allow_ips": "10.0.0.1,10.1.0.0/16"}
    with pytest.raises(ValueError, match="FORWARDED_ALLOW_IPS"):
        make_settings(forwarded_allow_ips="10.0.0.1, proxy.example")
