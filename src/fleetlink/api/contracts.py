"""The contract documents the façades serve: each spec file as it is, plus our extensions."""

import copy
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

TOYOTA_SPEC = "toyota-connected-services.openapi.yaml"
HIGH_MOBILITY_SPEC = "high-mobility-vehicle-api.openapi.yaml"
EXTENSIONS_SPEC = "fleetlink-extensions.openapi.yaml"
OPERATOR_SPEC = "fleetlink-operator.openapi.yaml"


def _spec_dir() -> Path:
    # The specs ship inside the package (see pyproject's force-include); a checkout has them too.
    packaged = Path(str(resources.files("fleetlink") / "specs"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "specs"


class _Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 scalars, as OpenAPI documents are written: `on`, `off`, `yes` and `no` are strings.

    PyYAML follows YAML 1.1, which would turn the Toyota contract's `enum: [on, off]`
    into booleans; dates stay strings too, as JSON Schema expects.
    """


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def parse_yaml(text: str) -> Any:
    """Parse a YAML 1.2 document."""
    return yaml.load(text, Loader=_Yaml12Loader)


@cache
def load_spec(name: str) -> dict[str, Any]:
    """A spec file, parsed."""
    loaded: dict[str, Any] = parse_yaml((_spec_dir() / name).read_text(encoding="utf-8"))
    return loaded


def served_document(contract: str, prefix: str, *, server: str | None = None) -> dict[str, Any]:
    """The contract with our extensions under prefix merged in, served from server.

    The server defaults to prefix, for a contract whose paths are relative to it (the
    Toyota one); a contract whose paths already start with prefix (High Mobility's
    `/v1/...`) is served from `/` and keeps its extensions' paths whole.
    """
    doc = copy.deepcopy(load_spec(contract))
    extensions = load_spec(EXTENSIONS_SPEC)
    base = prefix if server is None else server
    doc["servers"] = [{"url": base, "description": "this fleetlink server"}]
    for path, item in extensions["paths"].items():
        if path.startswith(prefix + "/"):
            doc["paths"][path.removeprefix(base.rstrip("/"))] = copy.deepcopy(item)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in extensions["components"]["schemas"].items():
        schemas.setdefault(name, copy.deepcopy(schema))
    return doc
