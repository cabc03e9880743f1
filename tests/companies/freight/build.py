"""Build the Kestrel Freight warehouse: a deterministic DuckDB file for the second-company eval.

Kestrel Freight is a UK road-freight and pallet-network firm: shippers (our customers) book
consignments that are collected by one of our depots and carried by our own fleet, a regional
subcontractor, a same-day courier or a spot-hire haulier. The warehouse holds about two years
of history up to `as_of`:

- `customers`: the shippers, their industry, account tier and account manager, signed / churned;
- `depots`: our depots and hubs, with their operating region;
- `carriers`: our own fleet and the hauliers we subcontract to, with their contract dates;
- `shipments`: one row per consignment, with its service level, freight type, collection,
  promised and delivery days, weight, distance, charge and carrier cost;
- `delivery_exceptions`: late deliveries, damage, failed drops... raised on shipments;
- `claims`: the claims shippers file against us, and what we settled;
- `invoices`: the monthly invoice of each customer, with its due and paid days.

Everything is drawn from one seeded generator, in a fixed order: the same `as_of` and `seed`
give the same file. `python -m tests.companies.freight.build --out PATH --as-of 2026-11-24`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["HISTORY_START", "build_freight", "main"]

#: The first collection day of the history (the warehouse runs from here to `as_of`).
HISTORY_START = date(2024, 10, 1)

Days = npt.NDArray[np.float64]  # day numbers since 1970-01-01, NaN for "no day"

_REGIONS: dict[str, tuple[float, float]] = {  # a rough centroid per region, in km
    "Scotland": (270.0, 700.0),
    "North West": (360.0, 420.0),
    "Yorkshire & North East": (450.0, 460.0),
    "Midlands": (420.0, 280.0),
    "Wales": (300.0, 230.0),
    "South West": (320.0, 110.0),
    "London & South East": (540.0, 170.0),
    "Northern Ireland": (90.0, 560.0),
}
_REGION_NAMES = tuple(_REGIONS)
_DESTINATION_SHARE = (0.08, 0.12, 0.12, 0.17, 0.05, 0.09, 0.33, 0.04)

# depot_id, name, region, type, opened_on
_DEPOTS: tuple[tuple[int, str, str, str, date], ...] = (
    (1, "Bellshill Depot", "Scotland", "Depot", date(2011, 5, 3)),
    (2, "Aberdeen Depot", "Scotland", "Depot", date(2019, 9, 2)),
    (3, "Warrington Depot", "North West", "Depot", date(2009, 2, 2)),
    (4, "Leeds Depot", "Yorkshire & North East", "Depot", date(2009, 2, 2)),
    (5, "Gateshead Depot", "Yorkshire & North East", "Depot", date(2025, 6, 2)),
    (6, "Daventry Hub", "Midlands", "Hub", date(2008, 4, 7)),
    (7, "Birmingham Depot", "Midlands", "Depot", date(2013, 10, 1)),
    (8, "Cardiff Depot", "Wales", "Depot", date(2015, 3, 2)),
    (9, "Bristol Depot", "South West", "Depot", date(2012, 8, 6)),
    (10, "Thurrock Cross-dock", "London & South East", "Cross-dock", date(2016, 1, 11)),
    (11, "Heathrow Depot", "London & South East", "Depot", date(2014, 6, 2)),
    (12, "Belfast Depot", "Northern Ireland", "Depot", date(2018, 11, 5)),
)
_DEPOT_REGION = {depot_id: region for depot_id, _, region, _, _ in _DEPOTS}

# carrier_id, name, type, contract start, contract end (None: current), share of late deliveries
_CARRIERS: tuple[tuple[int, str, str, date, date | None, float], ...] = (
    (1, "Kestrel Fleet", "Own fleet", date(2008, 4, 7), None, 0.05),
    (2, "Tay Valley Transport", "Subcontractor", date(2019, 4, 1), None, 0.10),
    (3, "Pennine Express", "Subcontractor", date(2017, 7, 1), None, 0.07),
    (4, "Moorland Haulage", "Subcontractor", date(2020, 1, 6), None, 0.08),
    (5, "Marches Freight", "Subcontractor", date(2018, 3, 1), date(2025, 9, 1), 0.16),
    (6, "Northway Pallets", "Subcontractor", date(2026, 2, 2), None, 0.09),
    (7, "Severn Logistics", "Subcontractor", date(2016, 9, 1), None, 0.08),
    (8, "Anglia Roadways", "Subcontractor", date(2015, 1, 5), None, 0.07),
    (9, "Solent Distribution", "Subcontractor", date(2025, 4, 1), None, 0.11),
    (10, "Lough Carriers", "Subcontractor", date(2018, 11, 5), None, 0.12),
    (11, "Swift Couriers", "Courier", date(2021, 3, 1), None, 0.06),
    (12, "Freight Exchange spot hire", "Spot hire", date(2010, 1, 4), None, 0.17),
)
_OWN_FLEET, _COURIER, _SPOT = 1, 11, 12
#: the subcontractors that cover each origin region
_REGIONAL_CARRIERS: dict[str, tuple[int, ...]] = {
    "Scotland": (2,),
    "North West": (3,),
    "Yorkshire & North East": (4,),
    "Midlands": (5, 6),
    "Wales": (7,),
    "South West": (7, 9),
    "London & South East": (8, 9),
    "Northern Ireland": (10,),
}
_COST_SHARE = {"Own fleet": 0.62, "Subcontractor": 0.74, "Courier": 0.78, "Spot hire": 0.88}

_INDUSTRIES = (
    "Food & Drink",
    "Retail",
    "Building Materials",
    "Manufacturing",
    "Healthcare",
    "E-commerce",
    "Automotive",
)
_INDUSTRY_SHARE = (0.20, 0.18, 0.13, 0.17, 0.08, 0.14, 0.10)
_SUFFIXES = {
    "Food & Drink": ("Foods", "Bakeries", "Drinks Co", "Dairies", "Fine Foods"),
    "Retail": ("Home Stores", "Retail", "Outfitters", "Interiors", "Garden Centres"),
    "Building Materials": ("Timber", "Builders Merchants", "Aggregates", "Roofing", "Bricks"),
    "Manufacturing": ("Engineering", "Plastics", "Components", "Fabrications", "Packaging"),
    "Healthcare": ("Medical", "Pharma Supplies", "Healthcare", "Dental Supplies"),
    "E-commerce": ("Direct", "Online", "Marketplace", "Shop"),
    "Automotive": ("Autoparts", "Motor Factors", "Tyres", "Vehicle Parts"),
}
_PREFIXES = (
    "Abbeyfield", "Alder", "Arden", "Ashcombe", "Avonmore", "Baxter", "Beacon", "Birchwood",
    "Blackthorn", "Bramley", "Carrick", "Castlegate", "Chiltern", "Clayton", "Cotswold",
    "Crossley", "Dalton", "Derwent", "Dunmore", "Eastbrook", "Elmstead", "Fairholme", "Fenwick",
    "Fulbrook", "Glenholm", "Granby", "Greenway", "Hadley", "Harcourt", "Heathfield", "Holbrook",
    "Ingleby", "Keswick", "Kingsley", "Lambeth", "Larkspur", "Linden", "Lowther", "Malvern",
    "Medway", "Millbrook", "Morland", "Northgate", "Oakley", "Orchard", "Penrose", "Pinewood",
    "Radley", "Redbrook", "Ribble", "Rosemount", "Saxon", "Selby", "Shire", "Stanton",
    "Thornbury", "Trent", "Tyne", "Wexford", "Whitby", "Willow", "Wolds", "Wyvern", "Yardley",
)  # fmt: skip
_MANAGERS = (
    "Priya Shah",
    "Tom Gallagher",
    "Aisling Murphy",
    "Callum Reid",
    "Fiona Blake",
    "Marcus Okafor",
)
_TIERS = ("Key Account", "Contract", "Ad hoc")
_TIER_SHARE = (0.12, 0.48, 0.40)
_TIER_VOLUME = {"Key Account": 2.4, "Contract": 1.0, "Ad hoc": -0.4}  # mean log weight
_TIER_PRICE = {"Key Account": 0.88, "Contract": 1.0, "Ad hoc": 1.15}
_TIER_TERMS = {"Key Account": 60, "Contract": 30, "Ad hoc": 14}

# name, industry, tier, account manager, home depot, signed on: the accounts everyone knows
_NAMED_CUSTOMERS: tuple[tuple[str, str, str, str, int, date], ...] = (
    ("Hartwell Foods", "Food & Drink", "Key Account", "Priya Shah", 6, date(2018, 3, 12)),
    ("Brindle Home & Garden", "Retail", "Key Account", "Tom Gallagher", 3, date(2019, 6, 3)),
    ("Calder Building Supplies", "Building Materials", "Key Account", "Callum Reid", 4,
     date(2017, 2, 20)),
    ("Ashdown Medical", "Healthcare", "Contract", "Fiona Blake", 11, date(2021, 9, 6)),
    ("Strathmore Distillers", "Food & Drink", "Key Account", "Callum Reid", 1, date(2016, 5, 9)),
    ("Pembroke Autoparts", "Automotive", "Contract", "Aisling Murphy", 8, date(2022, 1, 17)),
    ("Quayside Online", "E-commerce", "Contract", "Marcus Okafor", 10, date(2025, 2, 10)),
)  # fmt: skip
_N_CUSTOMERS = 170

_FREIGHT_TYPES = ("Parcel", "Pallet", "Part Load", "Full Load")
_FREIGHT_MIX = {  # by industry: Parcel, Pallet, Part Load, Full Load
    "Food & Drink": (0.05, 0.60, 0.20, 0.15),
    "Retail": (0.25, 0.45, 0.15, 0.15),
    "Building Materials": (0.0, 0.40, 0.30, 0.30),
    "Manufacturing": (0.10, 0.50, 0.25, 0.15),
    "Healthcare": (0.50, 0.45, 0.05, 0.0),
    "E-commerce": (0.75, 0.25, 0.0, 0.0),
    "Automotive": (0.35, 0.45, 0.20, 0.0),
}
_SERVICE_LEVELS = ("Economy", "Standard", "Next Day", "Same Day")
_SERVICE_MIX = {  # by freight type
    "Parcel": (0.20, 0.35, 0.35, 0.10),
    "Pallet": (0.20, 0.45, 0.32, 0.03),
    "Part Load": (0.15, 0.60, 0.25, 0.0),
    "Full Load": (0.05, 0.55, 0.40, 0.0),
}
_PROMISED_DAYS = {"Economy": 4, "Standard": 2, "Next Day": 1, "Same Day": 0}
_SERVICE_PRICE = {"Economy": 0.85, "Standard": 1.0, "Next Day": 1.25, "Same Day": 2.2}

_EXCEPTION_DAYS_TO_RESOLVE = {  # mean days to close an exception of each type
    "Late delivery": 1.0,
    "Damaged": 6.0,
    "Lost": 15.0,
    "Failed delivery": 2.0,
    "Refused": 4.0,
    "Wrong address": 3.0,
    "Shortage": 5.0,
}
_CLAIMS = {  # exception type -> (claim type, share claimed, mean log of the claimed GBP)
    "Damaged": ("Damage", 0.60, 6.3),
    "Lost": ("Loss", 0.95, 7.2),
    "Shortage": ("Shortage", 0.70, 5.8),
    "Late delivery": ("Late delivery penalty", 0.04, 0.0),
}

_EPOCH = date(1970, 1, 1)


def _day(value: date) -> int:
    return (value - _EPOCH).days


def _pick(rng: np.random.Generator, shares: Sequence[float], n: int) -> npt.NDArray[np.int64]:
    """`n` indexes into `shares`, drawn with those probabilities."""
    p = np.asarray(shares, dtype=float)
    return np.asarray(rng.choice(len(p), size=n, p=p / p.sum()), dtype=np.int64)


def _pick_rows(
    rng: np.random.Generator, table: npt.NDArray[np.float64], rows: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """For each i, an index drawn from the probabilities `table[rows[i]]`."""
    cumulative = np.cumsum(table[rows], axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(rows))
    drawn = np.minimum((u[:, None] > cumulative).sum(axis=1), table.shape[1] - 1)
    return np.asarray(drawn, dtype=np.int64)


def _under_contract(carrier: tuple[int, str, str, date, date | None, float], day: int) -> bool:
    """Whether the carrier's contract covers the day number `day`."""
    start, end = carrier[3], carrier[4]
    return _day(start) <= day and (end is None or day < _day(end))


