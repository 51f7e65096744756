#!/usr/bin/env python3
"""Vendor the web app's front-end libraries from the npm registry, pinned and checked.

    python3 scripts/vendor_frontend.py            # fetch what frontend.lock.json pins, check, unpack
    python3 scripts/vendor_frontend.py --check    # only check the committed files against the lock
    python3 scripts/vendor_frontend.py --pin NAME@VERSION   # record a package's integrity in the lock

Each entry of scripts/frontend.lock.json names a package, its exact version, the sha512
integrity of its tarball (as npm records it), its licence, and the files of the tarball to
keep. The tarball's address is read from the registry's own metadata; the registry is
NPM_REGISTRY's, else the public one. A tarball whose hash differs from the lock is refused.
The files land in src/fleetlink/web/static/vendor/NAME/ with the package's licence file, and
a MANIFEST.json there records each file's sha256 so that --check (and the tests) can tell a
hand-edited or stale copy. Only the standard library: `make vendor-frontend` needs python3.
"""

import argparse
import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "scripts" / "frontend.lock.json"
VENDOR = ROOT / "src" / "fleetlink" / "web" / "static" / "vendor"
DEFAULT_REGISTRY = "https://registry.npmjs.org"
LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "license")
TIMEOUT_S = 60


def registry() -> str:
    return os.environ.get("NPM_REGISTRY", DEFAULT_REGISTRY).rstrip("/")


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
        body: bytes = response.read()
        return body


def metadata(name: str, version: str) -> dict[str, Any]:
    """The registry's record of one version of a package."""
    url = f"{registry()}/{urllib.parse.quote(name, safe='@')}/{urllib.parse.quote(version)}"
    record: dict[str, Any] = json.loads(_get(url))
    return record


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch(entry: dict[str, Any]) -> dict[str, bytes]:
    """The entry's tarball, checked against the lock, as {path inside package: bytes}."""
    meta = metadata(entry["name"], entry["version"])
    data = _get(meta["dist"]["tarball"])
    got = integrity_of(data)
    if got != entry["integrity"]:
        sys.exit(f"{entry['name']}@{entry['version']}: tarball is {got}, the lock says {entry['integrity']}")
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            # npm tarballs put everything under one top folder, usually "package/".
            path = member.name.split("/", 1)[1] if "/" in member.name else member.name
            extracted = tar.extractfile(member)
            if extracted is not None:
                files[path] = extracted.read()
    return files


def unpack(entry: dict[str, Any], files: dict[str, bytes], vendor: Path) -> dict[str, str]:
    """Write the entry's chosen files and its licence; their sha256, by path under vendor/."""
    target = vendor / entry["name"]
    if target.exists():
        for old in sorted(target.rglob("*"), reverse=True):
            old.unlink() if old.is_file() else old.rmdir()
    licence = next((n for n in LICENCE_NAMES if n in files), None)
    if licence is None:
        sys.exit(f"{entry['name']}: the package ships no licence file")
    wanted = [*entry["files"], licence]
    written: dict[str, str] = {}
    for path in wanted:
        if path not in files:
            sys.exit(f"{entry['name']}@{entry['version']} has no file {path}")
        out = target / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(files[path])
        written[f"{entry['name']}/{path}"] = hashlib.sha256(files[path]).hexdigest()
    return written


def check(lock_path: Path, vendor: Path) -> int:
    """Compare the committed files with MANIFEST.json; 0 when they match."""
    manifest = json.loads((vendor / "MANIFEST.json").read_text())
    lock = json.loads(lock_path.read_text())
    pinned = {f"{e['name']}@{e['version']}" for e in lock["packages"]}
    problems = [] if set(manifest["packages"]) == pinned else ["MANIFEST.json is not the lock's"]
    for path, digest in manifest["files"].items():
        file = vendor / path
        if not file.is_file() or hashlib.sha256(file.read_bytes()).hexdigest() != digest:
            problems.append(f"{path} differs from what was vendored")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def pin(spec: str, lock_path: Path) -> None:
    """Record name@version's tarball integrity and licence in the lock (files: add by hand)."""
    name, _, version = spec.rpartition("@")
    meta = metadata(name, version)
    lock = json.loads(lock_path.read_text()) if lock_path.exists() else {"packages": []}
    entry = next((e for e in lock["packages"] if e["name"] == name), None)
    if entry is None:
        entry = {"name": name, "files": []}
        lock["packages"].append(entry)
    entry.update(
        version=version, integrity=meta["dist"]["integrity"], license=meta.get("license", "")
    )
    lock_path.write_text(json.dumps(lock, indent=2) + "\n")
    print(f"pinned {name}@{version} {entry['integrity']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--pin", metavar="NAME@VERSION", action="append", default=[])
    parser.add_argument("--lock", type=Path, default=LOCK, help=argparse.SUPPRESS)
    parser.add_argument("--vendor", type=Path, default=VENDOR, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.check:
        return check(args.lock, args.vendor)
    for spec in args.pin:
        pin(spec, args.lock)
    if args.pin:
        return 0
    lock = json.loads(args.lock.read_text())
    files: dict[str, str] = {}
    for entry in lock["packages"]:
        files.update(unpack(entry, fetch(entry), args.vendor))
        print(f"vendored {entry['name']}@{entry['version']} ({entry['license']})")
    manifest = {
        "packages": sorted(f"{e['name']}@{e['version']}" for e in lock["packages"]),
        "files": dict(sorted(files.items())),
    }
    (args.vendor / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
