"""Made for logs and terminals (issue 13.8) and safe there (13.7), through the real entry point:
without a TTY a compact summary within 80 columns and no progress; on a TTY (a pseudo-terminal
here) progress for manifest scans — files read, objects, rules evaluated; and nothing from the
scanned files — names, file names, messages — reaches stdout or stderr as an escape sequence."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

ESC = b"\x1b"
POD = """\
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: shop}}
spec:
  hostPID: true
  containers: [{{name: c, image: nginx, securityContext: {{privileged: true}}}}]
"""


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    d = tmp_path / "estate"
    d.mkdir()
    for i in range(150):
        (d / f"p{i:03d}.yaml").write_text(POD.format(name=f"p{i:03d}"))
    return d


def _run(*args: str, tty: bool, cwd: Path) -> tuple[int, bytes, bytes]:
    env = dict(os.environ, TERM="xterm", COLUMNS="100")
    env.pop("NO_COLOR", None)
    if not tty:
        p = subprocess.run(
            [sys.executable, "-m", "bio2scan", *args], capture_output=True, env=env, cwd=cwd,
            timeout=120,
        )  # fmt: skip
        return p.returncode, p.stdout, p.stderr
    master, slave = pty.openpty()
    p2 = subprocess.Popen(
        [sys.executable, "-m", "bio2scan", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
        cwd=cwd,
    )
    os.close(slave)
    err = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
        elif p2.poll() is not None:
            break
    out = p2.stdout.read() if p2.stdout else b""
    p2.wait(timeout=60)
    if p2.stdout:
        p2.stdout.close()
    os.close(master)
    return p2.returncode, out, err


def test_without_a_tty_a_compact_summary_and_no_progress(estate, tmp_path):
    code, out, err = _run("scan", "manifests", str(estate), "-o", "out", tty=False, cwd=tmp_path)
    assert code == 1, err
    assert ESC not in out + err  # no colour, no progress bar
    lines = out.decode().splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    assert lines[0].split()[:7] == ["Control", "Status", "pass", "fail", "error", "n/a", "waived"]
    assert b"rules evaluated" not in err and b"files read" not in err


def test_on_a_tty_manifest_scans_show_progress(estate, tmp_path):
    code, _out, err = _run("scan", "manifests", str(estate), "-o", "out", tty=True, cwd=tmp_path)
    assert code == 1, err
    text = err.decode(errors="replace")
    for what in ("manifests: files read", "manifests: objects", "rules evaluated"):
        assert what in text, text[-500:]


def test_escape_sequences_from_the_estate_are_shown_not_obeyed(tmp_path):
    d = tmp_path / "estate"
    d.mkdir()
    clear, link = "\x1b[2J\x1b[H", "\x1b]8;;evil.example\x07x\x1b]8;;\x07"  # no "/"
    # a resource name and a file name with escape sequences (YAML "\e" is ESC)
    (d / f"web{clear}.yaml").write_text(POD.format(name='"web\\e[2J\\e]8;;http://evil.example\\a"'))
    (d / f"bad{link}.yaml").write_text("kind: [unclosed\n")
    code, out, err = _run(
        "scan", "manifests", str(d), "-o", "out", "--fail-on", "none", tty=False, cwd=tmp_path
    )
    assert code in (2, 3), err  # one bad file: an input error, or (issue 13.2) a recorded one
    assert ESC not in out and ESC not in err and b"\x07" not in out + err
    assert b"\\x1b" in out + err  # named, visibly
    if code == 3:
        assert b"web\\x1b[2J" in out
