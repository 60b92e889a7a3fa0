"""Pages for people: sign-in, sign-out, the dashboard. The API stays for machines."""

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.params import Body, PathParameter, QueryParameter
from litestar.response import Redirect, Template
from pydantic import BaseModel

from opcoord import i18n, sessions
from opcoord.auth import Caller
from opcoord.db import Database
from opcoord.operations import access, operations
from opcoord.operations.enums import Role
from opcoord.operations.participants import is_participant


class SignInForm(BaseModel):
    username: str = ""
    password: str = ""
    next: str = "/"


def _safe_next(target: str) -> str:
    # Only a path on this site: never an open redirect to somewhere else.
    return target if target.startswith("/") and not target.startswith("//") else "/"


async def page_caller(request: Request[Any, Any, Any]) -> Caller | None:
    db: Database = request.app.state.db
    try:
        return await sessions.authenticate(request, db, request.app.state.clock.now())
    except NotAuthorizedException:
        return None


def page_lang(request: Request[Any, Any, Any]) -> i18n.Lang:
    return i18n.Lang(
        i18n.choose(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language"))
    )


async def page_context(
    request: Request[Any, Any, Any], caller: Caller | None, **extra: Any
) -> dict[str, Any]:
    """What every page template gets: the caller, the CSRF token, the language."""
    return {
        "caller": caller,
        "csrf": await page_csrf(request) if caller else "",
        "path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **page_lang(request).context(),
        **extra,
    }


async def page_csrf(request: Request[Any, Any, Any]) -> str:
    """The session's CSRF token, for the page's scripts and forms ('' with a bearer token)."""
    found = await sessions.session_caller(
        request.app.state.db,
        request.cookies.get(sessions.COOKIE, ""),
        request.app.state.clock.now(),
    )
    return found[1] if found else ""


def to_signin(request: Request[Any, Any, Any]) -> Redirect:
    return Redirect(f"/signin?next={quote(request.url.path)}", status_code=303)


@get("/signin", include_in_schema=False)
async def signin_page(
    request: Request[Any, Any, Any],
    next: Annotated[str, QueryParameter(required=False)] = "/",
) -> Template:
    return Template(
        "signin.html",
        context=await page_context(request, None, next=_safe_next(next), error=None),
    )


@post("/signin", include_in_schema=False, status_code=303)
async def signin(
    request: Request[Any, Any, Any],
    data: Annotated[SignInForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[Any]:
    db: Database = request.app.state.db
    now: datetime = request.app.state.clock.now()
    lang = page_lang(request)
    try:
        opened = await sessions.sign_in(db, data.username.strip(), data.password, now)
    except sessions.TooManyAttemptsError as exc:
        minutes = max(1, (exc.retry_after + 59) // 60)
        return Template(
            "signin.html",
            context=await page_context(
                request,
                None,
                next=_safe_next(data.next),
                username=data.username,
                error=lang.gettext(
                    "Too many failed attempts for this name. Try again in %(n)s min.", n=minutes
                ),
            ),
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if opened is None:
        return Template(
            "signin.html",
            context=await page_context(
                request,
                None,
                next=_safe_next(data.next),
                username=data.username,
                error=lang.gettext("Wrong username or password."),
            ),
            status_code=401,
        )
    token, _csrf = opened
    response = Redirect(_safe_next(data.next), status_code=303)
    response.set_cookie(
        sessions.COOKIE,
        token,
        httponly=True,
        samesite="lax",
        path="/",
        secure=request.url.scheme == "https",
        max_age=sessions.SESSION_HOURS * 3600,
    )
    return response


@post("/signout", include_in_schema=False, status_code=303)
async def signout(request: Request[Any, Any, Any]) -> Redirect:
    token = request.cookies.get(sessions.COOKIE)
    if token:
        await sessions.sign_out(request.app.state.db, token)
    response = Redirect("/signin", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@get("/", include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Response[Any]:
    caller = await page_caller(request)
    if caller is None:
        return to_signin(request)
    ops = await operations.list_operations(request.app.state.db, request.app.state.clock.now())
    return Template("home.html", context=await page_context(request, caller, operations=ops))


@get("/operations/{code:str}/dashboard", include_in_schema=False)
async def dashboard(
    request: Request[Any, Any, Any], code: Annotated[str, PathParameter()]
) -> Response[Any]:
    caller = await page_caller(request)
    if caller is None:
        return to_signin(request)
    access.require_live_watcher(caller)
    db: Database = request.app.state.db
    now = request.app.state.clock.now()
    op = await operations.get_operation(db, code, now)
    if caller.role is Role.ncp:
        async with db.read() as session:
            found = await operations.load(session, code)
            if not await is_participant(session, found, caller.country):
                raise HTTPException(status_code=403, detail="your country does not take part")
    return Template("dashboard.html", context=await page_context(request, caller, op=op))


class LanguageForm(BaseModel):
    lang: str = i18n.DEFAULT
    next: str = "/"


@post("/language", include_in_schema=False, status_code=303)
async def set_language(
    data: Annotated[LanguageForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect:
    """The language switch: remembered in a cookie for a year."""
    response = Redirect(_safe_next(data.next), status_code=303)
    if data.lang in i18n.LANGUAGES:
        response.set_cookie(
            i18n.COOKIE, data.lang, max_age=365 * 24 * 3600, samesite="lax", path="/"
        )
    return response


PAGES = [signin_page, signin, signout, home, dashboard, set_language]
