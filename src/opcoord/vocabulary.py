"""Words that reach pages through variables (enum values), marked for translation.

``pybabel extract`` only sees literal strings; listing the values here puts them in
the catalogues, and templates translate them with ``_(value)``.
"""


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    return message


ROLES = (N_("coordinator"), N_("regional"), N_("ncp"), N_("partner"))
STATUSES = (N_("planned"), N_("active"), N_("closed"))
DAY_STATUSES = (N_("submitted"), N_("nil"), N_("late"), N_("missing"), N_("not_due"))
CATEGORIES = (
    N_("archaeological"),
    N_("coins"),
    N_("paintings"),
    N_("sculptures"),
    N_("religious"),
    N_("manuscripts"),
    N_("ceramics"),
    N_("weapons"),
    N_("furniture"),
    N_("musical_instruments"),
    N_("fossils"),
    N_("ethnographic"),
    N_("other"),
)
PLACE_TYPES = (
    N_("airport"),
    N_("seaport"),
    N_("land_border"),
    N_("postal_centre"),
    N_("inland"),
    N_("auction_house"),
    N_("private_premises"),
    N_("archaeological_site"),
    N_("underwater_site"),
    N_("online"),
)
CONVEYANCES = (
    N_("air_passenger"),
    N_("air_cargo"),
    N_("postal"),
    N_("express_courier"),
    N_("vehicle"),
    N_("rail"),
    N_("vessel"),
    N_("pedestrian"),
)
EDITION_STATUSES = (N_("pending"), N_("ready"), N_("failed"))
AGENCIES = (N_("customs"), N_("police"), N_("border_guard"), N_("ministry_of_culture"))
COUNTERS = (
    N_("persons_checked"),
    N_("vehicles_checked"),
    N_("vessels_checked"),
    N_("premises_checked"),
    N_("online_checks"),
    N_("arrests"),
    N_("investigations_criminal"),
    N_("investigations_administrative"),
    N_("metal_detectors"),
    N_("excavation_tools"),
)

# --- why a page was refused, in words a reader understands (web.py's error pages) -----------

#: By the error's stable kind (``errors[].type``).
PAGE_REASONS = {
    "coordinator_only": N_("This page is for the operation's coordinators."),
    "figures_audience": N_(
        "This page is for coordinators and for the contact points of the countries taking part."
    ),
    "report_audience": N_(
        "The consolidated report is for coordinators and, once it is published, for partners."
    ),
    "not_published": N_("The report has not been published to partners yet."),
    "other_country": N_("A national contact point sees only their own country's returns."),
    "not_participating": N_("Your country does not take part in this operation."),
    "operation_closed": N_("The operation is closed: its returns can no longer change."),
    "no_report": N_("There is no report yet: it is produced when the operation closes."),
    "pending": N_("The report is still being produced. Try again in a minute."),
    "csrf": N_("The page had expired. Reload it and try again."),
    "day_absent": N_("That country does not take part in the operation on that day."),
    "day_in_future": N_("That day has not begun yet in the operation's time zone."),
    "too_many_requests": N_("Too many attempts. Wait a moment and try again."),
}
#: A thing that does not exist, by the field that names it.
PAGE_MISSING = {
    "code": N_("There is no operation with this code."),
    "country": N_("That country does not take part in this operation."),
    "day": N_("There is no return for that day, or the day is outside the operation's window."),
    "edition": N_("There is no such edition of the report."),
    "username": N_("There is no such account."),
}
#: By status, when nothing more precise is known.
PAGE_STATUS = {
    400: N_("The address could not be read."),
    403: N_("Your account does not give access to this page."),
    404: N_("There is nothing at this address."),
    409: N_("This is not possible in the operation's current state."),
    422: N_("The address asks for something that is not valid."),
    429: N_("Too many attempts. Wait a moment and try again."),
    500: N_("Something went wrong on our side. Please try again."),
    503: N_("The database cannot be reached right now. Try again in a moment."),
}
#: The names of the values an address carries (path and query), as a reader calls them.
PAGE_FIELDS = {
    "code": N_("Operation code"),
    "country": N_("Country"),
    "category": N_("Category"),
    "from": N_("From"),
    "to": N_("To"),
    "day": N_("Day"),
    "edition": N_("Edition"),
    "number": N_("Edition"),
    "version": N_("Version"),
    "lang": N_("Language"),
    "embed": N_("Map only"),
}
