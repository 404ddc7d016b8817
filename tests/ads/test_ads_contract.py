"""Contract tests: the Ads client's requests and the sandbox's answers against Amazon's
OpenAPI 3 files in shared/amazon-api/ads-api (read at test time, never copied):
OfflineReport_prod_3p.json (reporting v3), SponsoredProducts_prod_3p.json (entity
lists) and Profiles_3-0_openapi.yaml, plus the report columns CONTRACT.md lists.

Every exchange of the real client with the sandbox is captured by a response hook on its
session, matched to the operation by method and path template, and checked: the status
is one the operation declares; the JSON answer validates against that status's schema;
a JSON request body validates against the request body's schema; every header parameter
the operation requires is sent. OpenAPI 3.0's `nullable` becomes a JSON Schema type
union; `$ref`s resolve inside the document.
"""

import functools
import gzip
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from ads import sync
from ads.models import AdsReport, ReportStatus, ReportType
from tests.orders.conftest import NOW, set_faults
from tests.orders.test_contract import model_ref

FILES = [
    "OfflineReport_prod_3p.json",
    "SponsoredProducts_prod_3p.json",
    "Profiles_3-0_openapi.yaml",
]
METHODS = ("get", "put", "post", "delete", "patch")


def _nullable(node):
    """OpenAPI 3.0 `nullable: true` as JSON Schema: the type also admits null. (Keys as
    strings too: YAML reads a status code key as a number.)"""
    if isinstance(node, dict):
        node = {str(k): _nullable(v) for k, v in node.items()}
        if node.pop("nullable", False):
            if "type" in node:
                types = node["type"] if isinstance(node["type"], list) else [node["type"]]
                node["type"] = [*types, "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        return node
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


@dataclass(frozen=True)
class Operation:
    uri: str
    method: str
    template: str
    spec: dict
    pattern: re.Pattern


class AdsContract:
    def __init__(self, folder: Path):
        self.operations, self.documents, resources = [], {}, []
        for name in FILES:
            text = (folder / name).read_text()
            doc = _nullable(yaml.safe_load(text) if name.endswith(".yaml") else json.loads(text))
            uri = f"urn:ads-api:{name}"
            self.documents[uri] = doc
            resources.append((uri, Resource(contents=doc, specification=DRAFT4)))
            for template, item in doc["paths"].items():
                regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
                for method in METHODS:
                    if method in item:
                        self.operations.append(Operation(
                            uri, method.upper(), template, item[method],
                            re.compile(f"^{regex}$"),
                        ))  # fmt: skip
        self.registry = Registry().with_resources(resources)

    def find(self, method, path) -> Operation | None:
        found = [o for o in self.operations if o.method == method and o.pattern.match(path)]
        # The most literal template wins (/reporting/reports before /{id}).
        return min(found, key=lambda o: o.template.count("{")) if found else None

    def resolve(self, operation, node):
        while isinstance(node, dict) and "$ref" in node:
            target = self.documents[operation.uri]
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def errors(self, operation, *segments, instance) -> list[str]:
        """Schema errors of `instance` against the schema at `segments` of the operation."""
        ref = model_ref(operation.uri, "paths", operation.template, operation.method.lower(),
                        *segments)  # fmt: skip
        validator = Draft4Validator({"$ref": ref}, registry=self.registry)
        return [
            f"{operation.method} {operation.template}: {e.message} at {e.json_path}"
            for e in validator.iter_errors(instance)
        ]

    def check(self, operation, status, body) -> list[str]:
        responses = operation.spec.get("responses", {})
        key = str(status) if str(status) in responses else "default"
        declared = self.resolve(operation, responses.get(key))
        if declared is None:
            return [f"{operation.method} {operation.template}: HTTP {status} is not declared"]
        content = declared.get("content") or {}
        if not content:
            return []
        media = next(iter(content))
        if "$ref" in responses[key]:
            target = responses[key]["$ref"].removeprefix("#/").split("/")
            return self._errors_at(operation, [*target, "content", media, "schema"], body)
        return self.errors(operation, "responses", key, "content", media, "schema",
                           instance=body)  # fmt: skip

    def _errors_at(self, operation, segments, instance):
        validator = Draft4Validator({"$ref": model_ref(operation.uri, *segments)},
                                    registry=self.registry)  # fmt: skip
        return [f"{operation.template}: {e.message} at {e.json_path}"
                for e in validator.iter_errors(instance)]  # fmt: skip

    def check_request(self, operation, request) -> list[str]:
        problems = []
        for parameter in operation.spec.get("parameters", []):
            parameter = self.resolve(operation, parameter)
            required = parameter.get("in") == "header" and parameter.get("required")
            if required and parameter["name"] not in request.headers:
                problems.append(f"{operation.template}: header {parameter['name']} missing")
        body_spec = operation.spec.get("requestBody")
        if body_spec and request.body:
            body = json.loads(request.body)
            if "$ref" in body_spec:
                target = body_spec["$ref"].removeprefix("#/").split("/")
                media = next(iter(self.resolve(operation, body_spec)["content"]))
                problems += self._errors_at(operation, [*target, "content", media, "schema"], body)
            else:
                media = next(iter(body_spec["content"]))
                problems += self.errors(operation, "requestBody", "content", media, "schema",
                                        instance=body)  # fmt: skip
        return problems


@functools.cache
def load(folder: str) -> AdsContract:
    return AdsContract(Path(folder))


@pytest.fixture
def contract(shared_dir):
    return load(str(shared_dir / "amazon-api" / "ads-api"))


class Recorder:
    def __init__(self, client, contract):
        self.exchanges, self.contract = [], contract
        client.session.hooks["response"].append(self.hook)

    def hook(self, response, *args, **kwargs):
        path = urlsplit(response.request.url).path
        if path.startswith(("/auth/", "/_sandbox/")):
            return
        operation = self.contract.find(response.request.method, path)
        self.exchanges.append((operation, path, response.request, response))

    def problems(self) -> list[str]:
        found = []
        for operation, path, request, response in self.exchanges:
            if operation is None:
                found.append(f"{request.method} {path} is in none of Amazon's files")
                continue
            found += self.contract.check_request(operation, request)
            try:
                body = response.json()
            except ValueError:
                found.append(f"{request.method} {path}: answer is not JSON")
                continue
            found += self.contract.check(operation, response.status_code, body)
        return found


@pytest.fixture
def recorded(ads_shop, ads_client, contract):
    client = ads_client()
    return client, Recorder(client, contract)


def test_the_validator_rejects_what_the_files_forbid(contract):
    """Proof the checks are live: wrong payloads fail, right ones pass."""
    create = contract.find("POST", "/reporting/reports")
    media = next(iter(create.spec["requestBody"]["content"]))
    good = sync.report_body(ReportType.CAMPAIGNS, NOW.date())

    def body_errors(body):
        return contract.errors(create, "requestBody", "content", media, "schema", instance=body)

    assert body_errors(good) == []
    bad = {**good, "configuration": {**good["configuration"], "format": "CSV"}}
    assert body_errors(bad)
    del bad["startDate"]
    assert len(body_errors(bad)) >= 2
    status = contract.find("GET", "/reporting/reports/abc")
    assert contract.check(status, 200, {"reportId": "x"})  # status, dates... missing
    assert contract.check(status, 418, {})  # not declared
    profiles = contract.find("GET", "/v2/profiles")
    assert contract.check(profiles, 200, [{"profileId": "not a number"}])


def test_profile_report_and_collect_exchanges_follow_the_files(ads_account, recorded):
    client, recorder = recorded
    sync.refresh_profiles(ads_account, client=client, now=NOW)
    sync.request_reports(ads_account, client=client, now=NOW, days=[1, 2])
    for _ in range(4):
        sync.collect_reports(ads_account, client=client, now=NOW)
    assert AdsReport.objects.filter(status=ReportStatus.COMPLETED).count() == 4
    operations = {(o.method, o.template) for o, *_ in recorder.exchanges if o}
    assert {("GET", "/v2/profiles"), ("POST", "/reporting/reports"),
            ("GET", "/reporting/reports/{reportId}")} <= operations  # fmt: skip
    assert recorder.problems() == []


def test_error_answers_follow_the_files(ads_account, ads_shop, recorded):
    client, recorder = recorded
    set_faults(ads_shop.server, createAsyncReport=["429", "500", "ok"],
               getAsyncReport=["429"])  # fmt: skip
    sync.request_reports(
        ads_account, client=client, now=NOW, days=[1], report_types=[ReportType.CAMPAIGNS]
    )
    profile = ads_account.profiles.get()
    sync.request_report(client, profile, ReportType.CAMPAIGNS, NOW.date())
    try:  # the same report again while in progress: 425 names it
        client.create_report(profile.profile_id, sync.report_body(ReportType.CAMPAIGNS,
                                                                   NOW.date()))  # fmt: skip
    except Exception as exc:
        assert "425" in str(exc)
    sync.collect_reports(ads_account, client=client, now=NOW)
    statuses = {r.status_code for *_, r in recorder.exchanges}
    assert {429, 500, 425} <= statuses
    assert recorder.problems() == []


def test_a_stale_report_is_cancelled_then_asked_again_per_the_files(
    ads_account, ads_shop, recorded, settings
):
    import datetime as dt

    client, recorder = recorded
    set_faults(ads_shop.server, createAsyncReport=["stuck"])
    sync.request_reports(
        ads_account, client=client, now=NOW, days=[1], report_types=[ReportType.CAMPAIGNS]
    )
    later = NOW + dt.timedelta(hours=settings.ADS_REPORT_STALE_HOURS + 1)
    sync.collect_reports(ads_account, client=client, now=later)
    operations = [o.spec.get("operationId") for o, *_ in recorder.exchanges if o]
    assert "deleteAsyncReport" in operations
    assert recorder.problems() == []


def test_entity_lists_follow_the_files(ads_account, recorded):
    client, recorder = recorded
    run = sync.refresh_entities(ads_account, client=client, now=NOW)
    assert run.status == "success", run.error
    listed = {o.template for o, *_ in recorder.exchanges if o}
    assert {"/sp/campaigns/list", "/sp/adGroups/list", "/sp/productAds/list",
            "/sp/keywords/list", "/sp/targets/list"} <= listed  # fmt: skip
    assert recorder.problems() == []


def _documented_columns(shared_dir) -> str:
    return (shared_dir / "amazon-api" / "ads-api" / "CONTRACT.md").read_text()


def documented(column, text) -> bool:
    if re.search(rf"\b{re.escape(column)}\b", text):
        return True
    windowed = re.fullmatch(r"([A-Za-z]+?)(1|7|14|30)d", column)
    return bool(windowed) and f"{windowed.group(1)}1d/7d/14d/30d" in text


@pytest.mark.parametrize("report_type", list(ReportType))
def test_the_columns_asked_for_are_documented_and_served_exactly(
    shared_dir, ads_shop, ads_account, ads_client, report_type
):
    text = _documented_columns(shared_dir)
    undocumented = [c for c in sync.COLUMNS[report_type] if not documented(c, text)]
    assert undocumented == []
    client = ads_client()
    sync.request_reports(ads_account, client=client, now=NOW, days=[1],
                         report_types=[report_type])  # fmt: skip
    report = AdsReport.objects.get()
    for _ in range(3):
        status = client.report(report.profile.profile_id, report.report_id)
    url = status["url"]
    rows = json.loads(gzip.decompress(client.session.get(url).content))
    assert rows and all(list(row) == sync.COLUMNS[report_type] for row in rows)


def test_the_sandbox_sample_file_parses_as_a_report(shared_dir, ads_shop, ads_account):
    """Amazon-shaped rows from shared/amazon-api/samples parse with the collect phase's
    parser (their date is the report's day)."""
    import datetime as dt

    from ads.models import AdsProfile, AdvertisedProductDaily

    sample = shared_dir / "amazon-api" / "samples" / "ads-api"
    rows = json.loads(gzip.decompress((sample / "spAdvertisedProduct.daily.SYNTHETIC.json.gz")
                                      .read_bytes()))  # fmt: skip
    day = dt.date.fromisoformat(rows[0]["date"])
    report = AdsReport.objects.create(
        profile=AdsProfile.objects.get(), report_type=ReportType.ADVERTISED_PRODUCT, date=day,
        report_id="sample",
    )  # fmt: skip
    stored = sync.store_rows(report, [r for r in rows if r["date"] == rows[0]["date"]], NOW)
    assert stored >= 1
    row = AdvertisedProductDaily.objects.get(advertised_sku="TEA-TIN-250")
    assert (row.clicks, row.cost, row.sales_7d, row.sales_14d) == (
        23, Decimal("17.94"), Decimal("59.97"), Decimal("79.96"),
    )  # fmt: skip
