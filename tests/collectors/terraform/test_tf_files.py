"""Finding and reading a module's files: the parallel parse, variable files in Terraform's order
(``terraform.tfvars``, ``terraform.tfvars.json``, ``*.auto.tfvars(.json)``, then ``--var-file``
and ``--var``), bad variable files named with file and line, and modules that ``terraform init``
downloaded."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tfhelpers import by_name, collect, write

from bio2scan.collectors.terraform import files, hcl
from bio2scan.errors import UsageError


def _big_module(n: int) -> str:
    return "".join(
        f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "bucket-{i}"\n'
        f'  tags   = {{ Name = "b{i}", Owner = "team-{i % 7}" }}\n}}\n'
        for i in range(n)
    )


def test_large_configurations_parse_in_worker_processes_with_the_same_result(tmp_path):
    text = _big_module(700)  # about 80 KiB a file: three of them are past PARALLEL_BYTES
    paths = []
    for i in range(3):
        p = tmp_path / f"part{i}.tf"
        p.write_text(text.replace('"b', f'"p{i}b'), encoding="utf-8")
        paths.append(str(p))
    bad = tmp_path / "broken.tf"
    bad.write_text('resource "aws_s3_bucket" "x" {\n  bucket = \n}\n', encoding="utf-8")
    paths.append(str(bad))
    assert sum(Path(p).stat().st_size for p in paths) > files.PARALLEL_BYTES
    pooled = files.parse_all(paths, 2)
    assert list(pooled) == paths  # in the order asked, whichever worker parsed what
    for p in paths[:3]:
        assert pooled[p] == hcl.parse_file(p)
    err = pooled[str(bad)]
    assert isinstance(err, hcl.HclError)
    assert (err.line, err.message) == (2, "syntax error: expected an expression")
    # one worker: parsed here, the same answer
    assert files.parse_all(paths[:1], 1) == {paths[0]: pooled[paths[0]]}


def _descendants(pid: int) -> dict[int, int]:
    """Every process below ``pid`` with its parent, from /proc."""
    import os

    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            parents.setdefault(ppid, []).append(int(entry))
    out: dict[int, int] = {}
    todo = [pid]
    while todo:
        parent = todo.pop()
        for child in parents.get(parent, ()):
            if child not in out:
                out[child] = parent
                todo.append(child)
    return out


def _live(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_a_scan_killed_while_its_pool_parses_leaves_no_process_behind(tmp_path):
    """The scan is killed (SIGKILL: no clean-up runs) while its workers parse: the workers
    end (``files.watch``), and with them the forkserver and the resource tracker. Before,
    each worker waited for ever on a queue it held open itself, and so did the others."""
    import os
    import signal
    import subprocess
    import time

    text = _big_module(2500)
    for i in range(8):
        (tmp_path / f"part{i}.tf").write_text(text.replace('"b', f'"p{i}b'), encoding="utf-8")
    with subprocess.Popen(
        [sys.executable, "-m", "bio2scan", "scan", "terraform", str(tmp_path),
         "-o", str(tmp_path / "out"), "--fail-on", "none", "-q"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    ) as proc:  # fmt: skip
        seen: set[int] = set()
        try:
            deadline = time.monotonic() + 60
            workers: list[int] = []
            while not workers and time.monotonic() < deadline and proc.poll() is None:
                below = _descendants(proc.pid)
                seen |= set(below)
                # the pool's workers: children of the forkserver, itself a child of the scan
                workers = [p for p, parent in below.items() if parent != proc.pid]
                time.sleep(0.01)
            if not workers:
                pytest.skip("the parsing ended before a worker was seen (a very fast machine)")
            time.sleep(0.2)  # parsing
            seen |= set(_descendants(proc.pid))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            deadline = time.monotonic() + 10
            while any(_live(p) for p in seen) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not [p for p in seen if _live(p)], "processes of the scan outlived it"
        finally:
            for p in seen:
                if _live(p):
                    os.kill(p, signal.SIGKILL)


VARS = """
variable "env" {}
variable "size" {
  type    = number
  default = 1
}
resource "aws_s3_bucket" "b" { bucket = "data-${var.env}-${var.size}" }
"""


def _bucket(tmp_path, **opts):
    (name,) = by_name(collect(tmp_path, **opts), "aws.s3.bucket")
    return name


def test_variable_files_in_terraforms_order(tmp_path):
    write(tmp_path, {"main.tf": VARS, "terraform.tfvars": 'env = "a"\n'})
    assert _bucket(tmp_path) == "data-a-1"
    (tmp_path / "terraform.tfvars.json").write_text('{"env": "b"}', encoding="utf-8")
    assert _bucket(tmp_path) == "data-b-1"
    # *.auto.tfvars(.json) after those, in lexical order of their names
    (tmp_path / "z.auto.tfvars").write_text('env = "z"\n', encoding="utf-8")
    (tmp_path / "y.auto.tfvars.json").write_text('{"env": "y", "size": 2}', encoding="utf-8")
    assert _bucket(tmp_path) == "data-z-2"
    # then --var-file, then --var
    (tmp_path / "prod.tfvars").write_text('env = "prod"\nsize = 3\n', encoding="utf-8")
    assert _bucket(tmp_path, var_file=[str(tmp_path / "prod.tfvars")]) == "data-prod-3"
    assert (
        _bucket(tmp_path, var_file=[str(tmp_path / "prod.tfvars")], var=["env=cli"]) == "data-cli-3"
    )
    assert files.default_var_files(str(tmp_path)) == [
        str(tmp_path / n)
        for n in (
            "terraform.tfvars",
            "terraform.tfvars.json",
            "y.auto.tfvars.json",
            "z.auto.tfvars",
        )
    ]


def test_a_variables_file_holds_literal_values(tmp_path):
    p = tmp_path / "v.tfvars"
    p.write_text(
        'name  = "x"\nports = [22, 443]\ntags  = { a = "b" }\nn = -1.5\non = !false\n'
        'both = "${upper("a")}-b"\n',
        encoding="utf-8",
    )
    assert files.read_var_file(str(p)) == {
        "name": "x",
        "ports": [22, 443],
        "tags": {"a": "b"},
        "n": -1.5,
        "on": True,
        "both": "A-b",
    }
    j = tmp_path / "v.tfvars.json"
    j.write_text('\ufeff{"a": [1, {"b": null}]}', encoding="utf-8")  # a BOM is allowed
    assert files.read_var_file(str(j)) == {"a": [1, {"b": None}]}


BAD_VAR_FILES = [
    ("bad.tfvars", 'a = "x"\nb = \n', 2, "syntax error: expected an expression"),
    ("ref.tfvars", 'a = "x"\nb = var.a\n', 2, "a variables file cannot refer to var"),
    ("block.tfvars", "a = 1\nlocals {\n  b = 2\n}\n", 2, "a variables file holds only"),
    ("bad.tfvars.json", '{\n  "a": 1,\n}\n', 3, "invalid JSON: "),
    ("list.tfvars.json", "[1, 2]", 1, "expected a JSON object of variable values"),
]


@pytest.mark.parametrize(("name", "text", "line", "message"), BAD_VAR_FILES)
def test_a_bad_variables_file_is_named_with_its_line(tmp_path, name, text, line, message):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    with pytest.raises(hcl.HclError) as exc:
        files.read_var_file(str(p))
    assert exc.value.line == line and exc.value.message.startswith(message), exc.value.message
    # given with --var-file: an invalid invocation naming FILE:LINE (exit 2)
    write(tmp_path, {"main.tf": VARS})
    with pytest.raises(UsageError) as uexc:
        collect(tmp_path, var_file=[str(p)], var=["env=x"])
    assert str(uexc.value).startswith(f"--var-file {p}:{line}: {message}")


def test_a_bad_automatic_variables_file_is_a_recorded_error_and_the_scan_goes_on(tmp_path):
    write(
        tmp_path,
        {
            "main.tf": VARS,
            "a.auto.tfvars": 'env = "ok"\n',
            "b.auto.tfvars.json": '{"env": ',
            "c.auto.tfvars": "\xff",
        },
    )
    (tmp_path / "c.auto.tfvars").write_bytes(b'env = "\xff"\n')
    inv = collect(tmp_path)
    assert list(by_name(inv, "aws.s3.bucket")) == ["data-ok-1"]
    reasons = sorted(e.reason for e in inv.errors)
    assert reasons == [
        f"{tmp_path}/b.auto.tfvars.json:1: invalid JSON: Expecting value",
        f"{tmp_path}/c.auto.tfvars: not UTF-8 text (byte 7)",
    ]


def test_unreadable_variables_file(tmp_path):
    with pytest.raises(hcl.HclError, match="cannot read"):
        files.read_var_file(str(tmp_path / "missing.tfvars"))
    with pytest.raises(hcl.HclError, match="cannot read"):
        files.read_var_file(str(tmp_path))  # a directory


def test_var_options_as_terraform_reads_them(tmp_path):
    write(
        tmp_path,
        {
            "main.tf": """
