"""Contract tests: the sandbox's answers and the client's requests against Amazon's models.

The official SP-API Swagger 2.0 models in shared/amazon-api/sp-api are read at test time
(never copied into the project). Every exchange the real client has with the sandbox is
captured with a `requests` response hook on the client's session, matched to the model's
operation by method and path template, and checked:

- the answer: its status code is one the operation declares, and its JSON body validates
  against `paths[path][method].responses[status].schema` (Draft 4, `#/definitions/...`
  resolved inside the model document);
- the request (as sent by `sync_orders` and `backfill_orders`): every query parameter is
  declared for the operation and its value fits the declaration (type, enum, collection
  format, date-time), required parameters are present, rules the model states in prose
  are kept (searchOrders' time parameters, maxResultsPerPage 1..100), and a JSON body
  validates against the body parameter's schema.

The report document's pre-signed URL is not an SP-API operation and has no schema; it is
recognised (it is the `url` of a getReportDocument answer) and left out.
"""

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import pytest
import requests
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from orders import history as history_module
from orders import spapi, sync
from orders.models import ReportRequest, SyncCursor, SyncStatus
from tests.orders.conftest import set_faults

MODELS = {
    "orders": "orders_2026-01-01.json",
    "reports": "reports_2021-06-30.json",
    "sellers": "sellers.json",
    "finances": "financesV0.json",
    "inventory": "fbaInventory.json",
}
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
ALL_ORDERS_REPORT = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
INCLUDED = "PROCEEDS,FULFILLMENT,PROMOTION,CANCELLATION"
UNLIMITED_WAIT = 3600  # the fake clock only moves when the client sleeps

# --- formats --------------------------------------------------------------------------

# Swagger 2.0's date-time is RFC 3339's (the ISO 8601 profile Amazon documents).
_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


def parse_date_time(value: str) -> dt.datetime | None:
    if not isinstance(value, str) or not _DATE_TIME.fullmatch(value):
        return None
    try:
        return dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None


FORMATS = FormatChecker()  # an instance: its own table of checkers


@FORMATS.checks("date-time")
def _is_date_time(value) -> bool:
    return not isinstance(value, str) or parse_date_time(value) is not None


# --- the models -----------------------------------------------------------------------


@dataclass(frozen=True)
class ModelOperation:
    model: str
    uri: str
    path: str
    method: str
    operation_id: str
    spec: dict
    parameters: tuple  # (URI reference of the parameter in the model, its definition)
    produces: tuple
    consumes: tuple
    pattern: re.Pattern

    def pointer(self, *parts) -> str:
        """A URI reference into this operation in the model document."""
        return model_ref(self.uri, "paths", self.path, self.method, *parts)


def model_ref(uri: str, *segments) -> str:
    """A URI reference into a model document (JSON pointer, percent-encoded)."""
    escaped = [quote(str(s).replace("~", "~0").replace("/", "~1"), safe="~") for s in segments]
    return f"{uri}#/" + "/".join(escaped)


def _path_pattern(template: str) -> re.Pattern:
    pieces = re.split(r"\{([^}]+)\}", template)
    regex = "".join(
        re.escape(piece) if i % 2 == 0 else f"(?P<{piece}>[^/]+)" for i, piece in enumerate(pieces)
    )
    return re.compile(regex)


