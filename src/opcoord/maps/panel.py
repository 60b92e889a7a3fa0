"""The map's words and its side panel, in the reader's language.

The panel holds the title, the count of seizures the map cannot place, one switch per
layer and, under each switch that is on, that layer's key. It sits beside the map
(under it on a narrow screen), never over it, so no key ever hides a country. The
words the page script needs (popups, cluster titles, live counts) go to it as data;
numbers and dates are formatted for the reader's locale, here with Babel and in the
browser with ``Intl`` for the same locale.
"""

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from opcoord.i18n import Lang

K = "%(num)s"  # a placeholder kept for the page script to fill


def plural_forms(lang: Lang, singular: str, plural: str) -> list[str]:
    """A plural message for 1, 2 and 5 with ``%(num)s`` left in: the page script picks
    one with ``Intl.PluralRules`` (one / few / many-or-other covers en, fr, es, ru)."""
    return [lang.ngettext(singular, plural, n, num=K) for n in (1, 2, 5)]


def nocoords_text(lang: Lang, n: int) -> str:
    return lang.ngettext(
        "%(num)s seizure without coordinates (not on the map)",
        "%(num)s seizures without coordinates (not on the map)",
        n,
        num=lang.number(n),
    )


def objects_text(lang: Lang, n: int) -> str:
    return lang.ngettext("%(num)s object", "%(num)s objects", n, num=lang.number(n))


def seizures_text(lang: Lang, n: int) -> str:
    return lang.ngettext("%(num)s seizure", "%(num)s seizures", n, num=lang.number(n))


def route_label(lang: Lang, origin: str, destination: str, objects: int, count: int) -> str:
    _ = lang.gettext
    return _(
        "%(origin)s → %(destination)s: %(objects)s in %(seizures)s",
        origin=lang.country(origin),
        destination=lang.country(destination),
        objects=objects_text(lang, objects),
        seizures=seizures_text(lang, count),
    )


def script_words(lang: Lang) -> dict[str, Any]:
    """What the page script writes itself: popup labels and the plural messages."""
    _ = lang.gettext
    return {
        "ref": _("Reference"),
        "category": _("Category"),
        "quantity": _("Quantity"),
        "place": _("Place"),
        "place_type": _("Place type"),
        "date": _("Date"),
        "country": _("Reporting country"),
        "conveyance": _("Conveyance"),
        "route": _("Route"),
        "description": _("Description"),
        "n_seizures": plural_forms(lang, "%(num)s seizure", "%(num)s seizures"),
        "nocoords": plural_forms(
            lang,
            "%(num)s seizure without coordinates (not on the map)",
            "%(num)s seizures without coordinates (not on the map)",
        ),
    }


def _e(text: object) -> str:
    return html.escape(str(text))


def _hint(text: str) -> str:
    return f'<p class="opcoord-hint">{_e(text)}</p>'


def _swatch(colour: str, shape: str = "dot") -> str:
    return f'<i class="sw {shape}" style="background:{colour}" aria-hidden="true"></i>'


def _category_key(lang: Lang, colours: Mapping[str, str], counts: Mapping[str, int]) -> str:
    # Most seizures first, so the first lines say what the map is mostly about; a
    # category with none stays in the list, hidden, for a seizure that arrives live.
    order = sorted(colours, key=lambda c: (-counts.get(c, 0), list(colours).index(c)))
    items = [
        f'<li data-category="{c}"{"" if counts.get(c) else " hidden"}>{_swatch(colours[c])}'
        f'<span class="lbl">{_e(lang.word(c))}</span> '
        f'<span class="n">{_e(lang.number(counts.get(c, 0)))}</span></li>'
        for c in order
    ]
    return f'<ul class="opcoord-key" id="opcoord-categories">{"".join(items)}</ul>'


def _choropleth_key(lang: Lang, classes: Sequence[tuple[str, int]], top: int) -> str:
    """One line per class: its range of objects ("317–344", "≥ 615")."""
    items = []
    for i, (colour, low) in enumerate(classes):
        high = classes[i + 1][1] - 1 if i + 1 < len(classes) else None
        if high is None:
            span = f"{lang.number(low)} – {lang.number(top)}" if top > low else lang.number(low)
        elif high > low:
            span = f"{lang.number(low)} – {lang.number(high)}"
        else:
            span = lang.number(low)
        items.append(f"<li>{_swatch(colour, 'square')}<span class=lbl>{_e(span)}</span></li>")
    if not items:
        return _hint(lang.gettext("No objects seized yet."))
    return f'<ul class="opcoord-key">{"".join(items)}</ul>'


