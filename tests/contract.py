"""Validate every response the suite sees against the contract that governs its path."""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator, OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from fleetlink.api.contracts import parse_yaml

SPECS = Path(__file__).resolve().parent.parent / "specs"
# Served documents and docs pages are not API operations of any contract, nor are the owner
# panel's HTML pages (documented in the extensions for people, not validated here).
_UNGOVERNED = re.compile(
    r"^/(connected/|operator/)?v1/(openapi\.json|docs)$|^/oauth(/|$)"
    # The web app (fleetlink.web): pages and their own JSON, under no contract.
    r"|^/($|static/|app/api/|vehicles/|operations|sign-in)"
)
_EXTENSIONS = "urn:fleetlink-test:fleetlink-extensions.openapi.yaml"
_TOYOTA = "urn:fleetlink-test:toyota-connected-services.openapi.yaml"
_HIGH_MOBILITY = "urn:fleetlink-test:high-mobility-vehicle-api.openapi.yaml"
_OPERATOR = "urn:fleetlink-test:fleetlink-operator.openapi.yaml"
OPERATOR_PREFIX = "/operator/v1"


@dataclass(frozen=True)
class _Operation:
    spec_uri: str
    pattern: re.Pattern[str]
    template: str
    method: str
    responses: dict[str, Any]
    source_path: str


class ContractViolation(AssertionError):
    """A response that its contract does not allow."""


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


