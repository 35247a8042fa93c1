"""The default catalogue of civic-issue categories: what a resident can report, the department
that answers for it and how many hours it has to rectify. Rows, not code: a city edits them in
the database, and `ensure_categories` only adds the codes that are missing."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models.civic import CivicCategory

URBAN_MANAGEMENT = "惠州市城市管理和综合执法局"
SANITATION = "惠州市城市管理和综合执法局环境卫生管理处"
MUNICIPAL = "惠州市住房和城乡建设局市政设施管理处"
TRAFFIC_POLICE = "惠州市公安局交通警察支队"
GREENERY = "惠州市园林绿化管理处"
ENVIRONMENT = "惠州市生态环境局"
WATER = "惠州市水务局"


@dataclass(frozen=True)
class CategorySeed:
    code: str
    name_zh: str
    name_en: str
    group_name: str
    department: str
    deadline_hours: int
    description: str


CATALOGUE: tuple[CategorySeed, ...] = (
    CategorySeed(
        "ILLEGAL_PARKING",
        "违章停车",
        "Illegal parking",
        "Traffic",
        TRAFFIC_POLICE,
        4,
        "A vehicle blocking a pavement, fire lane, crossing or bus stop.",
    ),
    CategorySeed(
        "LITTERING",
        "乱扔垃圾",
        "Littering and exposed garbage",
        "Sanitation",
        SANITATION,
        24,
        "Rubbish, construction waste or dumped furniture left in a public place.",
    ),
    CategorySeed(
        "OVERFLOWING_BIN",
        "垃圾桶满溢",
        "Overflowing bin",
        "Sanitation",
        SANITATION,
        12,
        "A public bin or collection point that is full or overflowing.",
    ),
    CategorySeed(
        "DAMAGED_FACILITY",
        "公共设施损坏",
        "Damaged public facility",
        "Facilities",
        MUNICIPAL,
        72,
        "Broken benches, railings, signs, bus shelters or fitness equipment.",
    ),
    CategorySeed(
        "STREET_VENDING",
        "占道经营",
        "Street vending",
        "City appearance",
        URBAN_MANAGEMENT,
        24,
        "Stalls or shop goods occupying the pavement or the road.",
    ),
    CategorySeed(
        "ILLEGAL_ADVERTISING",
        "违规小广告",
        "Illegal advertising",
        "City appearance",
        URBAN_MANAGEMENT,
        48,
        "Posted or painted small ads, unlicensed banners and signboards.",
    ),
    CategorySeed(
        "ROAD_DAMAGE",
        "道路破损",
        "Road damage",
        "Roads",
        MUNICIPAL,
        72,
        "Potholes, broken paving or kerbs, sunken road surface.",
    ),
    CategorySeed(
        "MISSING_MANHOLE_COVER",
        "井盖缺失",
        "Missing manhole cover",
        "Roads",
        MUNICIPAL,
        4,
        "A manhole or drain cover that is missing, broken or loose.",
    ),
    CategorySeed(
        "STREETLIGHT_OUT",
        "路灯不亮",
        "Streetlight out",
        "Facilities",
        MUNICIPAL,
        48,
        "A streetlight that is out, flickering or damaged.",
    ),
    CategorySeed(
        "GREENERY_DAMAGE",
        "绿化损坏",
        "Greenery damage",
        "Greenery",
        GREENERY,
        96,
        "Damaged trees, trampled lawns, fallen branches, occupied green space.",
    ),
    CategorySeed(
        "WATERLOGGING",
        "道路积水",
        "Waterlogging",
        "Roads",
        WATER,
        12,
        "Standing water on a road or pavement, a blocked drain.",
    ),
    CategorySeed(
        "NOISE",
        "噪音扰民",
        "Noise",
        "Environment",
        ENVIRONMENT,
        24,
        "Construction, commercial or amplified noise outside permitted hours.",
    ),
)


async def ensure_categories() -> int:
    """Adds the catalogue's missing codes; returns how many it added. Edited rows stay."""
    added = 0
    async with in_transaction():
        existing = {row.code for row in await CivicCategory.all().only("id", "code")}
        for position, seed in enumerate(CATALOGUE):
            if seed.code in existing:
                continue
            await CivicCategory.create(
                code=seed.code,
                name_zh=seed.name_zh,
                name_en=seed.name_en,
                group_name=seed.group_name,
                department=seed.department,
                deadline_hours=seed.deadline_hours,
                description=seed.description,
                position=position,
            )
            added += 1
    return added
