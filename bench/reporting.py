"""A run written down: Markdown for people, JSON for tools, a PNG of req/s against the user count."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import judging
from results import Run, Sweep

# report.md keeps, below this line, measurements written by hand; a run rewrites only what is above.
KEPT = "<!-- Written by hand from here on: `nox -s bench` rewrites only what is above this line. -->"


def write(run: Run, stem: Path) -> str:
    """Write stem.md (keeping its hand-written part), stem.json and stem.png; return the Markdown."""
    markdown = _markdown(run, plot=stem.with_suffix(".png").name)
    md = stem.with_suffix(".md")
    md.write_text(markdown + _kept_notes(md), encoding="utf-8")
    stem.with_suffix(".json").write_text(json.dumps(_data(run), indent=2) + "\n", encoding="utf-8")
    _plot(run, stem.with_suffix(".png"))
    return markdown


def _markdown(run: Run, plot: str) -> str:
    smallest = run.sweeps[0].users
    lines = [
        "# Benchmark report",
        "",
        f"`{run.command}` on {run.started} UTC, {run.cores} cores, {run.seconds / 60:.1f} minutes in all. "
        f"For each user count a new `{run.database}` database is prefilled through the import's insert "
        "path and served by `people-api serve` in its default configuration (no API keys, rate limiting "
        "off, metrics on, JSON request log to /dev/null); wrk -t2 runs on loopback after a short "
        f"warm-up, every row {run.rounds} times in interleaved rounds, and each row reports its median "
        "(errors: the sum). `get_user` picks each id at random among up to 20,000 spread over the whole "
        f"table. Load average (1 min) {run.load_average_1min[0]:.1f} before, "
        f"{run.load_average_1min[1]:.1f} after.",
        "",
        *_verdict(run),
        "",
        "## Ceiling",
        "",
        "A raw WSGI callable with a fixed JSON body on granian, as issue 12's targets assume, measured "
        "before the first user count and after each one: "
        + ", ".join(f"{result.rps:,.0f} req/s {when}" for when, result in run.ceilings)
        + f". Shares are of their median, **{run.ceiling_rps:,.0f} req/s**: other tenants of a shared "
        "machine come and go, and one ceiling run caught by a burst (or by a quiet moment) would move "
        "every share of the run; the median of runs spread over the whole run ignores one such outlier, "
        "and the list above shows how steady the machine was.",
    ]
    targets = judging.targets(run)  # none on PostgreSQL
    for sweep in run.sweeps:
        heading = f"{sweep.users:,} users"
        if targets and sweep.users == smallest:
            heading += " (targets judged here)"
        lines += ["", f"## {heading}", "", *_table(run, sweep, targets if sweep.users == smallest else {})]
        rss = ", ".join(f"{mb:.0f} MB" for mb in sweep.rss_mb_per_worker)
        lines += ["", f"Prefilled in {sweep.prefill_seconds:.1f} s. RSS per worker after the rows: {rss}."]
    lines += ["", *_flatness(run), "", *_memory(run)]
    lines += ["", f"![req/s against the number of users]({plot})"]
    return "\n".join(lines) + "\n"


def _verdict(run: Run) -> list[str]:
    smallest, largest = run.sweeps[0].users, run.sweeps[-1].users
    failed = judging.failed(run)
    errors = run.with_errors()
    if run.database != "sqlite":
        judged = f"Not judged: issue 12 sets no targets on {run.database} yet; the figures are reported."
    elif failed:
        judged = "Not met: " + "; ".join(failed) + "."
    else:
        judged = f"Every target is met at {smallest:,} users, flat to {largest:,}, within memory."
    none = "none (no socket error, no non-2xx answer in any run)."
    return ["## Verdict", "", f"- {judged}", "- Errors: " + ("; ".join(errors) + "." if errors else none)]


def _table(run: Run, sweep: Sweep, targets: dict[str, judging.Check]) -> list[str]:
    header = "| endpoint | req/s | p99 ms | share of ceiling | socket errors | non-2xx |"
    rule = "|---|---:|---:|---:|---:|---:|"
    if targets:
        header += " target | met |"
        rule += "---:|---|"
    lines = [header, rule]
    for name, result in sweep.rows.items():
        line = (
            f"| {name} | {result.rps:,.0f} | {result.p99_ms:.1f} | {run.share(result):.1%} "
            f"| {result.socket_errors} | {result.non_2xx} |"
        )
        if targets:
            check = targets.get(name)
            line += f" {check.wanted} | {_met(check.met)} |" if check else " | |"
        lines.append(line)
    return lines


def _flatness(run: Run) -> list[str]:
    if len(run.sweeps) < 2:
        return ["## Flatness", "", "One user count only: nothing to compare."]
    smallest, largest = run.sweeps[0], run.sweeps[-1]
    checks = judging.flatness(run)
    counts = " | ".join(f"{sweep.users:,}" for sweep in run.sweeps)
    lines = [
        "## Flatness",
        "",
        f"req/s by number of users; the change is from {smallest.users:,} to {largest.users:,}"
        + (f", and a loss of more than {judging.FLAT_LOSS:.0%} fails." if checks else "."),
        "",
        f"| endpoint | {counts} | change | met |",
        "|---|" + "---:|" * len(run.sweeps) + "---:|---|",
    ]
    for name, first in smallest.rows.items():
        figures = " | ".join(f"{sweep.rows[name].rps:,.0f}" for sweep in run.sweeps)
        change = largest.rows[name].rps / first.rps - 1
        met = _met(checks[name].met) if name in checks else ""
        lines.append(f"| {name} | {figures} | {change:+.1%} | {met} |")
    return lines


def _memory(run: Run) -> list[str]:
    checks = judging.memory(run)
    lines = [
        "## Memory",
        "",
        "The largest worker's RSS after each user count's rows"
        + (f"; more than {judging.RSS_MB_PER_WORKER:.0f} MB fails." if checks else "."),
        "",
        "| users | RSS per worker | largest | met |",
        "|---:|---|---:|---|",
    ]
    for sweep in run.sweeps:
        each = ", ".join(f"{mb:.0f} MB" for mb in sweep.rss_mb_per_worker)
        largest = max(sweep.rss_mb_per_worker, default=0.0)
        met = _met(checks[sweep.users].met) if sweep.users in checks else ""
        lines.append(f"| {sweep.users:,} | {each} | {largest:.0f} MB | {met} |")
    return lines


def _met(met: bool) -> str:
    return "yes" if met else "NO"


def _data(run: Run) -> dict[str, object]:
    """The same figures as the Markdown, for tools."""
    checks = {
        "targets": judging.targets(run),
        "flatness": judging.flatness(run),
        "memory": {str(users): check for users, check in judging.memory(run).items()},
    }
    return {
        "command": run.command,
        "started": run.started,
        "seconds": round(run.seconds, 1),
        "cores": run.cores,
        "load_average_1min": {"before": run.load_average_1min[0], "after": run.load_average_1min[1]},
        "database": run.database,
        "users": [sweep.users for sweep in run.sweeps],
        "ceiling": {
            "runs": [{"when": when, **asdict(result)} for when, result in run.ceilings],
            "median_rps": run.ceiling_rps,
        },
        "sweeps": {
            str(sweep.users): {
                "prefill_seconds": round(sweep.prefill_seconds, 1),
                "results": {
                    name: {**asdict(result), "share_of_ceiling": round(run.share(result), 4)}
                    for name, result in sweep.rows.items()
                },
                "rss_mb_per_worker": [round(mb, 1) for mb in sweep.rss_mb_per_worker],
            }
            for sweep in run.sweeps
        },
        "checks": {
            kind: {name: asdict(check) for name, check in found.items()} for kind, found in checks.items()
        },
        "failed": judging.failed(run),
        "runs_with_errors": run.with_errors(),
    }


def _plot(run: Run, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: render straight to the file
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(8, 5), dpi=100)
    counts = [sweep.users for sweep in run.sweeps]
    for name in run.sweeps[0].rows:
        axes.plot(counts, [sweep.rows[name].rps for sweep in run.sweeps], marker="o", label=name)
    axes.set_xscale("log")
    axes.set_xticks(counts, [f"{users:,}" for users in counts])
    axes.minorticks_off()
    axes.set_ylim(bottom=0)
    axes.set_xlabel("users in the database")
    axes.set_ylabel("req/s")
    axes.set_title(
        f"people-api on {run.database}, {run.cores} cores (ceiling {run.ceiling_rps:,.0f} req/s, "
        f"{run.started[:10]})",
        fontsize=10,
    )
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)


def _kept_notes(md: Path) -> str:
    """The hand-written part of the report, marker included, so a new run does not erase it."""
    previous = md.read_text(encoding="utf-8") if md.is_file() else ""
    _, marker, notes = previous.partition(KEPT)
    return "\n" + marker + notes if marker else ""
