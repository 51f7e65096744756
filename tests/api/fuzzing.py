"""Schemathesis, run as a peer would run it against a live server: every check it offers.

`schemathesis(...)` runs the CLI with every check (`--checks all`, said in the config file
so that exclusions hold), seed 15 and a fixed number of examples per operation
(FUZZ_EXAMPLES, 25 unless set; `make fuzz` sets more). A check is left out only where it
contradicts the contract itself, and then for one operation: an `Exclusion` names the
check, the operation and the reason, and the runner writes it into the run's
schemathesis.toml as an `[[operations]]` entry matched by the operation's name. `Given`
pins a parameter the server must recognise (the caller's guid, an existing subscription).

A run fails on any failure, and also when schemathesis warns that an operation was mostly
answered 429 (`rate_limited`), or that every valid request it generated was refused
(`validation_mismatch`) for an operation that no `Refused` names: then the fuzzer never
reached the operation's logic.
"""

import asyncio
import json
import os
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SPECS = Path(__file__).resolve().parents[2] / "specs"
SEED = 15
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
# The headings of schemathesis's warnings that an operation's logic went unreached: mostly
# 429s, or every valid request it generated refused (its CLI's output.py words them so).
RATE_LIMITED = "Rate limited"
MISMATCH = "Schema validation mismatch"


def label(method: str, path: str) -> str:
    """The operation's name to schemathesis ("GET /vehicles/{vin}", the spec's own path).

    include-name matches that one operation; include-method and include-path in one
    [[operations]] entry match either, so they would reach every operation of the method.
    """
    return f"{method.upper()} {path}"


@dataclass(frozen=True)
class Exclusion:
    """One check left out for one operation, because the contract itself contradicts it."""

    check: str
    method: str
    path: str
    reason: str

    def toml(self) -> str:
        return (
            f"# {self.reason}\n"
            "[[operations]]\n"
            f"include-name = {json.dumps(label(self.method, self.path))}\n"
            f"checks.{self.check}.enabled = false\n"
        )


@dataclass(frozen=True)
class Given:
    """Values for one operation's parameters ("body.vin", "path.subscriptionId"), where the
    contract asks for one that the server must match (the caller's own guid, an existing
    subscription) and random ones never would.

    Only the fuzzing phase takes body values: the coverage phase's valid cases would still
    carry its own ("" for every string), so that phase sends such an operation invalid
    cases only.
    """

    method: str
    path: str
    parameters: Mapping[str, str | int]

    def toml(self) -> str:
        values = ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in self.parameters.items())
        in_body = any(k.startswith("body.") for k in self.parameters)
        return (
            "[[operations]]\n"
            f"include-name = {json.dumps(label(self.method, self.path))}\n"
            f"parameters = {{ {values} }}\n"
            + ('phases.coverage.generation.mode = "negative"\n' if in_body else "")
        )


@dataclass(frozen=True)
class Refused:
    """An operation whose valid requests the server may all refuse, with the reason: the
    contract asks for values no generator can make up (a VIN's check digit, a secret), so
    schemathesis's validation-mismatch warning is expected there and nowhere else."""

    method: str
    path: str
    reason: str


def config(
    vin: str | None,
    exclusions: tuple[Exclusion, ...],
    given: tuple[Given, ...] = (),
    parameters: dict[str, str] | None = None,
) -> str:
    """The run's schemathesis.toml: the VIN to use, the warnings that fail, the exclusions."""
    lines = [
        f"seed = {SEED}",
        # Every check, as `--checks all` would; named on the command line, though, the checks
        # would count as explicitly chosen and override each operation's exclusion.
        "[checks]",
        "enabled = true",
        "[warnings]",
        # Mismatches are told apart per operation below, from the output.
        'fail-on = ["rate_limited"]',
    ]
    values = ({"path.vin": vin} if vin else {}) | (parameters or {})
    if values:
        lines.append("[parameters]")
        lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in values.items()]
    operations = [e.toml() for e in exclusions] + [g.toml() for g in given]
    return "\n".join(lines) + "\n\n" + "\n".join(operations)


def _peers(tmp: Path, token: str, peer_token: str) -> str:
    """Two callers for object_level_authorization (a Web Fuzzing Commons auth file): the
    run's own, and a peer who must get none of its objects."""
    users = [("caller", token), ("peer", peer_token)]
    auth = tmp / f"peers-{uuid.uuid4().hex[:6]}.json"
    auth.write_text(
        json.dumps(
            {
                "auth": [
                    {
                        "name": name,
                        "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {value}"}],
                    }
                    for name, value in users
                ]
            }
        )
    )
    return (
        "\n[auth.wfc]\n"
        f"path = {json.dumps(str(auth))}\n"
        'user = "caller"\n'
        'peers = ["caller", "peer"]\n'
    )


def warned(output: str, heading: str) -> set[str]:
    """The operations listed under one of schemathesis's warnings ("  - GET /path" lines)."""
    found: set[str] = set()
    inside = False
    for line in output.splitlines():
        if line.startswith(heading):
            inside = True
        elif inside and line.startswith("  - "):
            found.add(line[4:].strip())
        elif inside and line.strip() and not line.startswith(" "):
            inside = False
    return found


async def schemathesis(
    tmp: Path,
    spec: str,
    url: str,
    token: str,
    vin: str | None,
    *options: str,
    exclusions: tuple[Exclusion, ...] = (),
    given: tuple[Given, ...] = (),
    refused: tuple[Refused, ...] = (),
    unreached_fails: bool = True,
    parameters: dict[str, str] | None = None,
    peer_token: str | None = None,
) -> None:
    """Run every check over spec against url; fail on a failure, on an operation mostly
    answered 429, or on one whose every valid request was refused, unless `refused` names it
    (or unreached_fails is False: a run with random identifiers is refused on them)."""
    path = tmp / f"schemathesis-{uuid.uuid4().hex[:6]}.toml"
    text = config(vin, exclusions, given, parameters)
    if peer_token is not None:
        text += _peers(tmp, token, peer_token)
        credentials: tuple[str, ...] = ()
    else:
        credentials = ("--header", f"Authorization: Bearer {token}")
    path.write_text(text)
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(path),
        "--no-color",
        "run",
        str(SPECS / spec),
        "--url",
        url,
        *credentials,
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--report-dir",
        str(tmp / "schemathesis-report"),
        "--report",
        "ndjson",
        *options,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    raw, _ = await asyncio.wait_for(process.communicate(), timeout=900)
    output = raw.decode()
    assert process.returncode == 0, output
    assert not warned(output, RATE_LIMITED), output
    if unreached_fails:
        expected = {label(r.method, r.path) for r in refused}
        assert not warned(output, MISMATCH) - expected, output
