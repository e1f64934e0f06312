"""A fuzz corpus replayed against the real app: every route of the Starlette app (enumerated from
`app.routes`, so a new route is covered without editing this file), every form and query string the
pages offer (found by crawling them), every JSON API parameter and body field (from the OpenAPI
document), each filled with hostile values. Counts the answers by status; a 5xx is a defect."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import httpx
from starlette.routing import BaseRoute, Mount, Route

HOSTILE: dict[str, str] = {
    "nul": "a\x00b",
    "surrogate": "\ud800",
    "far_future": "9999-12-31",
    "far_past": "0001-01-01",
    "far_future_time": "9999-12-31T23:59",
    "far_past_time": "0001-01-01T00:00",
    "minus_one": "-1",
    "double_minus": "--5",
    "int64": str(2**63),
    "long": "x" * 10240,
    "emoji": "😀👩‍👩‍👧🇬🇧" * 20,
    "rtl": "\u202e\u200fعربي\u202c",
    "sql": "1' OR '1'='1'; DROP TABLE person; --",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "formula": '=HYPERLINK("http://evil.test","click")',
    "control": "a\x1b[31mb\x7fc\x0b",
    "empty": "",
}
#: JSON values that are not strings (the API's bodies).
HOSTILE_JSON: dict[str, Any] = {
    "json_minus_one": -1, "json_int64": 2**63, "json_float": 1.5, "json_null": None, "json_true": True,
    "json_list": ["\ud800", 2**63], "json_object": {"a": "\x00"},
}
#: Query names tried on every GET route besides those its pages and the OpenAPI document name.
GLOBAL_QUERY = ("m", "next", "page")


def _enc(value: str) -> str:
    return quote(value, safe="", encoding="utf-8", errors="surrogatepass")


def urlencoded(pairs: list[tuple[str, str]]) -> str:
    """application/x-www-form-urlencoded, lone surrogates passed through as their UTF-8 bytes."""
    return "&".join(f"{_enc(k)}={_enc(v)}" for k, v in pairs)


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    multipart: bool = False


class _Forms(HTMLParser):
    """The forms (fields with their first value) and same-site links of a page."""

    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith(("/", "?")):
            self.links.append(a["href"] if a["href"].startswith("/") else self.page_path + a["href"])
        elif tag == "form":
            self._form = Form(a.get("action") or self.page_path, (a.get("method") or "get").lower(),
                              multipart="multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and any(n == a["name"] for n, _ in self._form.fields):
                return
            self._form.fields.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = a["name"]
        elif self._form is not None and tag == "option" and self._select:
            self._form.fields.append((self._select, a.get("value", "")))
            self._select = None
        elif self._form is not None and tag == "textarea" and a.get("name"):
            self._form.fields.append((a["name"], ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def routes_of(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, str, Any]]:
    """(method, path template, compiled route) for every route of the app, mounts expanded."""
    out = []
    for route in routes:
        if isinstance(route, Mount):
            if route.routes:
                out += routes_of(list(route.routes), prefix + route.path)
            else:
                out.append(("GET", prefix + route.path + "/{path}", route))
        elif isinstance(route, Route):
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                out.append((method, prefix + route.path, route))
    return out


def _matches(template: str, path: str) -> bool:
    pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
    return re.match(pattern, path) is not None


@dataclass
class Fuzzer:
    """Replays the corpus as one signed-in person; `seen` counts answers by status."""

    http: httpx.AsyncClient
    app_routes: list[BaseRoute]
    ids: dict[str, str]  # the path segment before a parameter -> a real value for it
    api_headers: dict[str, str]
    seeds: list[str] = field(default_factory=list)
    seen: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    async def send(self, method: str, url: str, *, body: str | None = None, kind: str = "form",
                   what: str = "") -> int:
        headers = {"origin": str(self.http.base_url).rstrip("/")}
        if url.startswith("/api/"):
            headers.update(self.api_headers)
        if body is not None:
            headers["content-type"] = ("application/json" if kind == "json"
                                       else "application/x-www-form-urlencoded")
        r = await self.http.request(method, url, content=body.encode("utf-8", "surrogatepass")
                                    if body is not None else None, headers=headers)
        self.seen[r.status_code] += 1
        if r.status_code >= 500:
            self.failures.append(f"{r.status_code} {method} {url[:120]} {what}")
        return r.status_code

    def fill(self, template: str, hostile: str | None = None) -> str:
        """The template with its parameters given real values (or one hostile value, encoded)."""
        def value(m: re.Match[str]) -> str:
            if hostile is not None:
                return _enc(hostile) or "%20"
            before = template[:m.start()].rstrip("/").rsplit("/", 1)[-1]
            return self.ids.get(m.group(1), self.ids.get(before, "1"))
        return re.sub(r"\{([^}:]+)(?::[^}]+)?\}", value, template)

    async def crawl(self, limit: int = 80) -> tuple[list[Form], dict[str, set[str]]]:
        """Forms and the query names of links, from the pages reachable from the seeds."""
        todo = list(self.seeds)
        done: set[str] = set()
        forms: dict[tuple[str, str, tuple[str, ...]], Form] = {}
        names: dict[str, set[str]] = {}
        while todo and len(done) < limit:
            url = todo.pop(0)
            parts = urlsplit(url)
            shape = re.sub(r"\d+", "N", parts.path)
            if shape in done or parts.path.startswith(("/static", "/logout")):
                continue
            done.add(shape)
            r = await self.http.get(url)
            if "html" not in r.headers.get("content-type", ""):
                continue
            parser = _Forms(parts.path)
            parser.feed(r.text)
            for link in parser.links:
                lp = urlsplit(link)
                names.setdefault(lp.path, set()).update(k for k, _ in parse_qsl(lp.query))
                todo.append(link)
            for form in parser.forms:
                key = (form.method, re.sub(r"\d+", "N", urlsplit(form.action).path),
                       tuple(sorted(n for n, _ in form.fields)))
                forms.setdefault(key, form)
                if form.method == "get":
                    names.setdefault(urlsplit(form.action).path, set()).update(n for n, _ in form.fields)
        return list(forms.values()), names

    async def run(self) -> None:
        forms, names = await self.crawl()
        doc = (await self.http.get("/api/openapi.json", headers=self.api_headers)).json()
        api_query: dict[str, set[str]] = {}
        api_body: dict[str, list[str]] = {}
        for path, ops in doc.get("paths", {}).items():
            for method, op in ops.items():
                api_query[f"{method.upper()} /api{path}"] = {
                    p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
                ref = (op.get("requestBody", {}).get("content", {}).get("application/json", {})
                       .get("schema", {}).get("$ref", ""))
                schema = doc.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
                api_body[f"{method.upper()} /api{path}"] = list(schema.get("properties", {}))
        destructive = re.compile(r"delete|remove|cancel|status|role")
        forms.sort(key=lambda f: bool(destructive.search(f.action)))
        for method, template, _route in routes_of(self.app_routes):
            for label, value in HOSTILE.items():  # hostile path parameters
                if "{" in template:
                    await self.send(method, self.fill(template, value), body="" if method != "GET" else None,
                                    what=f"path={label}")
            url = self.fill(template)
            if method == "GET":
                await self.send("GET", url)
                query_names = set(GLOBAL_QUERY) | api_query.get(f"GET {template}", set())
                for path, found in names.items():
                    if _matches(template, path):
                        query_names |= found
                for name in sorted(query_names):
                    for label, value in HOSTILE.items():
                        await self.send("GET", f"{url}?{urlencoded([(name, value)])}", what=f"{name}={label}")
                continue
            body_fields = api_body.get(f"{method} {template}")
            if body_fields is not None:
                await self.json_bodies(method, url, body_fields)
                continue
            matching = [f for f in forms if f.method == "post" and _matches(template, urlsplit(f.action).path)]
            if not matching:  # a form no page offers (webhook, one-time links): generic bodies
                for label, value in HOSTILE.items():
                    await self.send(method, url, body=urlencoded([("csrf", "x"), ("text", value)]),
                                    what=f"form={label}")
                    await self.send(method, url, body=json.dumps({"message": {"text": value}}), kind="json",
                                    what=f"json={label}")
            for form in matching:
                for i, (name, _) in enumerate(form.fields):
                    if name == "csrf":
                        continue
                    for label, value in HOSTILE.items():
                        pairs = [(n, value if j == i else v) for j, (n, v) in enumerate(form.fields)]
                        await self.send("POST", form.action, body=urlencoded(pairs), what=f"{name}={label}")

    async def json_bodies(self, method: str, url: str, body_fields: list[str]) -> None:
        base: dict[str, Any] = {"title": "Fuzz", "person_ids": [int(self.ids.get("people", "1"))]}
        await self.send(method, url, body="\"\\ud800\"", kind="json", what="body=surrogate")
        await self.send(method, url, body="[" * 30000 + "]" * 30000, kind="json", what="body=deep")
        await self.send(method, url, body="{\"title\": \"a\\u0000b\", \"person_ids\": [1]}", kind="json",
                        what="body=nul")
        for name in body_fields:
            for label, value in {**HOSTILE, **HOSTILE_JSON}.items():
                await self.send(method, url, body=json.dumps({**base, name: value}), kind="json",
                                what=f"{name}={label}")
            if name.endswith("_at"):
                for label in ("far_future_time", "far_past_time"):
                    await self.send(method, url, body=json.dumps({**base, name: HOSTILE[label] + "+14:00"}),
                                    kind="json", what=f"{name}={label}+14")
