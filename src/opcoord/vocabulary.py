"""Words that reach pages through variables (enum values), marked for translation.

``pybabel extract`` only sees literal strings; listing the values here puts them in
the catalogues, and templates translate them with ``_(value)``.
"""


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    return message


ROLES = (N_("coordinator"), N_("ncp"), N_("partner"))
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