def _customers(rng: np.random.Generator, as_of: date) -> pd.DataFrame:
    n_named = len(_NAMED_CUSTOMERS)
    n = _N_CUSTOMERS
    industry = [row[1] for row in _NAMED_CUSTOMERS] + [
        _INDUSTRIES[i] for i in _pick(rng, _INDUSTRY_SHARE, n - n_named)
    ]
    taken = {row[0] for row in _NAMED_CUSTOMERS}
    names = [row[0] for row in _NAMED_CUSTOMERS]
    prefixes = list(rng.permutation(len(_PREFIXES)))
    for index in range(n_named, n):
        suffixes = _SUFFIXES[industry[index]]
        while True:
            prefix = _PREFIXES[prefixes.pop(0) if prefixes else rng.integers(len(_PREFIXES))]
            name = f"{prefix} {suffixes[rng.integers(len(suffixes))]}"
            if name not in taken:
                break
        taken.add(name)
        names.append(name)
    tier = [row[2] for row in _NAMED_CUSTOMERS] + [
        _TIERS[i] for i in _pick(rng, _TIER_SHARE, n - n_named)
    ]
    manager = [row[3] for row in _NAMED_CUSTOMERS] + [
        _MANAGERS[i] for i in rng.integers(len(_MANAGERS), size=n - n_named)
    ]
    depot_share = (0.08, 0.03, 0.12, 0.09, 0.03, 0.16, 0.09, 0.05, 0.08, 0.13, 0.10, 0.04)
    home = [row[4] for row in _NAMED_CUSTOMERS] + [
        _DEPOTS[i][0] for i in _pick(rng, depot_share, n - n_named)
    ]
    start, end = _day(HISTORY_START), _day(as_of) - 14
    new = rng.random(n - n_named) < 0.30
    signed = np.where(
        new,
        rng.integers(start, end, size=n - n_named),
        rng.integers(_day(date(2014, 1, 6)), start - 30, size=n - n_named),
    )
    signed_on = np.concatenate([[_day(row[5]) for row in _NAMED_CUSTOMERS], signed]).astype(float)
    churn = rng.random(n) < 0.17
    churn[:n_named] = False
    earliest = np.maximum(signed_on + 90, start)
    churned_on = np.where(
        churn & (earliest < end), earliest + rng.random(n) * (end - earliest), np.nan
    )
    churned_on = np.floor(churned_on)
    volume = np.exp(np.array([_TIER_VOLUME[t] for t in tier]) + rng.normal(0, 0.6, size=n))
    volume[0] *= 2.5  # Hartwell Foods is the biggest account
    payer = rng.choice(np.array([-3.0, 4.0, 15.0]), size=n, p=[0.5, 0.35, 0.15])
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "customer_name": names,
            "industry": industry,
            "account_tier": tier,
            "account_manager": manager,
            "home_depot_id": home,
            "signed_on": signed_on,
            "churned_on": churned_on,
            "_volume": volume,
            "_payer": payer,
        }
    )


