"""The SAM template: cfn-lint clean and in step with the code it deploys (tables, IAM, handlers)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cfnlint.api import lint_file
from cfnlint.decode import cfn_yaml
from flask import Flask

from skill.store.dynamodb import TABLE_KINDS, parse_dynamodb_url

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "sam" / "template.yaml"
DYNAMO_STORE = ROOT / "skill" / "store" / "dynamodb.py"
BUILD_SCRIPT = ROOT / "scripts" / "build_lambda_package.py"

# boto3 Table methods and the IAM action each needs.
TABLE_METHOD_ACTIONS = {
    "get_item": "dynamodb:GetItem",
    "put_item": "dynamodb:PutItem",
    "update_item": "dynamodb:UpdateItem",
    "delete_item": "dynamodb:DeleteItem",
    "query": "dynamodb:Query",
    "scan": "dynamodb:Scan",
    "batch_writer": "dynamodb:BatchWriteItem",
    # The start-up and /healthz check of the tables.
    "describe_table": "dynamodb:DescribeTable",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return cfn_yaml.load(str(TEMPLATE))


def load_module(path: Path) -> ModuleType:
    """Import a file that is not on sys.path (deployment scripts and handlers)."""
    name = f"_infra_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def substitute(value: Any, *, stack: str = "shop", region: str = "eu-west-1") -> str:
    """Resolve the pseudo parameters of an Fn::Sub string the way CloudFormation would."""
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    return text.replace("${AWS::StackName}", stack).replace("${AWS::Region}", region)


def statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, role in resources(template, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            if "Fn::If" in policy:  # a policy that exists only under a condition
                policy = policy["Fn::If"][1]
            for statement in policy["PolicyDocument"]["Statement"]:
                yield f"{name}/{policy['PolicyName']}", statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_cfn_lint_is_clean():
    matches = lint_file(TEMPLATE)
    assert [str(m) for m in matches] == []


def test_cfn_lint_would_catch_a_broken_template(tmp_path):
    broken = tmp_path / "template.yaml"
    broken.write_text(TEMPLATE.read_text().replace("PAY_PER_REQUEST", "FREE_OF_CHARGE"))
    assert any("FREE_OF_CHARGE" in str(m) for m in lint_file(broken))


def test_parameters_for_skill_id_and_catalog(template):
    parameters = template["Parameters"]
    assert re.fullmatch(
        parameters["SkillId"]["AllowedPattern"],
        "amzn1.ask.skill.00000000-0000-0000-0000-000000000000",
    )
    assert not re.fullmatch(parameters["SkillId"]["AllowedPattern"], "my-skill")
    assert parameters["CatalogUrl"]["Default"] == ""
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["AMBIENT_SHOP_SKILL_ID"] == {"Ref": "SkillId"}
    # With a product feed the skill serves the published index; else CatalogUrl.
    condition, from_feed, otherwise = env["AMBIENT_SHOP_CATALOG"]["Fn::If"]
    assert condition == "FeedCatalog" and otherwise == {"Ref": "CatalogUrl"}
    assert substitute(from_feed).startswith("sqlite+s3://${CatalogBucket}/${CatalogPrefix}?")
    # Lambda can write only under /tmp.
    assert env["AMBIENT_SHOP_DATA_DIR"].startswith("/tmp/")


def test_one_table_per_store_kind_named_as_the_state_url_says(template):
    tables = resources(template, "AWS::DynamoDB::Table")
    names = {substitute(t["Properties"]["TableName"]) for t in tables.values()}
    state_url = template["Globals"]["Function"]["Environment"]["Variables"]["AMBIENT_SHOP_STATE"]
    options = parse_dynamodb_url(substitute(state_url))
    assert options["region"] == "eu-west-1"
    assert names == {options["table_prefix"] + kind for kind in TABLE_KINDS}


def test_tables_have_recovery_encryption_and_the_store_key(template):
    for name, table in resources(template, "AWS::DynamoDB::Table").items():
        props = table["Properties"]
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, name
        assert props["SSESpecification"]["SSEEnabled"] is True, name
        assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}], name
        assert props["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
        assert table["DeletionPolicy"] == "Retain", name


def test_conversation_state_expires_on_the_attribute_the_store_writes(template):
    state = next(
        t
        for t in resources(template, "AWS::DynamoDB::Table").values()
        if substitute(t["Properties"]["TableName"]).endswith("-state")
    )
    ttl = state["Properties"]["TimeToLiveSpecification"]
    assert ttl["Enabled"] is True
    assert f'"{ttl["AttributeName"]}"' in DYNAMO_STORE.read_text()


CATALOG_OBJECTS = "arn:${AWS::Partition}:s3:::${CatalogBucket}/${CatalogPrefix}*"


def test_no_wildcard_actions_or_resources(template):
    found = list(statements(template))
    assert found, "the template defines no IAM statements"
    for where, statement in found:
        for action in as_list(statement["Action"]):
            assert "*" not in action, f"{where}: wildcard action {action}"
        for resource in as_list(statement["Resource"]):
            # The one wildcard allowed: the objects under the catalog bucket's prefix.
            if resource == {"Fn::Sub": CATALOG_OBJECTS}:
                continue
            assert resource != "*" and "*" not in str(resource), f"{where}: wildcard resource"


def catalog_policies(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """A role's policies that exist only with a feed catalog (wrapped in Fn::If)."""
    found = []
    for policy in template["Resources"][role]["Properties"]["Policies"]:
        if "Fn::If" in policy:
            condition, policy, otherwise = policy["Fn::If"]
            assert condition == "FeedCatalog" and otherwise == {"Ref": "AWS::NoValue"}
            found.append(policy)
        elif any("s3:" in str(s["Action"]) for s in policy["PolicyDocument"]["Statement"]):
            found.append(policy)
    return found