class Contract:
    def __init__(self, folder: Path):
        self.documents = {}
        resources = []
        self.operations = []
        for name, filename in MODELS.items():
            document = json.loads((folder / filename).read_text())
            assert document.get("swagger") == "2.0", f"{filename} is not a Swagger 2.0 model"
            uri = f"urn:sp-api-model:{name}"
            self.documents[name] = document
            resources.append((uri, Resource(contents=document, specification=DRAFT4)))
            for path, item in document["paths"].items():
                shared = [
                    (model_ref(uri, "paths", path, "parameters", i), p)
                    for i, p in enumerate(item.get("parameters") or [])
                ]
                for method, spec in item.items():
                    if method not in HTTP_METHODS:
                        continue
                    own = [
                        (model_ref(uri, "paths", path, method, "parameters", i), p)
                        for i, p in enumerate(spec.get("parameters") or [])
                    ]
                    names = {p["name"] for _, p in own}
                    parameters = tuple(own + [(r, p) for r, p in shared if p["name"] not in names])
                    self.operations.append(
                        ModelOperation(
                            model=name,
                            uri=uri,
                            path=path,
                            method=method,
                            operation_id=spec["operationId"],
                            spec=spec,
                            parameters=parameters,
                            produces=tuple(spec.get("produces") or document.get("produces") or ()),
                            consumes=tuple(spec.get("consumes") or document.get("consumes") or ()),
                            pattern=_path_pattern(path),
                        )
                    )
        self.registry = Registry().with_resources(resources)

    def match(self, method: str, path: str):
        """(operation, path parameters) for a request, or (None, {})."""
        for operation in self.operations:
            found = operation.pattern.fullmatch(path)
            if found and operation.method == method.lower():
                return operation, {k: unquote(v) for k, v in found.groupdict().items()}
        return None, {}

    def by_id(self, operation_id: str) -> ModelOperation:
        return next(o for o in self.operations if o.operation_id == operation_id)

    def validator(self, ref: str) -> Draft4Validator:
        return Draft4Validator({"$ref": ref}, registry=self.registry, format_checker=FORMATS)

    def schema_errors(self, ref: str, instance) -> list[str]:
        errors = sorted(self.validator(ref).iter_errors(instance), key=lambda e: list(e.path))
        return [f"{e.json_path}: {e.message}" for e in errors]

    # --- answers ----------------------------------------------------------------------

    def response_errors(self, operation: ModelOperation, status: int, content_type: str, body):
        responses = operation.spec["responses"]
        if str(status) not in responses:
            return [f"HTTP {status} is not a status the model declares ({sorted(responses)})"]
        errors = []
        media_type = content_type.split(";")[0].strip()
        if operation.produces and media_type not in operation.produces:
            errors.append(f"Content-Type {content_type!r} is not in {list(operation.produces)}")
        if "schema" in responses[str(status)]:
            ref = operation.pointer("responses", status, "schema")
            errors += self.schema_errors(ref, body)
        return errors

    # --- requests ---------------------------------------------------------------------

    def request_errors(self, operation, path_params, prepared, now) -> list[str]:
        errors = []
        query: dict[str, list[str]] = {}
        for key, value in parse_qsl(urlsplit(prepared.url).query, keep_blank_values=True):
            query.setdefault(key, []).append(value)
        declared = {p["name"]: p for _, p in operation.parameters}
        for name in query:
            if declared.get(name, {}).get("in") != "query":
                known = sorted(n for n, p in declared.items() if p["in"] == "query")
                errors.append(f"query parameter {name!r} is not declared (declared: {known})")
        for name, parameter in declared.items():
            where = parameter["in"]
            if where == "query":
                values = query.get(name)
            elif where == "path":
                values = [path_params[name]] if name in path_params else None
            else:
                continue
            if values is None:
                if parameter.get("required"):
                    errors.append(f"required {where} parameter {name!r} is missing")
                continue
            errors += [
                f"{where} parameter {name}: {e}" for e in _parameter_errors(parameter, values)
            ]
        errors += self._body_errors(operation, prepared)
        rule = PROSE_RULES.get(operation.operation_id)
        if rule:
            errors += rule({k: v[-1] for k, v in query.items()}, prepared, now)
        return errors

    def _body_errors(self, operation, prepared) -> list[str]:
        body_params = [(r, p) for r, p in operation.parameters if p["in"] == "body"]
        raw = prepared.body
        if not body_params:
            return [f"a body was sent but {operation.operation_id} takes none"] if raw else []
        parameter_ref, parameter = body_params[0]
        if not raw:
            return ["the required body is missing"] if parameter.get("required") else []
        errors = []
        content_type = (prepared.headers.get("Content-Type") or "").split(";")[0].strip()
        if operation.consumes and content_type not in operation.consumes:
            errors.append(f"Content-Type {content_type!r} is not in {list(operation.consumes)}")
        try:
            body = json.loads(raw)
        except ValueError as exc:
            return [*errors, f"the body is not JSON ({exc})"]
        schema_errors = self.schema_errors(parameter_ref + "/schema", body)
        return errors + [f"body {e}" for e in schema_errors]


_PARAMETER_KEYWORDS = {
    "type",
    "format",
    "items",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
}
_SEPARATORS = {"csv": ",", "ssv": " ", "tsv": "\t", "pipes": "|"}


def _convert(definition: dict, raw: str):
    kind = definition.get("type")
    if kind == "integer" and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if kind == "number":
        try:
            return float(raw)
        except ValueError:
            return raw
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw  # left as sent: a wrong type then fails validation