variable "name" {}
variable "ports" { type = list(number) }
variable "on" { type = bool }
variable "n" { type = number }
resource "aws_s3_bucket" "b" {
  bucket = var.name
  tags   = { p = join(",", var.ports), on = tostring(var.on), n = tostring(var.n * 2) }
}
"""
        },
    )
    inv = collect(tmp_path, var=["name=[not, a, list]", "ports=[22, 443]", "on=true", "n=4"])
    b = by_name(inv, "aws.s3.bucket")["[not, a, list]"]  # a string variable takes the text
    assert b.tags == {"p": "22,443", "on": "true", "n": "8"}
    inv = collect(tmp_path, var=["name=x", "ports=[22,", "on=true", "n=4"])
    b = by_name(inv, "aws.s3.bucket")["x"]
    assert b.errors["tags.p"].startswith("unresolved: --var ports: syntax error")
    inv = collect(tmp_path, var=["name=x", "ports=[1]", "on=true", "n=four"])
    assert by_name(inv, "aws.s3.bucket")["x"].errors["tags.n"] == (
        "unresolved: --var n: a variables file cannot refer to four"
    )
    for bad in ("=x", "novalue"):
        with pytest.raises(UsageError, match="expected NAME=VALUE"):
            collect(tmp_path, var=[bad])
    assert files.parse_var_option("a = b", None) == ("a", " b")
    with pytest.raises(hcl.HclError, match="expected NAME=VALUE"):
        files.parse_var_option("=b", None)


def test_type_names():
    def t(text):
        return files.type_name(hcl.parse_text(f"x = {text}\n")[0]["x"][0])

    assert [t("string"), t("list(string)"), t("map(object({a = string}))"), t('"x"')] == [
        "string",
        "list",
        "map",
        "any",
    ]
    assert files.type_name(None) is None


def test_modules_downloaded_by_terraform_init_are_read_from_the_manifest(tmp_path):
    write(
        tmp_path,
        {
            "main.tf": 'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n'
            '  name = "from-registry"\n}\n',
            ".terraform/modules/vpc/main.tf": 'variable "name" {}\n'
            'resource "aws_s3_bucket" "b" { bucket = var.name }\n',
            ".terraform/modules/modules.json": json.dumps(
                {
                    "Modules": [
                        {"Key": "", "Dir": "."},
                        {"Key": "vpc", "Dir": ".terraform/modules/vpc"},
                    ]
                }
            ),
        },
    )
    inv = collect(tmp_path)
    assert inv.errors == ()
    assert by_name(inv, "aws.s3.bucket")["from-registry"].id == "module.vpc.aws_s3_bucket.b"
    assert files.module_manifest(str(tmp_path))["vpc"] == str(tmp_path / ".terraform/modules/vpc")
    (tmp_path / ".terraform/modules/modules.json").write_text("{nope", encoding="utf-8")
    assert files.module_manifest(str(tmp_path)) == {}
    (tmp_path / ".terraform/modules/modules.json").write_text('{"Modules": [1, {"Key": 2}]}')
    assert files.module_manifest(str(tmp_path)) == {}


def test_directory_listing(tmp_path):
    write(tmp_path, {"a.tf": "", "b.tf.json": "{}", "c.txt": "", "sub/d.tf": ""})
    (tmp_path / "dir.tf").mkdir()
    assert files.tf_files(str(tmp_path)) == [str(tmp_path / "a.tf")]
    assert files.json_tf_files(str(tmp_path)) == [str(tmp_path / "b.tf.json")]
    assert files.tf_files(str(tmp_path / "missing")) == []
    assert files.json_tf_files(str(tmp_path / "missing")) == []
    inv = collect(tmp_path)
    assert [e.reason for e in inv.errors] == [
        f"{tmp_path}/b.tf.json: Terraform JSON syntax (.tf.json) is not read"
    ]


def test_a_process_is_running_until_it_has_exited():
    """``files._running``, the watch's fallback where there is no pidfd."""
    import os
    import subprocess

    assert files._running(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    pid = child.pid
    child.wait()  # reaped: the pid is free (unless reused at once, which Linux avoids)
    assert not files._running(pid)
