"""deploy/grafana/taskboard.json: a dashboard Grafana can import, whose every query is PromQL
that Prometheus parses (promtool, with Grafana's variables filled in) and reads metrics that
exist; it covers every family of the metrics contract."""

import json
import re
from pathlib import Path

from .metric_names import KNOWN, TASKBOARD, metric_names
from .promtool import ROOT, check_expressions, rule_name, rules_of

DASHBOARD = ROOT / "deploy" / "grafana" / "taskboard.json"
RECORDING_RULES = ROOT / "deploy" / "prometheus" / "rules" / "recording.yml"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
SECTIONS = {
    "Overview",
    "HTTP",
    "Database",
    "Caches",
    "Live updates",
    "Celery jobs",
    "Outbox and mail",
    "Business",
}
# What Grafana puts in place of its built-in variables (any valid duration will do).
BUILT_INS = {"$__rate_interval": "1m", "$__interval": "30s", "$__range": "1h"}


def _dashboard() -> dict:
    loaded = json.loads(DASHBOARD.read_text())
    assert isinstance(loaded, dict)
    return loaded


def _panels() -> list[dict]:
    return [panel for panel in _dashboard()["panels"] if panel["type"] != "row"]


def _queries() -> dict[str, str]:
    """Every query of the dashboard by a name promtool may report: the panels' targets and
    the metric selectors of the label_values() variables."""
    queries = {
        f"panel_{panel['id']}_{target['refId']}": target["expr"]
        for panel in _panels()
        for target in panel["targets"]
    }
    for variable in _dashboard()["templating"]["list"]:
        if variable["type"] == "query":
            found = re.fullmatch(r"label_values\((.+),\s*\w+\)", variable["query"]["query"])
            assert found, variable["name"]
            queries[rule_name(f"variable_{variable['name']}")] = found.group(1)
    return queries


def _filled(expr: str) -> str:
    for variable, value in BUILT_INS.items():
        expr = expr.replace(variable, value)
    # The dashboard's own variables are used inside label matchers only ({job=~"$job"}):
    # "All" is the regular expression .* there. One outside quotes stays and fails to parse.
    return re.sub(r'"\$\{?(\w+)\}?"', '".*"', expr)


def test_the_dashboard_is_importable_json() -> None:
    dashboard = _dashboard()
    panels = dashboard["panels"]

    assert dashboard["uid"] == "taskboard"
    assert dashboard["title"]
    assert isinstance(dashboard["schemaVersion"], int)
    assert "id" not in dashboard, "an exported id would clash on import: leave it out"
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids))
    (datasource,) = [v for v in dashboard["templating"]["list"] if v["type"] == "datasource"]
    assert (datasource["name"], datasource["query"]) == ("datasource", "prometheus")


def test_every_panel_queries_the_chosen_prometheus() -> None:
    for panel in _panels():
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], panel["title"]
        ref_ids = [target["refId"] for target in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE, panel["title"]
            assert target["expr"].strip(), panel["title"]


def test_the_panels_do_not_overlap() -> None:
    taken: set[tuple[int, int]] = set()
    for panel in _dashboard()["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        cells = {(pos["x"] + dx, pos["y"] + dy) for dx in range(pos["w"]) for dy in range(pos["h"])}
        assert not cells & taken, f"{panel['title']} overlaps another panel"
        taken |= cells


def test_the_sections_cover_what_issue_16_lists() -> None:
    rows = {panel["title"] for panel in _dashboard()["panels"] if panel["type"] == "row"}

    assert rows >= SECTIONS


def test_every_query_is_promql_that_prometheus_parses(tmp_path: Path) -> None:
    queries = {name: _filled(expr) for name, expr in _queries().items()}

    result = check_expressions(queries, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(queries)} rules found" in result.stdout


def test_the_queries_read_metrics_that_exist_and_every_family_is_shown() -> None:
    used = {name for expr in _queries().values() for name in metric_names(expr)}
    recorded = {rule["record"] for rule in rules_of(RECORDING_RULES)}
    recorded_reads = {
        name
        for expr in _queries().values()
        for name in re.findall(r"\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b", expr)
    }

    assert used - KNOWN == set()
    assert recorded_reads <= recorded
    assert TASKBOARD - used == set(), "families of the contract no panel shows"