def _daily_volume(day: date, as_of: date) -> float:
    """Expected consignments collected on `day`: growth, peak season and the weekly rhythm."""
    years = (day - HISTORY_START).days / 365.0
    season = {1: 0.85, 2: 0.92, 8: 0.92, 10: 1.08, 11: 1.25, 12: 1.30}.get(day.month, 1.0)
    if day.month == 12 and day.day >= 24 or day.month == 1 and day.day == 1:
        season = 0.1
    weekday = (1.0, 1.05, 1.0, 1.0, 1.1, 0.22, 0.04)[day.weekday()]
    return 50.0 * (1 + 0.11 * years) * season * weekday


def _shipments(rng: np.random.Generator, customers: pd.DataFrame, as_of: date) -> pd.DataFrame:
    signed = customers["signed_on"].to_numpy()
    churned = np.nan_to_num(customers["churned_on"].to_numpy(), nan=np.inf)
    volume = customers["_volume"].to_numpy()
    day_parts: list[npt.NDArray[np.int64]] = []
    customer_parts: list[npt.NDArray[np.int64]] = []
    day = HISTORY_START
    while day <= as_of:
        number = _day(day)
        active = np.flatnonzero((signed <= number) & (number < churned))
        count = int(rng.poisson(_daily_volume(day, as_of)))
        if count and len(active):
            weights = volume[active] / volume[active].sum()
            customer_parts.append(rng.choice(active, size=count, p=weights))
            day_parts.append(np.full(count, number))
        day += timedelta(days=1)
    who = np.concatenate(customer_parts)
    shipped = np.concatenate(day_parts)
    n = len(who)

    industry = customers["industry"].to_numpy()[who]
    tier = customers["account_tier"].to_numpy()[who]
    freight_mix = np.array([_FREIGHT_MIX[i] for i in _INDUSTRIES])
    industry_index = np.array([_INDUSTRIES.index(i) for i in industry])
    freight = _pick_rows(rng, freight_mix, industry_index)
    service_mix = np.array([_SERVICE_MIX[f] for f in _FREIGHT_TYPES])
    service = _pick_rows(rng, service_mix, freight)
    destination = _pick(rng, _DESTINATION_SHARE, n)

    home = customers["home_depot_id"].to_numpy()[who]
    other_depot = rng.integers(1, len(_DEPOTS) + 1, size=n)
    origin = np.where(rng.random(n) < 0.85, home, other_depot)
    gateshead_open = _day(_DEPOTS[4][4])
    origin = np.where((origin == 5) & (shipped < gateshead_open), 4, origin)

    carriers = {row[0]: row for row in _CARRIERS}
    u_carrier = rng.random(n)
    u_pick = rng.random(n)
    carrier = np.empty(n, dtype=np.int64)
    for i in range(n):
        region = _DEPOT_REGION[int(origin[i])]
        on = int(shipped[i])
        level = _SERVICE_LEVELS[service[i]]
        if level == "Same Day":
            use_courier = freight[i] == 0 and u_carrier[i] < 0.6
            carrier[i] = _COURIER if use_courier else _OWN_FLEET
            continue
        regional = [c for c in _REGIONAL_CARRIERS[region] if _under_contract(carriers[c], on)]
        if u_carrier[i] < 0.55:
            carrier[i] = _OWN_FLEET
        elif u_carrier[i] < 0.90:
            carrier[i] = regional[int(u_pick[i] * len(regional))] if regional else _OWN_FLEET
        elif u_carrier[i] < 0.96 or not regional:
            carrier[i] = _SPOT
        else:
            carrier[i] = regional[0]

    promised_days = np.array([_PROMISED_DAYS[s] for s in _SERVICE_LEVELS])[service]
    to_ni = destination == _REGION_NAMES.index("Northern Ireland")
    promised_days = promised_days + np.where(to_ni & (promised_days > 0), 1, 0)
    promised = shipped + promised_days
    months = pd.to_datetime(shipped, unit="D").month.to_numpy()
    p_late = np.array([carriers[int(c)][5] for c in carrier])
    p_late = p_late * np.select([np.isin(months, (12, 1)), months == 2], [1.5, 1.2], 1.0)
    remote = np.isin(
        destination, (_REGION_NAMES.index("Scotland"), _REGION_NAMES.index("Northern Ireland"))
    )
    p_late = p_late * np.where(remote, 1.3, 1.0)
    p_late = p_late * np.array([0.7, 1.0, 1.0, 1.2])[service]
    late = rng.random(n) < p_late
    delay = rng.geometric(0.6, size=n)
    early = (service == 0) & (rng.random(n) < 0.3)
    delivered = promised + np.where(late, delay, np.where(early, -1, 0))

    u_status = rng.random(n)
    status = np.where(
        u_status < 0.02,
        "Cancelled",
        np.where(u_status < 0.0212, "Lost", np.where(u_status < 0.0262, "Returned", "Delivered")),
    ).astype(object)
    status[(status == "Delivered") & (delivered > _day(as_of))] = "In transit"
    delivered_on = np.where(status == "Delivered", delivered, np.nan)

    pallets = np.select(
        [freight == 1, freight == 2, freight == 3],
        [rng.integers(1, 7, size=n), rng.integers(4, 13, size=n), np.full(n, 26)],
        0,
    )
    weight = np.select(
        [freight == 0, freight == 3],
        [rng.uniform(1.5, 30.0, size=n), rng.uniform(9_000, 24_000, size=n)],
        pallets * rng.uniform(180.0, 950.0, size=n),
    ).round(1)
    region_xy = np.array(list(_REGIONS.values()))
    origin_region = np.array([_REGION_NAMES.index(_DEPOT_REGION[int(d)]) for d in origin])
    straight = np.hypot(*(region_xy[origin_region] - region_xy[destination]).T)
    ferry = np.where(to_ni != (origin_region == _REGION_NAMES.index("Northern Ireland")), 90, 0)
    distance = np.where(
        origin_region == destination,
        rng.uniform(15, 140, size=n),
        straight * 1.25 * rng.uniform(0.85, 1.2, size=n) + ferry,
    ).round(0)

    base = np.select(
        [freight == 0, freight == 1, freight == 2],
        [
            9.0 + 0.35 * weight,
            pallets * (38.0 + 0.09 * distance),
            180.0 + 0.9 * distance + 12.0 * pallets,
        ],
        320.0 + 1.55 * distance,
    )
    base = base * np.array([_SERVICE_PRICE[s] for s in _SERVICE_LEVELS])[service]
    base = base * np.array([_TIER_PRICE[t] for t in tier])
    base = base * np.exp(rng.normal(0, 0.08, size=n))
    month_index = (pd.to_datetime(shipped, unit="D").year.to_numpy() - 2024) * 12 + months
    fuel_rate = 0.125 + 0.02 * np.sin(month_index / 3.0)
    fuel = base * fuel_rate
    cancelled = status == "Cancelled"
    charge = np.where(cancelled, 0.0, base + fuel).round(2)
    fuel = np.where(cancelled, 0.0, fuel).round(2)
    carrier_type = np.array([carriers[int(c)][2] for c in carrier])
    cost_share = np.array([_COST_SHARE[t] for t in carrier_type])
    cost = np.where(cancelled, 0.0, base * cost_share * np.exp(rng.normal(0, 0.1, size=n)))

    order = np.lexsort((who, shipped))
    frame = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy()[who],
            "carrier_id": carrier,
            "origin_depot_id": origin,
            "destination_region": np.array(_REGION_NAMES)[destination],
            "service_level": np.array(_SERVICE_LEVELS)[service],
            "freight_type": np.array(_FREIGHT_TYPES)[freight],
            "status": status,
            "shipped_on": shipped.astype(float),
            "promised_on": promised.astype(float),
            "delivered_on": delivered_on,
            "pallets": pallets,
            "weight_kg": weight,
            "distance_km": distance,
            "charge_gbp": charge,
            "fuel_surcharge_gbp": fuel,
            "carrier_cost_gbp": cost.round(2),
        }
    ).iloc[order]
    frame.insert(0, "shipment_id", [f"KF{i:07d}" for i in range(1, n + 1)])
    return frame.reset_index(drop=True)