def test_skill_functions_only_read_the_catalog_prefix(template):
    for role in ("AlexaFunctionRole", "WebFunctionRole"):
        (policy,) = catalog_policies(template, role)
        (statement,) = policy["PolicyDocument"]["Statement"]
        assert as_list(statement["Action"]) == ["s3:GetObject"], role
        assert statement["Resource"] == {"Fn::Sub": CATALOG_OBJECTS}, role


def test_the_refresh_function_writes_only_under_the_catalog_prefix(template):
    role = template["Resources"]["CatalogRefreshRole"]
    assert role["Condition"] == "FeedCatalog"
    (policy,) = catalog_policies(template, "CatalogRefreshRole")
    objects, listing = policy["PolicyDocument"]["Statement"]
    assert set(objects["Action"]) == {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}
    assert objects["Resource"] == {"Fn::Sub": CATALOG_OBJECTS}
    assert listing["Action"] == ["s3:ListBucket"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": {"Fn::Sub": "${CatalogPrefix}*"}}}
    function = template["Resources"]["CatalogRefreshFunction"]["Properties"]
    modes = sorted(e["Properties"]["Input"] for e in function["Events"].values())
    assert modes == ['{"mode": "full"}', '{"mode": "updates"}']
    assert all(e["Type"] == "ScheduleV2" for e in function["Events"].values())
    module, _, attribute = function["Handler"].rpartition(".")
    assert callable(getattr(importlib.import_module(module), attribute))


def dynamodb_operations_in_code() -> set[str]:
    """The Table methods the DynamoDB stores (state and desk) call or pass to their wrappers."""
    used = set()
    for store in (DYNAMO_STORE, DYNAMO_STORE.with_name("desk_dynamodb.py")):
        used |= _table_operations(store)
    return used


def _table_operations(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    used = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in TABLE_METHOD_ACTIONS
            and "table" in ast.unparse(node.value).lower()
        ):
            used.add(TABLE_METHOD_ACTIONS[node.attr])
    return used


def test_dynamodb_grants_match_what_the_store_does(template):
    used = dynamodb_operations_in_code()
    assert "dynamodb:GetItem" in used  # the scan found the store's calls
    for where, statement in statements(template):
        actions = {a for a in as_list(statement["Action"]) if a.startswith("dynamodb:")}
        if actions:
            assert actions == used, f"{where}: grants {sorted(actions)}, code uses {sorted(used)}"
            table_refs = {r["Fn::GetAtt"][0] for r in as_list(statement["Resource"])}
            assert table_refs == set(resources(template, "AWS::DynamoDB::Table"))


def test_each_role_writes_only_its_own_log_group(template):
    for name, function in resources(template, "AWS::Serverless::Function").items():
        role_name = function["Properties"]["Role"]["Fn::GetAtt"][0]
        log_group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        role = template["Resources"][role_name]
        log_statements = [
            s
            for p in role["Properties"]["Policies"]
            if "PolicyDocument" in p
            for s in p["PolicyDocument"]["Statement"]
            if any(a.startswith("logs:") for a in as_list(s["Action"]))
        ]
        assert log_statements, name
        for statement in log_statements:
            assert as_list(statement["Resource"]) == [{"Fn::GetAtt": [log_group, "Arn"]}], name


def test_handlers_exist():
    template = cfn_yaml.load(str(TEMPLATE))
    handlers = {
        name: f["Properties"]["Handler"]
        for name, f in resources(template, "AWS::Serverless::Function").items()
    }
    assert handlers["AlexaFunction"] == "skill.alexa.lambda_handler.handler"
    module, _, attribute = handlers["AlexaFunction"].rpartition(".")
    assert callable(getattr(importlib.import_module(module), attribute))
    module, _, attribute = handlers["WebFunction"].rpartition(".")
    loaded = load_module(ROOT / "infra" / "sam" / f"{module}.py")
    assert callable(getattr(loaded, attribute))


def test_alexa_trigger_is_bound_to_the_skill_id(template):
    events = template["Resources"]["AlexaFunction"]["Properties"]["Events"]
    triggers = [e for e in events.values() if e["Type"] == "AlexaSkill"]
    assert triggers == [{"Type": "AlexaSkill", "Properties": {"SkillId": {"Ref": "SkillId"}}}]


def test_runtime_matches_the_package_build(template):
    build = load_module(BUILD_SCRIPT)
    runtime = template["Globals"]["Function"]["Runtime"]
    assert runtime == f"python{build.DEFAULT_PYTHON_VERSION}"
    assert build.DEFAULT_PYTHON_VERSION in build.PLATFORMS
    code_uri = (TEMPLATE.parent / template["Globals"]["Function"]["CodeUri"]).resolve()
    assert code_uri == build.DEFAULT_OUT


def test_http_routes_are_served_by_the_web_app(template):
    from skill.alexa.endpoint import blueprint as alexa
    from skill.channels.webchat import blueprint as webchat
    from skill.simulator.web import blueprint as simulator

    app = Flask("routes")
    for blueprint in (alexa, webchat, simulator):
        app.register_blueprint(blueprint)
    app.add_url_rule("/healthz", "healthz", lambda: "")  # create_app's own route
    adapter = app.url_map.bind("example.com")
    events = template["Resources"]["WebFunction"]["Properties"]["Events"]
    routes = [(e["Properties"]["Method"], e["Properties"]["Path"]) for e in events.values()]
    assert {path for _, path in routes} >= {
        "/healthz",
        "/alexa",
        "/chat/api/messages",
        "/simulator",
    }
    for method, path in routes:
        if "{proxy+}" in path:
            prefix = path.replace("{proxy+}", "")
            assert any(r.rule.startswith(prefix) for r in app.url_map.iter_rules()), path
            continue
        adapter.match(path, method=method)  # raises when no rule serves it
