"""Huizhou's districts and communities: reference data loaded once, looked up everywhere."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models.geography import Community, District


@dataclass(frozen=True)
class DistrictSeed:
    code: str
    name: str
    name_en: str
    population: int
    lat: float
    lng: float
    communities: tuple[str, ...]


# Resident populations sum to the city's ~4.8 million; centres are the districts' seats.
# Community names are real streets/communities of each district (街道/社区).
HUIZHOU: tuple[DistrictSeed, ...] = (
    DistrictSeed(
        "HUICHENG",
        "惠城区",
        "Huicheng",
        1_200_000,
        23.0837,
        114.3828,
        (
            "江北街道文昌社区",
            "龙丰街道新联社区",
            "桥东街道",
            "桥西街道",
            "江南街道",
            "河南岸街道",
            "小金口街道",
            "水口街道",
            "龙丰街道",
            "江北街道",
        ),
    ),
    DistrictSeed(
        "HUIYANG",
        "惠阳区",
        "Huiyang",
        620_000,
        22.7887,
        114.4563,
        (
            "淡水街道",
            "秋长街道",
            "三和街道",
            "沙田镇",
            "新圩镇",
            "镇隆镇",
        ),
    ),
    DistrictSeed(
        "HUIDONG",
        "惠东县",
        "Huidong",
        980_000,
        22.9848,
        114.7200,
        (
            "平山街道",
            "大岭街道",
            "吉隆镇",
            "稔山镇",
            "黄埠镇",
            "白花镇",
        ),
    ),
    DistrictSeed(
        "BOLUO",
        "博罗县",
        "Boluo",
        1_070_000,
        23.1729,
        114.2898,
        (
            "罗阳街道",
            "石湾镇",
            "园洲镇",
            "龙溪街道",
            "杨村镇",
            "长宁镇",
        ),
    ),
    DistrictSeed(
        "LONGMEN",
        "龙门县",
        "Longmen",
        330_000,
        23.7277,
        114.2546,
        (
            "龙城街道",
            "平陵街道",
            "永汉镇",
            "龙田镇",
        ),
    ),
    DistrictSeed(
        "DAYAWAN",
        "大亚湾",
        "Daya Bay",
        300_000,
        22.7536,
        114.5406,
        (
            "澳头街道",
            "西区街道",
            "霞涌街道",
        ),
    ),
    DistrictSeed(
        "ZHONGKAI",
        "仲恺",
        "Zhongkai",
        300_000,
        23.0310,
        114.3364,
        (
            "陈江街道",
            "惠环街道",
            "沥林镇",
            "潼侨镇",
            "潼湖镇",
        ),
    ),
)


def _community_points(seed: DistrictSeed) -> list[tuple[str, int, float, float]]:
    """Spreads communities on a small ring around the district seat, splitting its population.

    Deterministic so that every seeded database agrees; the exact placement only matters for
    distance-based features, which need points that are plausible, not surveyed."""
    count = len(seed.communities)
    share = seed.population // count
    points = []
    for index, name in enumerate(seed.communities):
        ring = 0.012 * (1 + index % 3)
        angle_lat = ((index * 37) % 360) / 360
        lat = seed.lat + ring * (1 - 2 * angle_lat)
        lng = seed.lng + ring * (2 * ((index * 53) % 360) / 360 - 1)
        points.append((name, share, round(lat, 6), round(lng, 6)))
    return points


async def ensure_reference_data() -> int:
    """Inserts the districts and communities that are missing; returns how many rows it added."""
    added = 0
    async with in_transaction():
        for seed in HUIZHOU:
            district, created = await District.get_or_create(
                code=seed.code,
                defaults={
                    "name": seed.name,
                    "name_en": seed.name_en,
                    "population": seed.population,
                    "center_lat": seed.lat,
                    "center_lng": seed.lng,
                },
            )
            added += int(created)
            for name, population, lat, lng in _community_points(seed):
                _, created = await Community.get_or_create(
                    district=district,
                    name=name,
                    defaults={"population": population, "center_lat": lat, "center_lng": lng},
                )
                added += int(created)
    return added