def _exceptions(rng: np.random.Generator, shipments: pd.DataFrame, as_of: date) -> pd.DataFrame:
    n = len(shipments)
    status = shipments["status"].to_numpy()
    shipped = shipments["shipped_on"].to_numpy()
    promised = shipments["promised_on"].to_numpy()
    delivered = shipments["delivered_on"].to_numpy()
    months = pd.to_datetime(shipped, unit="D").month.to_numpy()
    moved = status != "Cancelled"
    landed = np.where(np.isnan(delivered), shipped + 1, delivered)
    u = rng.random((6, n))
    rows: list[tuple[int, str, str, float]] = []  # shipment index, type, cause, raised on

    options: Sequence[tuple[str, float]]

    def cause(i: int, options: Sequence[tuple[str, float]], draw: float) -> str:
        total = 0.0
        for name, share in options:
            total += share
            if draw < total:
                return name
        return options[-1][0]

    for i in range(n):
        if not moved[i]:
            continue
        winter = months[i] in (12, 1, 2)
        if delivered[i] > promised[i] and u[0, i] < 0.55:
            weather = 0.40 if winter else 0.12
            options = (("Weather", weather), ("Traffic", 0.35), ("Carrier", 1.0))
            rows.append((i, "Late delivery", cause(i, options, u[1, i]), promised[i]))
        if status[i] == "Lost":
            options = (("Carrier", 0.6), ("Depot handling", 1.0))
            rows.append((i, "Lost", cause(i, options, u[1, i]), promised[i] + 1))
        elif status[i] == "Returned":
            kind = "Refused" if u[1, i] < 0.5 else "Wrong address"
            rows.append((i, kind, "Customer" if kind == "Refused" else "Address data", promised[i]))
        if u[2, i] < 0.018:
            options = (("Depot handling", 0.55), ("Carrier", 1.0))
            rows.append((i, "Damaged", cause(i, options, u[3, i]), landed[i]))
        if u[4, i] < 0.025:
            options = (("Customer", 0.7), ("Address data", 1.0))
            rows.append((i, "Failed delivery", cause(i, options, u[3, i]), promised[i]))
        if u[5, i] < 0.005:
            rows.append((i, "Shortage", "Depot handling", landed[i]))
    frame = pd.DataFrame(rows, columns=["_row", "exception_type", "root_cause", "raised_on"])
    frame = frame[frame["raised_on"] <= _day(as_of)].reset_index(drop=True)
    mean_days = frame["exception_type"].map(_EXCEPTION_DAYS_TO_RESOLVE).to_numpy()
    resolved = frame["raised_on"].to_numpy() + np.ceil(rng.gamma(1.5, mean_days / 1.5))
    frame["resolved_on"] = np.where(resolved <= _day(as_of), resolved, np.nan)
    frame["shipment_id"] = shipments["shipment_id"].to_numpy()[frame["_row"].to_numpy()]
    frame = frame.sort_values(["raised_on", "shipment_id", "exception_type"], kind="stable")
    frame.insert(0, "exception_id", np.arange(1, len(frame) + 1))
    return frame.reset_index(drop=True)


