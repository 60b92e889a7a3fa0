"""Where the demo's seizures happen: real airports, ports, border crossings, postal
exchange offices, auction houses and looted sites of each reporting country, with their
coordinates (to about a kilometre), and what each kind of place is reached by."""

from dataclasses import dataclass

from opcoord.operations.enums import Conveyance, PlaceType

A, S, B, P = PlaceType.airport, PlaceType.seaport, PlaceType.land_border, PlaceType.postal_centre
H, F, X = PlaceType.auction_house, PlaceType.inland, PlaceType.archaeological_site  # F: freeport


@dataclass(frozen=True, slots=True)
class Place:
    type: PlaceType
    name: str
    lat: float
    lon: float
    #: for a land border, the country on the other side
    across: str | None = None


PLACES: dict[str, tuple[Place, ...]] = {
    "ES": (
        Place(A, "Madrid-Barajas airport", 40.4719, -3.5626),
        Place(A, "Barcelona-El Prat airport", 41.2974, 2.0833),
        Place(S, "Port of Algeciras", 36.1300, -5.4400),
        Place(S, "Port of Valencia", 39.4440, -0.3170),
        Place(B, "La Jonquera (AP-7, from France)", 42.4190, 2.8750, "FR"),
        Place(P, "Correos international exchange office, Madrid-Barajas", 40.4650, -3.5700),
        Place(H, "Ansorena, Madrid", 40.4190, -3.6960),
        Place(X, "Cástulo archaeological site, Linares", 38.0360, -3.6240),
    ),
    "FR": (
        Place(A, "Paris-Charles de Gaulle airport", 49.0097, 2.5479),
        Place(A, "Marseille Provence airport", 43.4393, 5.2214),
        Place(S, "Port of Marseille-Fos", 43.3300, 5.3500),
        Place(S, "Port of Le Havre", 49.4800, 0.1100),
        Place(B, "Menton, Pont Saint-Louis (from Italy)", 43.7840, 7.5300, "IT"),
        Place(P, "La Poste international mail centre, Roissy", 49.0000, 2.5300),
        Place(H, "Hôtel Drouot, Paris", 48.8733, 2.3417),
    ),
    "IT": (
        Place(A, "Roma Fiumicino airport", 41.8003, 12.2389),
        Place(A, "Milano Malpensa airport", 45.6306, 8.7281),
        Place(S, "Port of Genoa", 44.4050, 8.9100),
        Place(S, "Port of Gioia Tauro", 38.4400, 15.9000),
        Place(B, "Brenner Pass (from Austria)", 47.0025, 11.5050, "AT"),
        Place(P, "Poste Italiane international exchange, Milano Linate", 45.4450, 9.2770),
        Place(H, "Bertolami Fine Art, Rome", 41.9030, 12.4960),
        Place(X, "Banditaccia necropolis, Cerveteri", 42.0050, 12.1050),
    ),
    "GR": (
        Place(A, "Athens International airport", 37.9364, 23.9445),
        Place(A, "Thessaloniki Makedonia airport", 40.5197, 22.9709),
        Place(S, "Port of Piraeus", 37.9420, 23.6460),
        Place(S, "Port of Patras", 38.2380, 21.7270),
        Place(B, "Kipoi border crossing (from Türkiye)", 40.9180, 26.3130, "TR"),
        Place(P, "ELTA international mail centre, Athens airport", 37.9300, 23.9400),
        Place(H, "Vergos Auctions, Athens", 37.9800, 23.7300),
    ),
    "DE": (
        Place(A, "Frankfurt am Main airport", 50.0379, 8.5622),
        Place(A, "Munich airport", 48.3538, 11.7861),
        Place(S, "Port of Hamburg", 53.5400, 9.9700),
        Place(S, "Port of Bremerhaven", 53.5600, 8.5500),
        Place(B, "Kiefersfelden (A93, from Austria)", 47.6130, 12.1900, "AT"),
        Place(P, "Deutsche Post international mail centre, Frankfurt airport", 50.0500, 8.5800),
        Place(H, "Lempertz, Cologne", 50.9360, 6.9470),
    ),
    "NL": (
        Place(A, "Amsterdam Schiphol airport", 52.3105, 4.7683),
        Place(S, "Port of Rotterdam, Maasvlakte", 51.9500, 4.0500),
        Place(B, "Hazeldonk (A16, from Belgium)", 51.4930, 4.7430, "BE"),
        Place(P, "PostNL international mail centre, Schiphol", 52.2950, 4.7600),
    ),
    "PT": (
        Place(A, "Lisbon Humberto Delgado airport", 38.7756, -9.1354),
        Place(A, "Porto Francisco Sá Carneiro airport", 41.2481, -8.6814),
        Place(S, "Port of Leixões", 41.1850, -8.7000),
        Place(S, "Port of Lisbon", 38.7000, -9.1400),
        Place(B, "Vilar Formoso (A25, from Spain)", 40.6120, -6.8350, "ES"),
        Place(P, "CTT international mail centre, Lisbon", 38.7800, -9.1300),
        Place(H, "Cabral Moncada Leilões, Lisbon", 38.7150, -9.1500),
    ),
    "BG": (
        Place(A, "Sofia airport", 42.6967, 23.4114),
        Place(A, "Varna airport", 43.2322, 27.8251),
        Place(S, "Port of Varna", 43.1930, 27.9100),
        Place(S, "Port of Burgas", 42.4900, 27.4800),
        Place(B, "Kapitan Andreevo (from Türkiye)", 41.7170, 26.3210, "TR"),
        Place(P, "Bulgarian Posts international exchange, Sofia", 42.6900, 23.3700),
        Place(X, "Ratiaria, Archar", 43.8100, 22.9130),
    ),
    "CY": (
        Place(A, "Larnaca International airport", 34.8751, 33.6249),
        Place(A, "Paphos International airport", 34.7180, 32.4857),
        Place(S, "Port of Limassol", 34.6520, 33.0150),
        Place(P, "Cyprus Post central sorting office, Nicosia", 35.1600, 33.3600),
    ),
    "EG": (
        Place(A, "Cairo International airport", 30.1219, 31.4056),
        Place(A, "Hurghada International airport", 27.1783, 33.7994),
        Place(S, "Port of Alexandria", 31.1860, 29.8700),
        Place(S, "Port Said", 31.2600, 32.3000),
        Place(B, "Salloum border crossing (from Libya)", 31.5540, 25.1550, "LY"),
        Place(P, "Egypt Post international mail centre, Cairo airport", 30.1100, 31.4000),
        Place(X, "Saqqara necropolis", 29.8713, 31.2165),
        Place(X, "Dahshur necropolis", 29.8080, 31.2070),
    ),
    "TR": (
        Place(A, "Istanbul airport", 41.2753, 28.7519),
        Place(A, "Antalya airport", 36.8987, 30.8005),
        Place(S, "Port of Mersin", 36.7950, 34.6350),
        Place(S, "Ambarlı port, Istanbul", 40.9700, 28.6900),
        Place(B, "Kapıkule border crossing (from Bulgaria)", 41.7130, 26.3580, "BG"),
        Place(P, "PTT international mail centre, Istanbul", 40.9900, 28.8200),
        Place(X, "Zeugma, Gaziantep", 37.0570, 37.8660),
    ),
    "CH": (
        Place(A, "Zürich airport", 47.4582, 8.5555),
        Place(A, "Geneva airport", 46.2381, 6.1090),
        Place(S, "Rhine port of Basel-Kleinhüningen", 47.5900, 7.5900),
        Place(B, "Chiasso-Brogeda (from Italy)", 45.8400, 9.0290, "IT"),
        Place(P, "Swiss Post international mail centre, Zürich-Mülligen", 47.3850, 8.4600),
        Place(H, "Koller Auctions, Zürich", 47.3660, 8.5490),
        Place(F, "Geneva Freeport", 46.1920, 6.1400),
    ),
}

#: How goods reach each kind of place (the first is the commonest); None: no journey.
CONVEYANCES: dict[PlaceType, tuple[Conveyance, ...]] = {
    PlaceType.airport: (Conveyance.air_passenger, Conveyance.air_passenger, Conveyance.air_cargo),
    PlaceType.seaport: (Conveyance.vessel,),
    PlaceType.land_border: (Conveyance.vehicle, Conveyance.vehicle, Conveyance.rail),
    PlaceType.postal_centre: (Conveyance.postal, Conveyance.postal, Conveyance.express_courier),
    PlaceType.online: (Conveyance.online,),
}
#: Places where goods cross a border: a seizure there has a departure and a destination.
CROSSINGS = frozenset(CONVEYANCES) - {PlaceType.online}
