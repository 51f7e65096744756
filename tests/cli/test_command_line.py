"""A command line the CLI cannot take, run as an operator runs it (logging at its default):
one line on stderr saying what is wrong, a non-zero exit, never a usage box or a traceback."""

import asyncio

from tests.conftest import Databases
from tests.test_cli import Result, fleetlink

# Each refused before any command runs: an unknown command or option, a value out of range or
# of the wrong kind, a required option left out.
UNPARSABLE = {
    ("vehicles", "lst"): "No such command 'lst'",
    ("--bogus",): "No such option: --bogus",
    ("vehicles", "add", "JTMAAAAA8RA913370", "--powertrain", "warp"): "'--powertrain'",
    ("vehicles", "list", "--limit", "0"): "'--limit'",
    ("vehicles", "list", "--seen-before", "yesterday"): "'--seen-before'",
    ("vehicles", "import", "fleet.csv"): "Missing option '--credentials-out'",
    ("owners", "list", "--limit", "-1"): "'--limit'",
    ("token", "--operator", "ops@example.com", "--ttl", "soon"): "'--ttl'",
}


def only_line(result: Result) -> str:
    """The one line the command printed, to stderr."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


async def test_a_command_line_that_cannot_be_parsed_is_one_line_and_exit_2(
    databases: Databases,
) -> None:
    url = await databases.new()

    results = await asyncio.gather(*(fleetlink(url, *args) for args in UNPARSABLE))

    for (args, says), result in zip(UNPARSABLE.items(), results, strict=True):
        assert result.code == 2, (args, result.stderr)
        line = only_line(result)
        assert line.startswith("error: ") and says in line, (args, line)
        assert line.endswith(" --help)"), line


async def test_an_error_on_a_migrated_database_is_one_line_at_the_default_log_level(
    databases: Databases,
) -> None:
    url = await databases.new()
    await fleetlink(url, "db", "upgrade")

    bad_vin = await fleetlink(url, "vehicles", "show", "NOTAVIN")
    no_owner = await fleetlink(url, "owners", "disable", "nobody@example.com")

    assert bad_vin.code == no_owner.code == 1
    assert only_line(bad_vin).startswith("error: 'NOTAVIN' is not a valid VIN")
    assert only_line(no_owner) == "error: no owner 'nobody@example.com'"


async def test_help_is_still_printed(databases: Databases) -> None:
    url = await databases.new()

    helped = await fleetlink(url, "vehicles", "--help")
    group_alone = await fleetlink(url, "vehicles")

    assert helped.code == 0 and "transfer" in helped.stdout
    assert group_alone.code == 2 and "transfer" in group_alone.stdout + group_alone.stderr