def _claims(
    rng: np.random.Generator,
    exceptions: pd.DataFrame,
    shipments: pd.DataFrame,
    as_of: date,
) -> pd.DataFrame:
    n = len(exceptions)
    kinds = exceptions["exception_type"].to_numpy()
    u = rng.random((5, n))
    noise = rng.normal(0, 0.9, size=n)
    exception_rows = exceptions["_row"].to_numpy(dtype=np.int64)
    exception_ids = exceptions["exception_id"].to_numpy(dtype=np.int64)
    raised_on = exceptions["raised_on"].to_numpy(dtype=float)
    charges = shipments["charge_gbp"].to_numpy(dtype=float)
    weights = shipments["weight_kg"].to_numpy(dtype=float)
    shipment_ids = shipments["shipment_id"].to_numpy(dtype=object)
    rows = []
    for i in range(n):
        claim = _CLAIMS.get(str(kinds[i]))
        if claim is None or u[0, i] >= claim[1]:
            continue
        row = int(exception_rows[i])
        filed = float(raised_on[i]) + 1 + int(u[1, i] * 14)
        if filed > _day(as_of):
            continue
        charge = float(charges[row])
        weight = float(weights[row])
        if claim[0] == "Late delivery penalty":
            claimed = round(0.5 * charge, 2)
        else:
            claimed = round(float(np.exp(claim[2] + noise[i])), 2)
        decided = filed + 7 + int(u[2, i] * 53)
        if decided > _day(as_of):
            status, closed, settled = "Open", np.nan, np.nan
        elif u[3, i] < 0.2:
            status, closed, settled = "Rejected", decided, 0.0
        else:
            limit = max(weight * 1.3, 50.0)  # the carriage conditions cap liability by weight
            share = 0.4 + 0.6 * u[4, i]
            status, closed, settled = "Settled", decided, round(min(claimed * share, limit), 2)
        rows.append(
            (
                int(exception_ids[i]),
                str(shipment_ids[row]),
                claim[0],
                status,
                filed,
                closed,
                claimed,
                settled,
            )
        )
    columns = [
        "exception_id",
        "shipment_id",
        "claim_type",
        "status",
        "filed_on",
        "closed_on",
        "claimed_gbp",
        "settled_gbp",
    ]
    frame = pd.DataFrame(rows, columns=columns).sort_values(["filed_on", "exception_id"])
    frame.insert(0, "claim_id", [f"CLM-{i:05d}" for i in range(1, len(frame) + 1)])
    return frame.reset_index(drop=True)