def _parameter_errors(parameter: dict, values: list[str]) -> list[str]:
    """A query or path parameter's sent values against its (non-body) declaration."""
    schema = {k: v for k, v in parameter.items() if k in _PARAMETER_KEYWORDS}
    if parameter.get("type") == "array":
        fmt = parameter.get("collectionFormat", "csv")
        if fmt != "multi" and len(values) > 1:
            return [f"sent {len(values)} times, but its collectionFormat is {fmt!r}"]
        items = (
            values
            if fmt == "multi"
            else [v for value in values for v in value.split(_SEPARATORS[fmt])]
        )
        instance = [_convert(parameter.get("items") or {}, v) for v in items]
    else:
        if len(values) > 1:
            return [f"sent {len(values)} times"]
        instance = _convert(parameter, values[0])
    validator = Draft4Validator(schema, format_checker=FORMATS)
    return [e.message for e in validator.iter_errors(instance)]


# --- rules the models state in descriptions, not in the schema -------------------------


def _search_orders_rules(query: dict, prepared, now) -> list[str]:
    errors = []
    created_after, updated_after = query.get("createdAfter"), query.get("lastUpdatedAfter")
    if bool(created_after) == bool(updated_after):
        errors.append("exactly one of createdAfter and lastUpdatedAfter must be given")
    if created_after and ({"lastUpdatedAfter", "lastUpdatedBefore"} & query.keys()):
        errors.append("with createdAfter, lastUpdatedAfter/lastUpdatedBefore may not be given")
    if updated_after and ({"createdAfter", "createdBefore"} & query.keys()):
        errors.append("with lastUpdatedAfter, createdAfter/createdBefore may not be given")
    for after_name, before_name in (
        ("createdAfter", "createdBefore"),
        ("lastUpdatedAfter", "lastUpdatedBefore"),
    ):
        after = parse_date_time(query.get(after_name, ""))
        before = parse_date_time(query.get(before_name, ""))
        if before and after and before < after:
            errors.append(f"{before_name} {before} is before {after_name} {after}")
        if before and before > now - dt.timedelta(minutes=2):
            errors.append(f"{before_name} {before} is not at least 2 minutes before {now}")
    size = query.get("maxResultsPerPage")
    if size is not None and not (re.fullmatch(r"\d+", size) and 1 <= int(size) <= 100):
        errors.append(f"maxResultsPerPage {size!r} is not between 1 and 100")
    return errors


def _create_report_rules(query: dict, prepared, now) -> list[str]:
    try:
        body = json.loads(prepared.body or b"{}")
    except ValueError:
        return []  # reported by the body check
    errors = []
    times = {}
    for name in ("dataStartTime", "dataEndTime"):
        moment = parse_date_time(body.get(name, ""))
        times[name] = moment
        if moment and moment > now:
            errors.append(f"{name} {moment} is after the current time {now}")
    start, end = times["dataStartTime"], times["dataEndTime"]
    if start and end and end < start:
        errors.append("dataEndTime is before dataStartTime")
    return errors


PROSE_RULES = {"searchOrders": _search_orders_rules, "createReport": _create_report_rules}


@functools.cache
def load_contract(folder: str) -> Contract:
    return Contract(Path(folder))


@pytest.fixture
def contract(shared_dir):
    return load_contract(str(shared_dir / "amazon-api" / "sp-api"))


# --- capturing what the client sends and receives ---------------------------------------


@dataclass
class Exchange:
    operation: ModelOperation
    path_params: dict
    request: requests.PreparedRequest
    response: requests.Response

    @property
    def status(self) -> int:
        return self.response.status_code

    def body(self):
        try:
            return self.response.json()
        except ValueError:
            return "<not JSON>: " + self.response.text[:200]

    def label(self) -> str:
        url = urlsplit(self.request.url)
        target = url.path + (f"?{url.query}" if url.query else "")
        return f"{self.operation.operation_id} {self.request.method} {target} -> {self.status}"


