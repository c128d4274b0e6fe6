"""Vault access policies where moto has no API (Glacier ``GetVaultAccessPolicy``, Backup
``GetBackupVaultAccessPolicy``): the real collector code and real botocore clients, answered by
botocore's ``Stubber`` with the shapes the AWS API references document. A policy that could not
be read is the resource's error (ERROR in the rules), a vault without one is ``Policy: null``."""

from __future__ import annotations

import json

import pytest

POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "glacier:*", "Resource": "*"}],
}


class StubSession:
    """A boto3-like session whose clients are real botocore clients with a Stubber attached."""

    def __init__(self, service: str, script) -> None:
        import boto3
        from botocore.stub import Stubber

        self.real = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
        ).client(service, region_name="eu-west-1")
        self.stubber = Stubber(self.real)
        script(self.stubber)
        self.stubber.activate()

    def client(self, service, region_name=None, config=None):
        return self.real


def _run(module: str, kind: str, session: StubSession):
    import importlib

    from bio2scan.collectors.aws import _Run
    from bio2scan.collectors.aws.service import Account, Ctx
    from bio2scan.collectors.base import CollectRequest, Recorder

    request = CollectRequest(options={"regions": ["eu-west-1"]}, max_workers=1)
    rec = Recorder("aws", request)
    run = _Run(rec, request)
    svc = importlib.import_module(f"bio2scan.collectors.aws.{module}").SERVICES[0]
    k = next(k for k in svc.kinds if k.type == kind)
    account = Account("111122223333", session, None)
    run.queue.submit(lambda: run._guarded(k.fn, Ctx(run, account, "eu-west-1", svc, k)))
    run.queue.run(1)
    session.stubber.assert_no_pending_responses()
    return rec


def _glacier(policy_answer):
    def script(stub):
        arn = "arn:aws:glacier:eu-west-1:111122223333:vaults/archief"
        stub.add_response(
            "list_vaults",
            {"VaultList": [{"VaultARN": arn, "VaultName": "archief"}]},
            {"accountId": "-"},
        )
        params = {"accountId": "-", "vaultName": "archief"}
        if isinstance(policy_answer, str):
            stub.add_client_error(
                "get_vault_access_policy", service_error_code=policy_answer, expected_params=params
            )
        else:
            stub.add_response("get_vault_access_policy", policy_answer, params)

    return script


def test_glacier_vault_policy_is_read_and_parsed():
    rec = _run(
        "glacier",
        "aws.glacier.vault",
        StubSession("glacier", _glacier({"policy": {"Policy": json.dumps(POLICY)}})),
    )
    (vault,) = rec.resources
    assert vault.data["Policy"] == POLICY and not vault.errors
    assert rec.calls == {"glacier:ListVaults": 1, "glacier:GetVaultAccessPolicy": 1}


@pytest.mark.parametrize(
    "code,policy,error",
    [("ResourceNotFoundException", None, False), ("AccessDeniedException", None, True)],
)
def test_glacier_vault_without_or_with_unreadable_policy(code, policy, error):
    rec = _run("glacier", "aws.glacier.vault", StubSession("glacier", _glacier(code)))
    (vault,) = rec.resources
    assert vault.data["Policy"] is policy
    assert ("Policy" in vault.errors) is error


def _backup(policy_answer):
    def script(stub):
        arn = "arn:aws:backup:eu-west-1:111122223333:backup-vault:kluis"
        stub.add_response(
            "list_backup_vaults",
            {"BackupVaultList": [{"BackupVaultArn": arn, "BackupVaultName": "kluis"}]},
            {},
        )
        params = {"BackupVaultName": "kluis"}
        if isinstance(policy_answer, str):
            stub.add_client_error(
                "get_backup_vault_access_policy",
                service_error_code=policy_answer,
                expected_params=params,
            )
        else:
            stub.add_response("get_backup_vault_access_policy", policy_answer, params)

    return script


def test_backup_vault_policy_is_read_and_judged():
    from bio2scan import api
    from bio2scan.model import Inventory, ScanMeta

    answer = {"BackupVaultName": "kluis", "Policy": json.dumps(POLICY)}
    rec = _run("backup", "aws.backup.vault", StubSession("backup", _backup(answer)))
    (vault,) = rec.resources
    assert vault.data["Policy"]["Statement"][0]["Principal"] == "*"
    inv = Inventory(ScanMeta("aws", "t", "t"), tuple(rec.resources))
    doc = api.assess(inv, [api.load_rules()["aws.backup.vault_not_public"]])
    (result,) = doc["results"]
    assert result["status"] == "FAIL" and "Statement[0]" in result["message"]


@pytest.mark.parametrize(
    "code,error",
    [("ResourceNotFoundException", False), ("AccessDeniedException", True)],
)
def test_backup_vault_without_or_with_unreadable_policy(code, error):
    rec = _run("backup", "aws.backup.vault", StubSession("backup", _backup(code)))
    (vault,) = rec.resources
    assert vault.data["Policy"] is None and ("Policy" in vault.errors) is error