def _routes_key(lang: Lang, routes: Sequence[Sequence[Any]], shown: int) -> str:
    _ = lang.gettext
    if not routes:
        return _hint(_("No seizure names both an origin and a destination."))
    how = _(
        "Each line goes from the country of origin to the country of destination; "
        "the arrow points to the destination and the width grows with the objects."
    )
    drawn = routes[:shown]
    widths = "".join(
        f'<li><i class="line" style="height:{r[4]}px" aria-hidden="true"></i>'
        f'<span class="lbl">{_e(objects_text(lang, r[5]))}</span></li>'
        # the widest and the thinnest line: the range of the scale
        for r in ((routes[0], routes[-1]) if routes[-1][4] < routes[0][4] else routes[:1])
    )
    lines = "".join(
        f'<li><span class="lbl">{_e(lang.country(r[7]))} → {_e(lang.country(r[8]))}</span> '
        f'<span class="n">{_e(lang.number(r[5]))}</span></li>'
        for r in routes[:5]
    )
    rest = ""
    if len(routes) > shown:
        on_map = sum(r[5] for r in drawn) / max(1, sum(r[5] for r in routes))
        rest = _hint(
            _(
                "The %(shown)s largest of %(total)s routes, %(share)s of the objects on a route.",
                shown=lang.number(len(drawn)),
                total=lang.number(len(routes)),
                share=lang.percent(on_map),
            )
        ) + (
            '<label class="opcoord-more"><input type="checkbox" data-routes="all"> '
            + _e(_("Show all %(total)s routes", total=lang.number(len(routes))))
            + "</label>"
        )
    return (
        _hint(how)
        + f'<ul class="opcoord-key opcoord-widths">{widths}</ul>'
        + rest
        + '<p class="opcoord-sub">'
        + _e(_("Largest routes, objects"))
        + "</p>"
        + f'<ol class="opcoord-key opcoord-routes">{lines}</ol>'
    )


def _layer(name: str, label: str, key: str, *, checked: bool) -> str:
    return (
        f'<div class="opcoord-layer" data-layer="{name}">'
        f'<label><input type="checkbox" data-layer="{name}"{" checked" if checked else ""}> '
        f"{_e(label)}</label>"
        f'<div class="opcoord-layer-key" id="opcoord-key-{name}"{"" if checked else " hidden"}>'
        f"{key}</div></div>"
    )


def panel_html(
    lang: Lang,
    data: Mapping[str, Any],
    classes: Iterable[tuple[str, int]],
    *,
    title: str,
    compact: bool,
) -> str:
    """The side panel (or, ``compact``, the one line under an embedded map)."""
    _ = lang.gettext
    nocoords = (
        f'<p class="opcoord-nocoords-line{" some" if data["noCoords"] else ""}" role="status">'
        f'<span id="opcoord-nocoords">{_e(nocoords_text(lang, data["noCoords"]))}</span></p>'
    )
    if compact:
        return f'<div id="opcoord-panel" class="opcoord-strip">{nocoords}</div>'
    classes = list(classes)
    top = max((v["objects"] for v in data["choropleth"].values()), default=0)
    rings = _(
        "A ring shows the categories of the seizures it groups and how many there are; "
        "zoom in or select it to see each seizure."
    )
    layers = [
        _layer(
            "markers",
            _("Seizures, grouped where they are close"),
            _category_key(lang, data["colours"], data["categoryCounts"]) + _hint(rings),
            checked=True,
        ),
        _layer(
            "choropleth",
            _("Objects seized, by reporting country"),
            _choropleth_key(lang, classes, top),
            checked=False,
        ),
        _layer(
            "routes",
            _("Routes (origin → destination)"),
            _routes_key(lang, data["routes"], data["routesShown"]),
            checked=False,
        ),
        _layer(
            "heat",
            _("Heat: where most objects were seized"),
            _hint(_("Brighter where more objects were seized.")),
            checked=False,
        ),
    ]
    heading = f'<h1 class="opcoord-title">{_e(title)}</h1>' if title else ""
    label = _e(_("Map layers and key"))
    return (
        f'<aside id="opcoord-panel" class="opcoord-panel" aria-label="{label}">'
        f"{heading}{nocoords}"
        '<fieldset class="opcoord-layers"><legend>'
        + _e(_("Layers"))
        + f"</legend>{''.join(layers)}"
        "</fieldset></aside>"
    )