class ContractValidator:
    """Knows both contracts (Toyota under /connected/v1, High Mobility's own /v1 paths),
    fleetlink's extensions (absolute paths) and its operator API (under /operator/v1).

    An error a contract documents without a body, or does not list, must still take the
    façade's own error shape: Toyota's Error, High Mobility's `{errors, request_id}`, or
    at the token endpoint RFC 6749's `{error, error_description}`. A 503 that the operation
    does not list takes the extensions' ServiceUnavailable response of its API: that shape,
    and a `Retry-After` header.
    """

    def __init__(self) -> None:
        self._registry: Registry[Any] = Registry()
        self._operations: list[_Operation] = []
        self._load("toyota-connected-services.openapi.yaml", prefix="/connected/v1")
        self._load("high-mobility-vehicle-api.openapi.yaml", prefix="")
        self._load("fleetlink-extensions.openapi.yaml", prefix="")
        self._load("fleetlink-operator.openapi.yaml", prefix=OPERATOR_PREFIX)
        # Literal paths win over templated ones (/vehicles/x/status before /vehicles/{vin}).
        self._operations.sort(key=lambda op: op.template.count("{"))

    def _load(self, name: str, prefix: str) -> None:
        spec = parse_yaml((SPECS / name).read_text())
        uri = f"urn:fleetlink-test:{name}"
        self._registry = self._registry.with_resource(
            uri, Resource.from_contents(spec, default_specification=DRAFT4)
        )
        for path, item in spec["paths"].items():
            for method, op in item.items():
                if method in {"get", "put", "post", "delete", "patch"}:
                    template = prefix + path
                    self._operations.append(
                        _Operation(
                            uri, _template_regex(template), template, method, op["responses"], path
                        )
                    )

    def operation(self, method: str, path: str) -> _Operation | None:
        """The operation of either contract that serves method and path."""
        for op in self._operations:
            if op.method == method.lower() and op.pattern.match(path):
                return op
        return None

    def check(
        self,
        method: str,
        path: str,
        status: int,
        content_type: str,
        body: bytes,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Raise ContractViolation unless the response is one the contract allows.

        Headers, when given, are checked where the contract requires one (a 503's Retry-After).
        """
        if _UNGOVERNED.match(path):
            return
        op = self.operation(method, path)
        if op is None:
            if status in (404, 405):
                spec_uri, ref = _error_shape(path)
                self._validate(spec_uri, ref, body, f"{method} {path} → {status}")
                return
            raise ContractViolation(f"{method} {path} answered {status} but no contract has it")
        documented = op.responses.get(str(status)) or op.responses.get("default")
        where = f"{method} {op.template} → {status}"
        if documented is None and status < 400:
            raise ContractViolation(f"{where}: status not in the contract")
        schema_ref: str | None = None
        if documented is not None:
            content = documented.get("content")
            if content is None and "$ref" in documented:
                schema_ref = self._response_ref(op.spec_uri, documented["$ref"])
            elif content and "application/json" not in content:
                if not any(content_type.startswith(kind) for kind in content):
                    raise ContractViolation(f"{where}: content type {content_type!r} not allowed")
                return
            elif content:
                schema = content["application/json"]["schema"]
                schema_ref = schema.get("$ref") or _pointer(
                    "paths",
                    op.source_path,
                    op.method,
                    "responses",
                    str(status),
                    "content",
                    "application/json",
                    "schema",
                )
        if documented is None and status == 503:
            self._check_unavailable(path, content_type, body, headers, where)
            return
        if schema_ref is None and status >= 400:
            # Errors the contract lists without a body, or not at all, take the façade's shape.
            spec_uri, ref = _error_shape(path)
            if not content_type.startswith("application/json"):
                raise ContractViolation(f"{where}: content type {content_type!r}, not JSON")
            self._validate(spec_uri, ref, body, where)
            return
        if schema_ref is None:
            return
        if not content_type.startswith("application/json"):
            raise ContractViolation(f"{where}: content type {content_type!r}, not JSON")
        self._validate(op.spec_uri, schema_ref, body, where)

    def _check_unavailable(
        self,
        path: str,
        content_type: str,
        body: bytes,
        headers: Mapping[str, str] | None,
        where: str,
    ) -> None:
        """A 503 no operation lists: its API's ServiceUnavailable response of the extensions."""
        if headers is not None:
            retry_after = headers.get("retry-after", "")
            if not retry_after.isdigit() or int(retry_after) < 1:
                raise ContractViolation(f"{where}: Retry-After {retry_after!r}, not seconds ≥ 1")
        if not content_type.startswith("application/json"):
            raise ContractViolation(f"{where}: content type {content_type!r}, not JSON")
        name = _UNAVAILABLE_RESPONSES[_error_shape(path)[1]]
        ref = _pointer("components", "responses", name, "content", "application/json", "schema")
        self._validate(_EXTENSIONS, ref, body, where)

    def _response_ref(self, spec_uri: str, ref: str) -> str:
        resolved = self._registry.resolver(spec_uri).lookup(ref).contents
        schema_ref: str = resolved["content"]["application/json"]["schema"]["$ref"]
        return schema_ref

    def _validate(self, spec_uri: str, ref: str, body: bytes, where: str) -> None:
        try:
            instance = json.loads(body)
        except ValueError as exc:
            raise ContractViolation(f"{where}: body is not JSON: {body[:200]!r}") from exc
        kind = OAS31Validator if spec_uri == _HIGH_MOBILITY else OAS30Validator
        validator = kind(
            {"$ref": spec_uri + ref},
            registry=self._registry,
            format_checker=kind.FORMAT_CHECKER,
        )
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        if errors:
            details = "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
            raise ContractViolation(f"{where}: {details}")


def _error_shape(path: str) -> tuple[str, str]:
    """Where the error schema of the façade serving path is."""
    if path == OPERATOR_PREFIX or path.startswith(OPERATOR_PREFIX + "/"):
        return _OPERATOR, "#/components/schemas/OperatorError"
    if path == "/v1/access_token":
        return _EXTENSIONS, "#/components/schemas/OAuthTokenError"
    if path.startswith(("/v1/", "/fleetlink/")):
        return _EXTENSIONS, "#/components/schemas/HighMobilityError"
    return _TOYOTA, "#/components/schemas/Error"


# The extensions' 503 response of each façade, by the façade's error schema.
_UNAVAILABLE_RESPONSES = {
    "#/components/schemas/Error": "ToyotaServiceUnavailable",
    "#/components/schemas/HighMobilityError": "HighMobilityServiceUnavailable",
    "#/components/schemas/OAuthTokenError": "TokenServiceUnavailable",
}


def _pointer(*parts: str) -> str:
    """A JSON pointer (RFC 6901) to an inline schema, so its own $refs still resolve."""
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)