def _invoices(
    rng: np.random.Generator, shipments: pd.DataFrame, customers: pd.DataFrame, as_of: date
) -> pd.DataFrame:
    billable = shipments[shipments["status"] != "Cancelled"]
    month = pd.to_datetime(billable["shipped_on"], unit="D").dt.to_period("M")
    sums = billable.assign(month=month).groupby(["customer_id", "month"])["charge_gbp"].sum()
    totals = sums.reset_index().sort_values(["month", "customer_id"], kind="stable")
    totals = totals.reset_index(drop=True)
    next_month = (totals["month"] + 1).dt.start_time
    issued = next_month + pd.to_timedelta(1, unit="D")
    issued = issued + pd.to_timedelta(np.where(issued.dt.day_of_week == 5, 2, 0), unit="D")
    issued = issued + pd.to_timedelta(np.where(issued.dt.day_of_week == 6, 1, 0), unit="D")
    issued_day = ((issued - pd.Timestamp(_EPOCH)).dt.days).to_numpy().astype(float)
    keep = issued_day <= _day(as_of)
    totals, issued_day = totals[keep].reset_index(drop=True), issued_day[keep]
    by_id = customers.set_index("customer_id")
    tier = by_id.loc[totals["customer_id"], "account_tier"].to_numpy()
    payer = by_id.loc[totals["customer_id"], "_payer"].to_numpy()
    terms = np.array([_TIER_TERMS[t] for t in tier])
    due = issued_day + terms
    n = len(totals)
    paid = np.maximum(due + np.round(rng.normal(payer, 6.0, size=n)), issued_day + 1)
    bad_debt = (rng.random(n) < 0.012) & (issued_day < _day(date(2026, 6, 1)))
    paid = np.where(bad_debt | (paid > _day(as_of)), np.nan, paid)
    stamp = pd.to_datetime(issued_day, unit="D")
    numbers = [f"INV-{s:%y%m}-{i:05d}" for i, s in enumerate(stamp, start=1)]
    return pd.DataFrame(
        {
            "invoice_id": numbers,
            "customer_id": totals["customer_id"].to_numpy(),
            "billing_month": totals["month"].dt.start_time.to_numpy(),
            "issued_on": issued_day,
            "due_on": due.astype(float),
            "paid_on": paid,
            "payment_terms_days": terms,
            "amount_gbp": totals["charge_gbp"].round(2).to_numpy(),
        }
    )


