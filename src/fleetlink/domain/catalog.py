"""Current Toyota and Lexus models, with what the cloud needs to know of each."""

from dataclasses import dataclass

from fleetlink.domain.vehicle import Powertrain


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model as built: identity, VIN pattern and energy stores."""

    make: str
    model: str
    powertrain: Powertrain
    wmi: str
    vds_prefix: str
    plant: str
    trims: tuple[str, ...]
    first_year: int
    battery_kwh: float | None = None
    electric_range_km: float | None = None
    fuel_tank_l: float | None = None
    fuel_range_km: float | None = None


TOYOTA_COLORS = (
    "Wind Chill Pearl",
    "Supersonic Red",
    "Midnight Black Metallic",
    "Celestial Silver Metallic",
    "Underground",
    "Blueprint",
    "Ice Cap",
    "Heavy Metal",
)
LEXUS_COLORS = (
    "Eminent White Pearl",
    "Caviar",
    "Nori Green Pearl",
    "Cloudburst Gray",
    "Copper Crest",
    "Grecian Water",
    "Matador Red Mica",
)

CATALOG: tuple[ModelSpec, ...] = (
    ModelSpec(
        "Toyota",
        "bZ4X",
        Powertrain.BEV,
        "JTM",
        "AAAAA",
        "J",
        ("XLE", "Limited"),
        2023,
        battery_kwh=71.4,
        electric_range_km=406,
    ),
    ModelSpec(
        "Toyota",
        "RAV4 Plug-in Hybrid",
        Powertrain.PHEV,
        "JTM",
        "FB3FV",
        "J",
        ("SE", "XSE"),
        2023,
        battery_kwh=18.1,
        electric_range_km=68,
        fuel_tank_l=55,
        fuel_range_km=870,
    ),
    ModelSpec(
        "Toyota",
        "Prius Plug-in Hybrid",
        Powertrain.PHEV,
        "JTD",
        "ACAAU",
        "3",
        ("SE", "XSE", "XSE Premium"),
        2023,
        battery_kwh=13.6,
        electric_range_km=71,
        fuel_tank_l=40,
        fuel_range_km=900,
    ),
    ModelSpec(
        "Toyota",
        "Prius",
        Powertrain.HYBRID,
        "JTD",
        "ACRAU",
        "3",
        ("LE", "XLE", "Limited"),
        2023,
        battery_kwh=0.9,
        fuel_tank_l=43,
        fuel_range_km=1030,
    ),
    ModelSpec(
        "Toyota",
        "Camry",
        Powertrain.HYBRID,
        "4T1",
        "DAACK",
        "U",
        ("LE", "SE", "XSE", "XLE"),
        2025,
        battery_kwh=1.0,
        fuel_tank_l=50,
        fuel_range_km=1000,
    ),
    ModelSpec(
        "Toyota",
        "Corolla",
        Powertrain.ICE,
        "5YF",
        "B4MEE",
        "P",
        ("LE", "SE", "XSE"),
        2023,
        fuel_tank_l=50,
        fuel_range_km=720,
    ),
    ModelSpec(
        "Toyota",
        "Corolla Hybrid",
        Powertrain.HYBRID,
        "JTD",
        "BCMEE",
        "3",
        ("LE", "SE", "XLE"),
        2023,
        battery_kwh=0.7,
        fuel_tank_l=43,
        fuel_range_km=900,
    ),
    ModelSpec(
        "Toyota",
        "RAV4 Hybrid",
        Powertrain.HYBRID,
        "2T3",
        "RWRFV",
        "W",
        ("XLE", "XSE", "Limited"),
        2023,
        battery_kwh=1.6,
        fuel_tank_l=55,
        fuel_range_km=920,
    ),
    ModelSpec(
        "Toyota",
        "Tacoma",
        Powertrain.ICE,
        "3TM",
        "LB4EN",
        "M",
        ("SR5", "TRD Sport", "TRD Off-Road"),
        2024,
        fuel_tank_l=80,
        fuel_range_km=760,
    ),
    ModelSpec(
        "Toyota",
        "Tundra",
        Powertrain.ICE,
        "5TF",
        "LA5DB",
        "X",
        ("SR5", "Limited", "Platinum"),
        2023,
        fuel_tank_l=121,
        fuel_range_km=980,
    ),
    ModelSpec(
        "Toyota",
        "Grand Highlander Hybrid",
        Powertrain.HYBRID,
        "5TD",
        "ACRBH",
        "S",
        ("XLE", "Limited", "Platinum"),
        2024,
        battery_kwh=1.6,
        fuel_tank_l=65,
        fuel_range_km=1000,
    ),
    ModelSpec(
        "Lexus",
        "RZ 450e",
        Powertrain.BEV,
        "JTJ",
        "AAAAB",
        "A",
        ("Premium", "Luxury"),
        2023,
        battery_kwh=71.4,
        electric_range_km=354,
    ),
    ModelSpec(
        "Lexus",
        "NX 450h+",
        Powertrain.PHEV,
        "JTJ",
        "HKCEZ",
        "2",
        ("Luxury", "F SPORT"),
        2023,
        battery_kwh=18.1,
        electric_range_km=60,
        fuel_tank_l=55,
        fuel_range_km=830,
    ),
    ModelSpec(
        "Lexus",
        "RX 350",
        Powertrain.ICE,
        "2T2",
        "BAMCA",
        "C",
        ("Premium", "Premium+", "Luxury"),
        2023,
        fuel_tank_l=68,
        fuel_range_km=790,
    ),
    ModelSpec(
        "Lexus",
        "RX 500h",
        Powertrain.HYBRID,
        "2T2",
        "CAMCA",
        "C",
        ("F SPORT Performance",),
        2023,
        battery_kwh=1.5,
        fuel_tank_l=68,
        fuel_range_km=880,
    ),
)


# ISO 3779 model-year codes for the years the catalog covers.
MODEL_YEAR_CODES: dict[int, str] = {2023: "P", 2024: "R", 2025: "S", 2026: "T", 2027: "V"}


@dataclass(frozen=True, slots=True)
class Stores:
    """What a vehicle keeps its energy in: a plug-in battery's and a tank's capacity."""

    battery_kwh: float | None = None  # only a battery the owner charges (BEV, PHEV)
    tank_l: float | None = None


_BY_NAME = {(m.make, m.model): m for m in CATALOG}


def stores_of(make: str, model: str) -> Stores:
    """The capacities of a model; nothing known of a model not in the catalog."""
    spec = _BY_NAME.get((make, model))
    if spec is None:
        return Stores()
    battery = spec.battery_kwh if spec.powertrain.is_pluggable else None
    return Stores(battery_kwh=battery, tank_l=spec.fuel_tank_l)