class Recorder:
    """Every response the client's session gets, with the request that asked for it.

    Bodies are read only afterwards: a hook runs before `requests` reads the content, and
    the report document is streamed by the code under test."""

    def __init__(self, client: spapi.SpApiClient):
        self.client = client
        self.responses: list[requests.Response] = []
        client.session.hooks["response"].append(self._hook)

    def _hook(self, response, *args, **kwargs):
        self.responses.append(response)

    def exchanges(self, contract: Contract) -> list[Exchange]:
        token = urlsplit(self.client.token_url)
        document_urls = set()
        found = []
        for response in self.responses:
            request = response.request
            url = urlsplit(request.url)
            if (url.netloc, url.path) == (token.netloc, token.path):
                continue  # Login with Amazon: not an SP-API operation
            if request.url in document_urls:
                continue  # the pre-signed report document: no schema
            operation, path_params = contract.match(request.method, url.path)
            assert operation, f"{request.method} {url.path} is no operation of the models"
            exchange = Exchange(operation, path_params, request, response)
            found.append(exchange)
            if operation.operation_id == "getReportDocument" and exchange.status == 200:
                document_urls.add(exchange.body().get("url"))
        return found


def answer_errors(contract, exchanges) -> list[str]:
    problems = []
    for exchange in exchanges:
        content_type = exchange.response.headers.get("Content-Type", "")
        for error in contract.response_errors(
            exchange.operation, exchange.status, content_type, exchange.body()
        ):
            problems.append(f"{exchange.label()}: {error}")
    return problems


def request_errors(contract, exchanges, now) -> list[str]:
    problems = []
    for exchange in exchanges:
        for error in contract.request_errors(
            exchange.operation, exchange.path_params, exchange.request, now
        ):
            problems.append(f"{exchange.label()}: {error}")
    return problems


def seen(exchanges) -> set[tuple[str, int]]:
    return {(e.operation.operation_id, e.status) for e in exchanges}


def report_statuses(exchanges) -> set[str]:
    return {
        e.body().get("processingStatus")
        for e in exchanges
        if e.operation.operation_id == "getReport" and e.status == 200
    }


def listing(problems) -> str:
    return "\n".join(["", *problems])


@pytest.fixture
def recorded(shop, make_client):
    """A client of the shop's sandbox (fake clock) whose exchanges are recorded."""
    client = shop.client(make_client, max_wait=UNLIMITED_WAIT)
    return client, Recorder(client)


def pending_moment(shop) -> dt.datetime:
    """A moment two days before the shop's clock when one order is still PENDING (every
    order stays PENDING for at least five minutes after it is placed)."""
    order = next(shop.history.orders_created(shop.now - dt.timedelta(days=2), shop.now))
    return order.created + dt.timedelta(minutes=3)


# --- the validator itself ---------------------------------------------------------------


