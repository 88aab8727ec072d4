"""Jinja2 pages: one base layout (`templates/base.html`), the visitor's language, the
interface's words in English and Japanese.

The language is `?lang=en|ja` when given (and then remembered in the `lang` cookie), else
the cookie, else English. The switch links keep the page: the same path and query with
only `lang` changed, each marked with its `hreflang`. Autoescaping is on for every template;
HTML built elsewhere comes in only as `Markup` (the linked-data pages' bodies).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("en", "ja")
COOKIE = "lang"

WORDS: dict[str, dict[str, str]] = {
    "home": {"en": "Home", "ja": "ホーム"},
    "query": {"en": "Query", "ja": "クエリ"},
    "questions": {"en": "Questions", "ja": "質問"},
    "matrix": {"en": "Who stands where", "ja": "立場の一覧"},
    "timeline": {"en": "Timeline", "ja": "年表"},
    "resources": {"en": "Resources", "ja": "リソース"},
    "ontology": {"en": "Ontology", "ja": "オントロジー"},
    "docs": {"en": "API docs", "ja": "API文書"},
    "language": {"en": "Language", "ja": "言語"},
    "skip": {"en": "Skip to content", "ja": "本文へ"},
    "licence": {"en": "Data licence", "ja": "データのライセンス"},
    "main_nav": {"en": "Main", "ja": "メイン"},
}
"""Interface words by key, then language (data labels come from the graph, not from here)."""


def language(request: Request | None) -> str:
    """`?lang=` if valid, else the `lang` cookie, else English."""
    if request is None:
        return "en"
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(COOKIE)
    return cookie if cookie in LANGUAGES else "en"


@dataclass(frozen=True)
class Frame:
    """What the base layout needs about the request: its language and the URL of the same
    page in each language."""

    lang: str = "en"
    switch: Mapping[str, str] = field(default_factory=dict)
    remember: bool = False
    """True when `?lang=` chose the language: the response sets the cookie."""

    def word(self, key: str) -> str:
        return WORDS[key].get(self.lang) or WORDS[key]["en"]


def frame(request: Request | None) -> Frame:
    """The frame of `request` (English, no switch, without one)."""
    lang = language(request)
    if request is None:
        return Frame(lang)
    others = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    switch = {
        code: request.url.path + "?" + urlencode([*others, ("lang", code)]) for code in LANGUAGES
    }
    return Frame(lang, switch, remember=request.query_params.get("lang") in LANGUAGES)


def iso_date(value: object) -> str:
    """A date or datetime as ISO 8601 (dates as `YYYY-MM-DD`); text unchanged."""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class Pages:
    """The templates of one sub-package (its `templates/` directory) over the shared base.
    Jinja2 is imported and the environment made on the first page rendered: a server that
    answers only SPARQL and the API never loads it (~35 ms of every start otherwise)."""

    def __init__(self, directories: Iterable[Path] = (), globals_: Mapping[str, Any] = {}) -> None:
        self._directories = [str(d) for d in directories] + [str(TEMPLATES)]
        self._globals = dict(globals_)

    @cached_property
    def env(self) -> Environment:
        from jinja2 import (
            ChoiceLoader,
            Environment,
            FileSystemLoader,
            StrictUndefined,
            select_autoescape,
        )

        env = Environment(
            loader=ChoiceLoader([FileSystemLoader(d) for d in self._directories]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["iso"] = iso_date
        env.globals.update(self._globals)
        return env

    def render(self, template: str, page: Frame, **context: Any) -> str:
        def t(en: str, ja: str) -> str:
            """The interface text in the page's language."""
            return ja if page.lang == "ja" else en

        return self.env.get_template(template).render(frame=page, t=t, **context)

    def response(
        self,
        request: Request | None,
        template: str,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        """The rendered page, with `Vary` and, when `?lang=` chose it, the language cookie."""
        page = frame(request)
        response = HTMLResponse(
            self.render(template, page, **context),
            status_code=status_code,
            headers={"Vary": "Accept, Cookie", **(headers or {})},
        )
        remember(response, page)
        return response


def remember(response: HTMLResponse, page: Frame) -> None:
    """Set the language cookie when the visitor chose a language with `?lang=`."""
    if page.remember:
        response.set_cookie(COOKIE, page.lang, max_age=365 * 86400, samesite="lax")
