"""Where the HCL parser's tables are cached: the user's bio2scan cache (``usercache``), so
``BIO2SCAN_CACHE`` moves or disables it, and never a directory someone else may write to (the
tables are a pickle: whoever writes them runs code in the scanner)."""

import os

from bio2scan.collectors.terraform import hcl


def test_cache_file_is_in_bio2scan_cache(tmp_path, monkeypatch):
    where = tmp_path / "cache"
    monkeypatch.setenv("BIO2SCAN_CACHE", str(where))
    got = hcl._cache_file()
    assert isinstance(got, str)
    assert os.path.dirname(got) == str(where)
    assert os.stat(where).st_mode & 0o777 == 0o700


def test_cache_off_means_no_cache_file(monkeypatch):
    monkeypatch.setenv("BIO2SCAN_CACHE", "off")
    assert hcl._cache_file() is False


def test_cache_dir_writable_by_others_is_not_used(tmp_path, monkeypatch):
    where = tmp_path / "shared"
    where.mkdir()
    where.chmod(0o777)
    monkeypatch.setenv("BIO2SCAN_CACHE", str(where))
    assert hcl._cache_file() is False


def test_parser_works_without_cache(monkeypatch):
    monkeypatch.setenv("BIO2SCAN_CACHE", "off")
    hcl._parser.cache_clear()
    try:
        body = hcl.parse_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    finally:
        hcl._parser.cache_clear()
    attrs, blocks = body
    assert attrs == {}
    [(kind, labels, (inner, _), line)] = blocks
    assert (kind, labels, line) == ("resource", ("aws_s3_bucket", "b"), 1)
    assert inner["bucket"][0] == ("L", "x")