def test_the_validator_rejects_what_the_models_forbid(contract):
    """Proof the checks are live: wrong payloads and requests fail, right ones pass."""
    search = contract.by_id("searchOrders")
    report = contract.by_id("getReport")
    good_order = {
        "orderId": "111-0000000-0000000",
        "createdTime": "2026-11-20T10:00:00Z",
        "lastUpdatedTime": "2026-11-20T10:00:00Z",
        "salesChannel": {"channelName": "AMAZON"},
        "orderItems": [],
    }
    assert contract.response_errors(search, 200, "application/json", {"orders": [good_order]}) == []
    wrong_orders = {
        "orders": [
            {k: v for k, v in good_order.items() if k != "orderId"},
            {**good_order, "createdTime": "20 November 2026"},
            {**good_order, "fulfillment": {"fulfillmentStatus": "DELIVERED"}},
        ]
    }
    errors = contract.response_errors(search, 200, "application/json", wrong_orders)
    assert any("'orderId' is a required property" in e for e in errors), errors
    assert any("is not a 'date-time'" in e for e in errors), errors
    assert any("'DELIVERED' is not one of" in e for e in errors), errors
    bad_report = {
        "reportId": "1",
        "reportType": ALL_ORDERS_REPORT,
        "createdTime": "2026-11-20T10:00:00Z",
        "processingStatus": "FINISHED",
    }
    assert contract.response_errors(report, 200, "application/json", bad_report)
    assert contract.response_errors(report, 429, "application/json", {"errors": [{"code": "X"}]})
    assert contract.response_errors(report, 418, "application/json", {"errors": []})
    assert contract.response_errors(
        report, 200, "text/html", {**bad_report, "processingStatus": "DONE"}
    )

    def sent(method, path, **kwargs):
        return requests.Request(method, "http://sandbox.test" + path, **kwargs).prepare()

    now = dt.datetime(2026, 11, 20, 18, tzinfo=dt.UTC)
    good = {
        "lastUpdatedAfter": "2026-11-20T10:00:00Z",
        "lastUpdatedBefore": "2026-11-20T17:58:00Z",
        "marketplaceIds": "ATVPDKIKX0DER",
        "includedData": "PROCEEDS,FULFILLMENT,PROMOTION,CANCELLATION",
        "fulfillmentStatuses": "SHIPPED,CANCELLED",
        "maxResultsPerPage": 100,
    }
    path = "/orders/2026-01-01/orders"
    assert contract.request_errors(search, {}, sent("GET", path, params=good), now) == []
    wrong_requests = [
        ({**good, "includedData": "PROCEEDS,ITEMS"}, "'ITEMS' is not one of"),
        ({**good, "fulfillmentStatuses": "Shipped"}, "'Shipped' is not one of"),
        ({**good, "maxResultsPerPage": 101}, "maxResultsPerPage '101' is not between 1 and 100"),
        ({**good, "maxResultsPerPage": "many"}, "'many' is not of type 'integer'"),
        ({**good, "lastUpdatedAfter": "2026-11-20 10:00"}, "is not a 'date-time'"),
        ({**good, "lastUpdatedBefore": "2026-11-20T17:59:00Z"}, "not at least 2 minutes"),
        ({**good, "createdAfter": "2026-11-20T10:00:00Z"}, "exactly one of createdAfter"),
        ({k: v for k, v in good.items() if k != "lastUpdatedAfter"}, "exactly one of"),
        ({**good, "nextToken": "abc"}, "query parameter 'nextToken' is not declared"),
        ({**good, "includedData": ["PROCEEDS", "FULFILLMENT"]}, "sent 2 times"),
    ]
    for params, expected in wrong_requests:
        errors = contract.request_errors(search, {}, sent("GET", path, params=params), now)
        assert any(expected in e for e in errors), (params, errors)

    create = contract.by_id("createReport")
    path = "/reports/2021-06-30/reports"
    spec = {
        "reportType": ALL_ORDERS_REPORT,
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "dataStartTime": "2026-11-01T00:00:00Z",
        "dataEndTime": "2026-11-20T17:00:00Z",
    }
    assert contract.request_errors(create, {}, sent("POST", path, json=spec), now) == []
    wrong_bodies = [
        (
            {k: v for k, v in spec.items() if k != "marketplaceIds"},
            "'marketplaceIds' is a required",
        ),
        ({**spec, "marketplaceIds": []}, "[] should be non-empty"),
        ({**spec, "marketplaceIds": "ATVPDKIKX0DER"}, "is not of type 'array'"),
        ({**spec, "dataStartTime": "2026-11-01"}, "is not a 'date-time'"),
        ({**spec, "dataEndTime": "2026-11-21T00:00:00Z"}, "after the current time"),
    ]
    for body, expected in wrong_bodies:
        errors = contract.request_errors(create, {}, sent("POST", path, json=body), now)
        assert any(expected in e for e in errors), (body, errors)
    errors = contract.request_errors(create, {}, sent("POST", path, data=b"reportType=x"), now)
    assert any("not JSON" in e for e in errors), errors


def test_every_operation_the_client_knows_is_in_the_models(contract):
    for name, operation in spapi.OPERATIONS.items():
        found, _ = contract.match(operation.method, operation.path)
        assert found is not None, f"{name}: {operation.method} {operation.path} not in the models"
        assert found.operation_id == name


# --- the sandbox's answers --------------------------------------------------------------


def test_marketplace_participations_answers_follow_the_model(contract, shop, recorded):
    client, recorder = recorded
    set_faults(shop.server, getMarketplaceParticipations=["429", "429-bare", "500", "503", "ok"])
    assert len(client.marketplace_participations()) == 3
    shop.server.state.tokens.clear()  # the access token is revoked: 403
    with pytest.raises(spapi.SpApiError):
        client.marketplace_participations()
    exchanges = recorder.exchanges(contract)
    assert answer_errors(contract, exchanges) == [], listing(answer_errors(contract, exchanges))
    op = "getMarketplaceParticipations"
    assert seen(exchanges) == {(op, 200), (op, 429), (op, 500), (op, 503), (op, 403)}


