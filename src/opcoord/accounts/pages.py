"""Pages for signing in and out, and the language switch."""

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template
from pydantic import BaseModel

from opcoord import i18n
from opcoord.accounts import sessions
from opcoord.accounts.access import Rule, needs
from opcoord.db import Database
from opcoord.errors import TooManyRequests
from opcoord.web import page_context, page_lang

PUBLIC_PAGE = needs(Rule.public, page=True)


class SignInForm(BaseModel):
    username: str = ""
    password: str = ""
    next: str = "/"


def safe_next(target: str) -> str:
    # Only a path on this site: never an open redirect to somewhere else.
    return target if target.startswith("/") and not target.startswith("//") else "/"


@get("/signin", include_in_schema=False, opt=PUBLIC_PAGE)
async def signin_page(
    request: Request[Any, Any, Any],
    next: Annotated[str, QueryParameter(required=False)] = "/",
) -> Template:
    return Template("signin.html", context=page_context(request, next=safe_next(next), error=None))


@post("/signin", include_in_schema=False, status_code=303, opt=PUBLIC_PAGE)
async def signin(
    request: Request[Any, Any, Any],
    data: Annotated[SignInForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[Any]:
    db: Database = request.app.state.db
    now: datetime = request.app.state.clock.now()
    lang = page_lang(request)

    def again(error: str, status: int, headers: dict[str, str] | None = None) -> Template:
        context = page_context(
            request, next=safe_next(data.next), username=data.username, error=error
        )
        context["caller"] = None
        return Template("signin.html", context=context, status_code=status, headers=headers)

    try:
        hours = request.app.state.settings.session_hours
        opened = await sessions.sign_in(db, data.username.strip(), data.password, now, hours=hours)
    except TooManyRequests as exc:
        minutes = max(1, (exc.retry_after + 59) // 60)
        return again(
            lang.gettext(
                "Too many failed attempts for this name. Try again in %(n)s min.", n=minutes
            ),
            429,
            {"Retry-After": str(exc.retry_after)},
        )
    if opened is None:
        return again(lang.gettext("Wrong username or password."), 401)
    token, _csrf = opened
    response = Redirect(safe_next(data.next), status_code=303)
    response.set_cookie(
        sessions.COOKIE,
        token,
        httponly=True,
        samesite="lax",
        path="/",
        secure=request.url.scheme == "https",
        max_age=request.app.state.settings.session_hours * 3600,
    )
    return response


@post("/signout", include_in_schema=False, status_code=303, opt=PUBLIC_PAGE)
async def signout(request: Request[Any, Any, Any]) -> Redirect:
    token = request.cookies.get(sessions.COOKIE)
    if token:
        await sessions.sign_out(request.app.state.db, token)
    # What the browser kept for the person (the offline worker's pages, returns waiting
    # to be sent) goes too; the page deletes it first, this covers a page without scripts.
    response = Redirect("/signin", status_code=303, headers={"Clear-Site-Data": '"storage"'})
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


class LanguageForm(BaseModel):
    lang: str = i18n.DEFAULT
    next: str = "/"


@post("/language", include_in_schema=False, status_code=303, opt=needs(Rule.public))
async def set_language(
    data: Annotated[LanguageForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect:
    """The language switch: remembered in a cookie for a year."""
    response = Redirect(safe_next(data.next), status_code=303)
    if data.lang in i18n.LANGUAGES:
        response.set_cookie(
            i18n.COOKIE, data.lang, max_age=365 * 24 * 3600, samesite="lax", path="/"
        )
    return response


PAGES = [signin_page, signin, signout, set_language]
