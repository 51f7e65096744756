"""scripts/vendor_frontend.py against a registry on this machine: pinned, checked, unpacked."""

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "vendor_frontend.py"


def _tarball(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(f"package/{path}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


TARBALL = _tarball({"dist/lib.js": b"console.log(1)\n", "LICENSE": b"MIT\n", "other.txt": b"x"})
INTEGRITY = "sha512-" + base64.b64encode(hashlib.sha512(TARBALL).digest()).decode()


@pytest.fixture
def registry() -> Iterator[str]:
    """A registry that knows one package, tiny-lib@1.0.0."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{port}"
            if self.path == "/tiny-lib/1.0.0":
                body = json.dumps(
                    {
                        "license": "MIT",
                        "dist": {"tarball": f"{base}/t.tgz", "integrity": INTEGRITY},
                    }
                ).encode()
            elif self.path == "/t.tgz":
                body = TARBALL
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _run(registry: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            *("--lock", str(tmp_path / "lock.json"), "--vendor", str(tmp_path / "vendor")),
            *args,
        ],
        env={**os.environ, "NPM_REGISTRY": registry},
        capture_output=True,
        text=True,
        check=False,
    )


def _lock(tmp_path: Path, integrity: str) -> None:
    entry: dict[str, object] = {"name": "tiny-lib", "version": "1.0.0"}
    entry |= {"integrity": integrity, "license": "MIT", "files": ["dist/lib.js"]}
    (tmp_path / "lock.json").write_text(json.dumps({"packages": [entry]}))
    (tmp_path / "vendor").mkdir(exist_ok=True)


def test_a_pinned_package_is_unpacked_with_its_licence_and_checked(
    registry: str, tmp_path: Path
) -> None:
    _lock(tmp_path, INTEGRITY)

    vendored = _run(registry, tmp_path)
    checked = _run(registry, tmp_path, "--check")
    (tmp_path / "vendor" / "tiny-lib" / "dist" / "lib.js").write_text("tampered")
    tampered = _run(registry, tmp_path, "--check")

    assert vendored.returncode == 0, vendored.stderr
    files = sorted(p.name for p in (tmp_path / "vendor" / "tiny-lib").rglob("*") if p.is_file())
    assert files == ["LICENSE", "lib.js"], "only the files the lock names, and the licence"
    assert checked.returncode == 0, checked.stderr
    assert tampered.returncode == 1 and "lib.js differs" in tampered.stderr


def test_a_tarball_whose_hash_is_not_the_locks_is_refused(registry: str, tmp_path: Path) -> None:
    wrong = "sha512-" + base64.b64encode(hashlib.sha512(b"another").digest()).decode()
    _lock(tmp_path, wrong)

    refused = _run(registry, tmp_path)

    assert refused.returncode != 0
    assert "the lock says" in refused.stderr
    assert not (tmp_path / "vendor" / "tiny-lib").exists()


def test_pinning_records_the_registrys_integrity_and_licence(registry: str, tmp_path: Path) -> None:
    pinned = _run(registry, tmp_path, "--pin", "tiny-lib@1.0.0")

    assert pinned.returncode == 0, pinned.stderr
    [entry] = json.loads((tmp_path / "lock.json").read_text())["packages"]
    assert entry == {
        "name": "tiny-lib",
        "files": [],
        "version": "1.0.0",
        "integrity": INTEGRITY,
        "license": "MIT",
    }