def test_search_orders_pages_follow_the_model(contract, shop, recorded):
    client, recorder = recorded
    # Ten days of updates, seen at a moment when an order is PENDING: several pages, with
    # every kind of order the history makes.
    now = pending_moment(shop)
    shop.server.state.clock = lambda: now
    SyncCursor.objects.create(source="orders", region="NA", watermark=now - dt.timedelta(days=10))
    set_faults(shop.server, searchOrders=["ok", "429", "ok"])
    run = sync.sync_orders(shop.connection, client=client, now=now)
    assert run.status == SyncStatus.SUCCESS, run.error
    exchanges = recorder.exchanges(contract)
    assert answer_errors(contract, exchanges) == [], listing(answer_errors(contract, exchanges))
    asked = {
        parse_qsl(urlsplit(e.request.url).query).count(("includedData", INCLUDED))
        for e in exchanges
    }
    assert asked == {1}, "every page asks for PROCEEDS,FULFILLMENT,PROMOTION,CANCELLATION"
    pages = [e.body() for e in exchanges if e.status == 200]
    assert len(pages) >= 3 and ("searchOrders", 429) in seen(exchanges)
    # The includedData sections were in the answers (so their schemas were exercised).
    orders = [o for page in pages for o in page["orders"]]
    items = [i for o in orders for i in o["orderItems"]]
    statuses = {o["fulfillment"]["fulfillmentStatus"] for o in orders}
    assert {"PENDING", "UNSHIPPED", "SHIPPED", "CANCELLED"} <= statuses
    assert any("proceeds" in o for o in orders) and any("proceeds" in i for i in items)
    assert any("promotion" in i for i in items)
    assert any("cancellation" in i for i in items)
    assert any("fulfillment" in i for i in items)


def test_get_order_answers_follow_the_model(contract, shop, recorded):
    client, recorder = recorded
    by_status = {}
    for order in shop.history.orders_created(shop.now - dt.timedelta(days=10), shop.now):
        state = history_module.state(order, shop.now)
        if state:
            by_status.setdefault(state[0], order)
    assert {"UNSHIPPED", "SHIPPED", "CANCELLED"} <= by_status.keys()
    included = ",".join(sync.INCLUDED_DATA)

    def get_both_ways(order):
        for params in ({"includedData": included}, None):
            body = client.call("getOrder", path_params={"orderId": order.order_id}, params=params)
            assert body["order"]["orderId"] == order.order_id
        return body["order"]

    for order in by_status.values():
        get_both_ways(order)
    # A PENDING order (no prices yet): ask at a moment just after it was placed.
    moment = pending_moment(shop)
    shop.server.state.clock = lambda: moment
    pending = next(shop.history.orders_created(moment - dt.timedelta(minutes=3), moment))
    assert "price" not in get_both_ways(pending)["orderItems"][0]["product"]
    exchanges = recorder.exchanges(contract)
    assert answer_errors(contract, exchanges) == [], listing(answer_errors(contract, exchanges))
    assert seen(exchanges) == {("getOrder", 200)}
    # The requests were well formed too (the answers are only as good as what was asked).
    assert request_errors(contract, exchanges, shop.now) == []


def test_report_answers_follow_the_model(contract, shop, recorded):
    client, recorder = recorded
    # Three windows: the first is imported, the second ends FATAL, the third CANCELLED.
    set_faults(shop.server, createReport=["ok", "fatal", "cancelled"], getReport=["429"])
    run = sync.backfill_orders(
        shop.connection,
        days=60,
        until=sync.backfill_until(shop.now),
        client=client,
        now=shop.now,
        poll_seconds=1,
        max_poll_seconds=30,
    )
    assert run.status == SyncStatus.PARTIAL, run.error
    assert ReportRequest.objects.filter(status="imported").count() == 1
    exchanges = recorder.exchanges(contract)
    assert answer_errors(contract, exchanges) == [], listing(answer_errors(contract, exchanges))
    assert {
        ("createReport", 202),
        ("getReport", 200),
        ("getReport", 429),
        ("getReportDocument", 200),
    } <= seen(exchanges)
    assert {"IN_PROGRESS", "DONE", "FATAL", "CANCELLED"} <= report_statuses(exchanges)


def test_a_new_report_is_first_reported_in_queue(contract, shop, recorded):
    """The model's lifecycle (and the sandbox's docstring): IN_QUEUE, IN_PROGRESS, DONE."""
    client, recorder = recorded
    created = client.call(
        "createReport",
        json={"reportType": ALL_ORDERS_REPORT, "marketplaceIds": ["ATVPDKIKX0DER"]},
    )
    for _ in range(3):
        client.call("getReport", path_params={"reportId": created["reportId"]})
    exchanges = recorder.exchanges(contract)
    assert answer_errors(contract, exchanges) == [], listing(answer_errors(contract, exchanges))
    polled = [e.body()["processingStatus"] for e in exchanges if e.status == 200]
    assert polled == ["IN_QUEUE", "IN_PROGRESS", "DONE"], (
        f"three getReport calls on a new report answered {polled}"
    )


