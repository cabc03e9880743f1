"""The names in the demo: merchants' brand names and the sales reps who own them.

Brand names are adjective + noun + suffix ("Amber Otter Goods"), unique, in random order; the
first ones name the accounts, the next ones the prospects of lost and open new-logo deals.
"""

from __future__ import annotations

import math

from cortex.demo.params import Params
from cortex.demo.sql import lit, lit_list

__all__ = ["names_sql", "owner_sql"]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_ADJECTIVES = _words(
    "Amber Arrow Aspen Atlas Autumn Bay Birch Bloom Blue Bold Brass Bright Brook Canyon Cedar "
    "Cinder Clover Coastal Cobalt Copper Coral Cotton Crescent Crimson Crystal Daisy Dawn Desert "
    "Drift Dusk Echo Ember Emerald Fable Fern Fig Firefly Forest Golden Granite Harbor Hazel "
    "Hearth Honey Indigo Iron Ivory Jade Juniper Kestrel Lake Lark Laurel Lemon Linen Lotus "
    "Lunar Maple Marble Meadow Mint Misty Moss North Oak Ocean Olive Onyx Orchid Pebble Pine "
    "Plum Prairie Quartz Rain Raven Ridge River Rose Ruby Rustic Saffron Sage Salt Sand Sierra "
    "Silver Sky Slate Solar Spruce Stone Summit Sunny Thistle Tide Velvet Willow Wild Harvest"
)
_NOUNS = _words(
    "Anchor Antler Apple Badger Barrel Basket Beacon Bee Bell Bison Boat Bramble Bridge Buffalo "
    "Cabin Candle Canoe Cardinal Cask Castle Comet Crane Crow Deer Dove Dragon Drum Eagle Elk "
    "Falcon Feather Finch Flame Fjord Garden Gate Goat Grove Hare Hawk Heron Hill Hive Horn "
    "Island Kettle Kite Lantern Leaf Lighthouse Lion Lynx Magpie Mantle Meadowlark Mill Mountain "
    "Nest Otter Owl Paddle Panda Parrot Peak Pear Pelican Pepper Pillar Pony Quail Rabbit Reef "
    "Robin Rocket Rooftop Saddle Sail Seal Shell Sparrow Spoon Spring Star Stag Swan Thread "
    "Tiger Trail Tree Trout Tulip Valley Wagon Whale Wheel Wolf Wren Yak Zebra Acorn"
)
_SUFFIXES = (
    "",
    "Co.",
    "Goods",
    "Supply",
    "Studio",
    "Collective",
    "Outfitters",
    "Market",
    "Labs",
    "Shop",
    "Brands",
    "Trading Co.",
    "House",
    "Provisions",
    "Workshop",
    "Emporium",
    "Makers",
    "Company",
    "Boutique",
    "Mercantile",
    "Atelier",
    "Outpost",
    "Depot",
    "Gallery",
    "Works",
    "Store",
    "Club",
    "Society",
    "& Co.",
    "Bros.",
    "Lane",
    "Street",
    "Editions",
    "Home",
    "Wares",
    "General Store",
    "Exchange",
    "Studios",
    "Crafts",
    "Trading",
    "Direct",
    "Goods Co.",
    "Threads",
    "Essentials",
    "Living",
)
_OWNERS = {
    "SMB": (
        "Maya Patel",
        "Lucas Meyer",
        "Sofia Rossi",
        "Daniel Kim",
        "Amara Okafor",
        "Jonas Berg",
        "Priya Nair",
        "Tom Walsh",
    ),
    "Mid-Market": (
        "Elena Garcia",
        "Marcus Chen",
        "Hannah Schmidt",
        "Omar Haddad",
        "Grace Liu",
        "Leo Novak",
    ),
    "Enterprise": ("Olivia Bennett", "Rafael Souza", "Ingrid Larsen", "James Whitaker"),
}


_NAMES_SQL = """
CREATE TEMP TABLE _names AS
SELECT name_idx, name FROM (
    SELECT row_number() OVER (ORDER BY _u(range, 'name'), range) - 1 AS name_idx,
        {name} AS name
    FROM range({space})
)
WHERE name_idx < {n_names}
"""


def names_sql(p: Params) -> str:
    """Brand names in random order: name_idx 0.. are accounts, then prospects (all unique)."""
    # accounts, then at most 6 lost and 0.25 open new-logo deals per account
    n_names = p.n_accounts * 8 + 10
    a, n, s = len(_ADJECTIVES), len(_NOUNS), len(_SUFFIXES)
    words = a * n * s
    space = words * max(1, math.ceil(n_names / words))
    name = (
        f"concat_ws(' ', {lit_list(_ADJECTIVES)}[range % {a} + 1], "
        f"{lit_list(_NOUNS)}[range // {a} % {n} + 1], "
        f"NULLIF({lit_list(_SUFFIXES)}[range // {a * n} % {s} + 1], ''), "
        f"CASE WHEN range >= {words} THEN (range // {words} + 1)::VARCHAR END)"
    )
    return p.sql(_NAMES_SQL, name=name, space=space, n_names=n_names)


def owner_sql(segment: str, u: str) -> str:
    """A CASE naming the owner of an account or deal of `segment`, from uniform `u`."""
    whens = " ".join(
        f"WHEN {lit(seg)} THEN {lit_list(names)}[1 + floor({u} * {len(names)})::INTEGER]"
        for seg, names in _OWNERS.items()
    )
    return f"CASE {segment} {whens} END"
