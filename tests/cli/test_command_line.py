"""A command line the CLI cannot take, run as an operator runs it (logging at its default):
one line on stderr saying what is wrong, a non-zero exit, never a usage box or a traceback."""

from tests.conftest import Databases
from tests.test_cli import Result, fleetlink


def only_line(result: Result) -> str:
    """The one line the command printed, to stderr."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


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