def test_error_answers_follow_the_model(contract, shop, recorded):
    client, recorder = recorded
    shop_order = next(shop.history.orders_created(shop.now - dt.timedelta(days=2), shop.now))
    created = client.call(
        "createReport",
        json={"reportType": ALL_ORDERS_REPORT, "marketplaceIds": ["ATVPDKIKX0DER"]},
    )
    report_id = created["reportId"]
    calls = {
        "getMarketplaceParticipations": {},
        "searchOrders": {
            "params": {"lastUpdatedAfter": "2026-11-19T00:00:00Z", "maxResultsPerPage": 10}
        },
        "getOrder": {"path_params": {"orderId": shop_order.order_id}},
        "createReport": {
            "json": {"reportType": ALL_ORDERS_REPORT, "marketplaceIds": ["ATVPDKIKX0DER"]}
        },
        "getReport": {"path_params": {"reportId": report_id}},
        "getReportDocument": {
            "path_params": {"reportDocumentId": "amzn1.spdoc.1.4.na.sandbox." + report_id}
        },
    }

    def failing(operation, **kwargs):
        with pytest.raises(spapi.SpApiError) as info:
            client.call(operation, **kwargs)
        return info.value

    # 429 QuotaExceeded, with and without rate headers, on every operation.
    for operation, kwargs in calls.items():
        set_faults(shop.server, **{operation: ["429", "429-bare", "ok"]})
        client.call(operation, **kwargs)
    # 400 InvalidInput to well-formed requests.
    error = failing(
        "searchOrders",
        params={"lastUpdatedAfter": "2026-11-19T00:00:00Z", "paginationToken": "not-a-token"},
    )
    assert (error.status, error.code) == (400, "InvalidInput")
    error = failing("createReport", json={"reportType": "GET_NO_SUCH", "marketplaceIds": ["X"]})
    assert (error.status, error.code) == (400, "InvalidInput")
    # 404 for what does not exist.
    assert failing("getOrder", path_params={"orderId": "999-0000000-0000000"}).status == 404
    assert failing("getReport", path_params={"reportId": "999999"}).status == 404
    error = failing("getReportDocument", path_params={"reportDocumentId": "amzn1.spdoc.nothing"})
    assert error.status == 404
    # 403 on every operation once the access token is revoked.
    shop.server.state.tokens.clear()
    for operation, kwargs in calls.items():
        assert failing(operation, **kwargs).status == 403

    exchanges = recorder.exchanges(contract)
    assert answer_errors(contract, exchanges) == [], listing(answer_errors(contract, exchanges))
    # Every error answered a request the model allows.
    problems = request_errors(contract, exchanges, shop.now)
    assert problems == [], listing(problems)
    statuses = seen(exchanges)
    for operation in calls:
        assert {(operation, 429), (operation, 403)} <= statuses, operation
    assert {("searchOrders", 400), ("createReport", 400)} <= statuses
    assert {("getOrder", 404), ("getReport", 404), ("getReportDocument", 404)} <= statuses
    codes = {(e.status, err["code"]) for e in exchanges if e.status >= 400 for err in _errors(e)}
    assert {(429, "QuotaExceeded"), (400, "InvalidInput"), (403, "Unauthorized")} <= codes


def _errors(exchange) -> list[dict]:
    body = exchange.body()
    errors = body.get("errors") if isinstance(body, dict) else None
    return errors if isinstance(errors, list) else []


# --- the client's requests --------------------------------------------------------------


def test_orders_sync_requests_follow_the_model(contract, shop, recorded):
    client, recorder = recorded
    run = sync.sync_orders(shop.connection, client=client, now=shop.now)  # the first sync
    assert run.status == SyncStatus.SUCCESS, run.error
    first = recorder.exchanges(contract)
    later = shop.now + dt.timedelta(minutes=1)  # an incremental run from the watermark
    shop.server.state.clock = lambda: later
    run = sync.sync_orders(shop.connection, client=client, now=later)
    assert run.status == SyncStatus.SUCCESS, run.error
    exchanges = recorder.exchanges(contract)
    second = exchanges[len(first) :]
    assert {e.operation.operation_id for e in exchanges} == {"searchOrders"}
    assert len(first) >= 2 and len(second) >= 1
    assert any("paginationToken=" in e.request.url for e in first)  # later pages checked
    problems = request_errors(contract, first, shop.now) + request_errors(contract, second, later)
    assert problems == [], listing(problems)
    assert answer_errors(contract, exchanges) == [], listing(answer_errors(contract, exchanges))