def _dates(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """`frame` with its day-number columns as dates (NaN as empty)."""
    out = frame.copy()
    for column in columns:
        out[column] = pd.to_datetime(out[column], unit="D").dt.date
    return out


def _write(
    con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, dates: Sequence[str]
) -> None:
    shown = _dates(frame[[c for c in frame.columns if not c.startswith("_")]], dates)
    con.register("_frame", shown)
    casts = ", ".join(f"CAST({c} AS DATE) AS {c}" if c in dates else c for c in shown.columns)
    con.execute(f"CREATE TABLE {name} AS SELECT {casts} FROM _frame")
    con.unregister("_frame")


def build_freight(path: Path, *, as_of: date, seed: int = 7) -> Path:
    """Write the Kestrel Freight warehouse as of `as_of` to `path` (replacing it); return it."""
    if as_of < HISTORY_START + timedelta(days=90):
        raise ValueError(f"as_of must be on or after {HISTORY_START + timedelta(days=90)}")
    rng = np.random.default_rng(seed)
    customers = _customers(rng, as_of)
    shipments = _shipments(rng, customers, as_of)
    exceptions = _exceptions(rng, shipments, as_of)
    claims = _claims(rng, exceptions, shipments, as_of)
    invoices = _invoices(rng, shipments, customers, as_of)
    depots = pd.DataFrame(
        [(i, name, region, kind, _day(opened)) for i, name, region, kind, opened in _DEPOTS],
        columns=["depot_id", "depot_name", "region", "depot_type", "opened_on"],
    )
    carriers = pd.DataFrame(
        [
            (i, name, kind, _day(start), np.nan if end is None else _day(end))
            for i, name, kind, start, end, _ in _CARRIERS
        ],
        columns=["carrier_id", "carrier_name", "carrier_type", "contract_start", "contract_end"],
    )

    path.parent.mkdir(parents=True, exist_ok=True)
    folder = tempfile.mkdtemp(prefix=".freight-", dir=path.parent)
    try:
        target = Path(folder) / path.name
        with duckdb.connect(str(target)) as con:
            _write(con, "customers", customers, ["signed_on", "churned_on"])
            _write(con, "depots", depots, ["opened_on"])
            _write(con, "carriers", carriers, ["contract_start", "contract_end"])
            _write(con, "shipments", shipments, ["shipped_on", "promised_on", "delivered_on"])
            _write(
                con,
                "delivery_exceptions",
                exceptions.drop(columns=["_row"]),
                ["raised_on", "resolved_on"],
            )
            _write(con, "claims", claims, ["filed_on", "closed_on"])
            _write(con, "invoices", invoices, ["issued_on", "due_on", "paid_on", "billing_month"])
            con.execute("CHECKPOINT")
        os.replace(target, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return path


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m tests.companies.freight.build --out PATH --as-of YYYY-MM-DD [--seed N]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True, help="The DuckDB file to write.")
    parser.add_argument(
        "--as-of", type=date.fromisoformat, required=True, help="The last day (YYYY-MM-DD)."
    )
    parser.add_argument("--seed", type=int, default=7, help="The random seed (default 7).")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    path = build_freight(args.out, as_of=args.as_of, seed=args.seed)
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [row[0] for row in con.execute("SHOW TABLES").fetchall()]
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone() for t in tables}
    shown = ", ".join(f"{t} {c[0] if c else 0:,}" for t, c in counts.items())
    print(f"Built {path} as of {args.as_of} in {time.perf_counter() - started:.1f} s: {shown}")


if __name__ == "__main__":
    main()
