"""Schemathesis, run as a peer would run it against a live server: every check it offers.

`schemathesis(...)` runs the CLI with every check (`--checks all`, said in the config file), a
fixed seed and a fixed number of
examples per operation (FUZZ_EXAMPLES, 25 unless set; `make fuzz` sets more). A check is
left out only where it contradicts the contract itself, and then for one operation: an
`Exclusion` names the check, the operation and the reason, and the runner writes it into
the run's schemathesis.toml as an `[[operations]]` entry.

A run fails on any failure, and also when schemathesis warns that an operation went
untested because the server refused it with 429s (`rate_limited`) or that every request it
generated was refused (`validation_mismatch`): then the fuzzer never reached the logic.
"""

import asyncio
import json
import os
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

SPECS = Path(__file__).resolve().parents[2] / "specs"
SEED = 15
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
# schemathesis's warnings that mean an operation's logic went unreached.
UNREACHED = ("rate_limited", "validation_mismatch")
# How the CLI words them (schemathesis/cli/commands/run/handlers/output.py), so that a version
# which prints them without failing the run still fails the test.
UNREACHED_WORDING = re.compile(
    r"Rate limited|mostly returned 429|Schema validation mismatch|mostly rejected generated data"
)


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
            f"include-method = {json.dumps(self.method.upper())}\n"
            f"include-path = {json.dumps(self.path)}\n"
            f"checks.{self.check}.enabled = false\n"
        )


@dataclass(frozen=True)
class Given:
    """Values for one operation's parameters ("body.vin", "query.x"), where the contract asks
    for one that the server must match (the caller's own guid) and random ones never would.

    Only the fuzzing phase takes them: the coverage phase's valid cases would still carry
    its own ("" for every string), so that phase sends this operation invalid cases only.
    """

    method: str
    path: str
    parameters: dict[str, str]

    def toml(self) -> str:
        values = ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in self.parameters.items())
        return (
            "[[operations]]\n"
            f"include-method = {json.dumps(self.method.upper())}\n"
            f"include-path = {json.dumps(self.path)}\n"
            f"parameters = {{ {values} }}\n"
            'phases.coverage.generation.mode = "negative"\n'
        )


def config(
    vin: str | None,
    exclusions: tuple[Exclusion, ...],
    given: tuple[Given, ...] = (),
    unreached_fails: bool = True,
) -> str:
    """The run's schemathesis.toml: the VIN to use, the warnings that fail, the exclusions."""
    fail_on = list(UNREACHED) if unreached_fails else ["rate_limited"]
    lines = [
        f"seed = {SEED}",
        # Every check, as `--checks all` would; named on the command line, though, the checks
        # would count as explicitly chosen and override each operation's exclusion.
        "[checks]",
        "enabled = true",
        "[warnings]",
        f"fail-on = {json.dumps(fail_on)}",
    ]
    if vin:
        lines += ["[parameters]", f'"path.vin" = "{vin}"']
    operations = [e.toml() for e in exclusions] + [g.toml() for g in given]
    return "\n".join(lines) + "\n\n" + "\n".join(operations)


def unreached(output: str) -> list[str]:
    """The lines of schemathesis's output that say an operation's logic went unreached."""
    return [line for line in output.splitlines() if UNREACHED_WORDING.search(line)]


async def schemathesis(
    tmp: Path,
    spec: str,
    url: str,
    token: str,
    vin: str | None,
    *options: str,
    exclusions: tuple[Exclusion, ...] = (),
    given: tuple[Given, ...] = (),
    unreached_fails: bool = True,
) -> None:
    """Run every check over spec against url; fail on a failure or an unreached operation
    (unless unreached_fails is False: a run with random identifiers is refused on them)."""
    path = tmp / f"schemathesis-{uuid.uuid4().hex[:6]}.toml"
    path.write_text(config(vin, exclusions, given, unreached_fails))
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(path),
        "--no-color",
        "run",
        str(SPECS / spec),
        "--url",
        url,
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--report-dir",
        str(tmp / "schemathesis-report"),
        *options,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    raw, _ = await asyncio.wait_for(process.communicate(), timeout=900)
    output = raw.decode()
    assert process.returncode == 0, output
    wording = unreached(output)
    if not unreached_fails:
        wording = [line for line in wording if "validation mismatch" not in line.lower()]
        wording = [line for line in wording if "rejected generated data" not in line]
    assert not wording, output
