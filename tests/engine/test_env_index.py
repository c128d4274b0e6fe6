"""Related lookups go through an index built once per evaluation: by type, scope and namespace,
and lazily by any key a function looks up by. The cost of a scan with N resources and N related
ones stays linear: counted here in work done, not in seconds."""

from __future__ import annotations

import datetime as _dt

import pytest

from bio2scan.engine.env import Env, Index, UndeclaredRelated
from bio2scan.engine.reads import Related
from bio2scan.model import Inventory, Resource, ScanMeta

NOW = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)


def _res(rtype, rid, scope="s1", namespace=None, **data):
    return Resource(type=rtype, id=rid, name=rid, scope=scope, namespace=namespace, data=data)


def _env(*resources):
    env = Env(Index(Inventory(ScanMeta("t", "t", "t"), resources)), NOW)
    env.enter(resources[0])
    return env


def test_related_by_scope_and_namespace():
    pod = _res("k8s.core.pod", "p", namespace="a")
    sas = [
        _res("k8s.core.serviceaccount", "sa-a", namespace="a"),
        _res("k8s.core.serviceaccount", "sa-b", namespace="b"),
        _res("k8s.core.serviceaccount", "sa-x", scope="s2", namespace="a"),
    ]
    env = _env(pod, *sas)
    t = "k8s.core.serviceaccount"
    assert [r.id for r in env.related(t)] == ["sa-a", "sa-b"]
    assert [r.id for r in env.related(t, namespace=True)] == ["sa-a"]
    assert [r.id for r in env.related(t, namespace="b")] == ["sa-b"]
    assert [r.id for r in env.related(t, same_scope=False)] == ["sa-a", "sa-b", "sa-x"]
    assert [r.id for r in env.related(t, same_scope=False, namespace=True)] == ["sa-a", "sa-x"]
    assert env.related("k8s.core.secret") == ()


def test_lookup_by_key_is_indexed_and_scoped():
    inst = _res("aws.ec2.instance", "i-1")
    groups = [_res("aws.ec2.security_group", f"sg-{i}", GroupId=f"sg-{i}") for i in range(3)] + [
        _res("aws.ec2.security_group", "other", scope="s2", GroupId="sg-1")
    ]
    env = _env(inst, *groups)
    assert [r.id for r in env.lookup("aws.ec2.security_group", "GroupId", "sg-1")] == ["sg-1"]
    anywhere = env.lookup("aws.ec2.security_group", "GroupId", "sg-1", same_scope=False)
    assert sorted(r.id for r in anywhere) == ["other", "sg-1"]
    assert env.lookup("aws.ec2.security_group", "GroupId", "sg-9") == []
    assert env.lookup("aws.ec2.security_group", "GroupId", None) == []
    nic = _res("azure.network.network_interface", "/Subscriptions/S1/NIC")
    env = _env(inst, nic)
    found = env.lookup(
        "azure.network.network_interface", "id", "/subscriptions/s1/nic", casefold=True
    )
    assert [r.id for r in found] == ["/Subscriptions/S1/NIC"]


def test_undeclared_lookups_raise_while_a_function_runs():
    env = _env(_res("aws.ec2.instance", "i-1"))
    env.calling("f", (Related("aws.ec2.security_group"),))
    env.lookup("aws.ec2.security_group", "GroupId", "sg-1")
    with pytest.raises(UndeclaredRelated, match="does not declare"):
        env.related("aws.iam.role")
    env.done()
    assert env.related("aws.iam.role") == ()


def test_key_indexes_are_built_once_and_lookups_stay_constant(monkeypatch):
    """N instances looking up their group among N groups: each key index is built once (N
    reads of the key), every lookup is one dictionary access, so the work is linear."""
    import bio2scan.engine.env as env_module

    reads = 0
    real = env_module._key_of

    def counting(resource, key):
        nonlocal reads
        reads += 1
        return real(resource, key)

    monkeypatch.setattr(env_module, "_key_of", counting)
    for n in (100, 1000):
        reads = 0
        groups = [_res("aws.ec2.security_group", f"sg-{i}", GroupId=f"sg-{i}") for i in range(n)]
        instances = [_res("aws.ec2.instance", f"i-{i}") for i in range(n)]
        env = Env(Index(Inventory(ScanMeta("t", "t", "t"), (*instances, *groups))), NOW)
        for i, inst in enumerate(instances):
            env.enter(inst)
            assert len(env.lookup("aws.ec2.security_group", "GroupId", f"sg-{i}")) == 1
        assert reads == n  # the index read every group once; the lookups read none


def test_memo_builds_once_per_evaluation():
    env = _env(_res("k8s.core.pod", "p"))
    calls = []
    assert env.memo("k", lambda: calls.append(1) or {"x": 1}) == {"x": 1}
    assert env.memo("k", lambda: calls.append(1) or {}) == {"x": 1}
    assert calls == [1]