def test_backfill_requests_follow_the_model(contract, shop, recorded):
    client, recorder = recorded
    set_faults(shop.server, createReport=["fatal"])
    run = sync.backfill_orders(
        shop.connection,
        days=35,
        until=sync.backfill_until(shop.now),
        client=client,
        now=shop.now,
        poll_seconds=1,
        max_poll_seconds=30,
    )
    assert run.status == SyncStatus.PARTIAL, run.error
    exchanges = recorder.exchanges(contract)
    operations = [e.operation.operation_id for e in exchanges]
    assert operations.count("createReport") == 2
    assert {"getReport", "getReportDocument"} <= set(operations)
    assert request_errors(contract, exchanges, shop.now) == [], listing(
        request_errors(contract, exchanges, shop.now)
    )
    assert answer_errors(contract, exchanges) == [], listing(answer_errors(contract, exchanges))
    bodies = [json.loads(e.request.body) for e in exchanges if e.request.body]
    assert all(b["reportType"] == ALL_ORDERS_REPORT for b in bodies)


def test_finances_sync_requests_and_answers_follow_the_model(contract, shop, recorded):
    from orders import finances

    client, recorder = recorded
    set_faults(shop.server, listFinancialEvents=["ok", "429", "ok"])
    run = finances.sync_finances(shop.connection, client=client, now=shop.now, days=45)
    assert run.status == SyncStatus.SUCCESS, run.error
    exchanges = recorder.exchanges(contract)
    assert {e.operation.operation_id for e in exchanges} == {"listFinancialEvents"}
    assert any("NextToken=" in e.request.url for e in exchanges)  # later pages checked
    assert ("listFinancialEvents", 429) in seen(exchanges)
    problems = request_errors(contract, exchanges, shop.now)
    assert problems == [], listing(problems)
    assert answer_errors(contract, exchanges) == [], listing(answer_errors(contract, exchanges))
    events = [e.body()["payload"]["FinancialEvents"] for e in exchanges if e.status == 200]
    assert any(page["RefundEventList"] for page in events)
    assert any(
        item.get("PromotionList")
        for page in events
        for event in page["ShipmentEventList"]
        for item in event["ShipmentItemList"]
    )


def test_inventory_sync_requests_and_answers_follow_the_model(contract, shop, recorded):
    from orders import inventory

    client, recorder = recorded
    set_faults(shop.server, getInventorySummaries=["429", "ok"])
    run = inventory.sync_inventory(shop.connection, client=client, now=shop.now, days=3)
    assert run.status == SyncStatus.SUCCESS, run.error
    exchanges = recorder.exchanges(contract)
    assert {e.operation.operation_id for e in exchanges} == {"getInventorySummaries"}
    assert seen(exchanges) == {("getInventorySummaries", 429), ("getInventorySummaries", 200)}
    problems = request_errors(contract, exchanges, shop.now)
    assert problems == [], listing(problems)
    assert answer_errors(contract, exchanges) == [], listing(answer_errors(contract, exchanges))


def test_traffic_report_requests_follow_the_model(contract, shop, recorded):
    from orders import traffic

    client, recorder = recorded
    run = traffic.sync_traffic(
        shop.connection, client=client, now=shop.now, days=2, poll_seconds=1, max_poll_seconds=30
    )
    assert run.status == SyncStatus.SUCCESS, run.error
    exchanges = recorder.exchanges(contract)
    operations = [e.operation.operation_id for e in exchanges]
    assert operations.count("createReport") == 2
    problems = request_errors(contract, exchanges, shop.now)
    assert problems == [], listing(problems)
    assert answer_errors(contract, exchanges) == [], listing(answer_errors(contract, exchanges))
    bodies = [json.loads(e.request.body) for e in exchanges if e.request.body]
    assert {b["reportType"] for b in bodies} == {"GET_SALES_AND_TRAFFIC_REPORT"}
    assert all(b["reportOptions"] == traffic.OPTIONS for b in bodies)
