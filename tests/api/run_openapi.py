#!/usr/bin/env python3
"""Start a real tcplensd on 127.0.0.1 (temporary database, the project's web/ directory) and
run check_openapi.py against it: every documented route, status and response shape.
Usage: run_openapi.py TCPLENSD REPO_ROOT"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

tcplensd, root = sys.argv[1], sys.argv[2]
with tempfile.TemporaryDirectory(prefix="tl_openapi.") as work:
    srv = harness.Server(tcplensd, work, args=["--web-dir", os.path.join(root, "web"),
                                               "--examples-dir", os.path.join(root, "examples")])
    srv.start()
    try:
        rc = subprocess.run([sys.executable, os.path.join(root, "tests/api/check_openapi.py"),
                             srv.url, os.path.join(root, "schema/openapi.yaml"),
                             os.path.join(root, "tests/golden/seed_telnet/capture.pcap")],
                            timeout=600).returncode
    finally:
        srv.stop()
    sys.exit(rc)
