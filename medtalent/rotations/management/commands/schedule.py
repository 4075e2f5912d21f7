"""`medtalent schedule solve|check`: the scheduler on JSON files, outside the web app."""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from medtalent.rotations.scheduling import InstanceError, solve_instance
from medtalent.rotations.scheduling.checker import check_solution

MAX_FILE_MB = 200


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a file-to-file tool: no database needed
    help = (
        "Solve a rotation instance, or check a solution against it. Examples: "
        "medtalent schedule solve instance.json --time-limit 10 --out solution.json; "
        "medtalent schedule check instance.json solution.json"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        solve = actions.add_parser("solve", help="solve an instance and write the solution")
        solve.add_argument("instance")
        solve.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
        solve.add_argument("--seed", type=int, default=0)
        solve.add_argument("--out", help="where to write the solution (default: standard output)")
        check = actions.add_parser("check", help="recompute every rule and figure of a solution")
        check.add_argument("instance")
        check.add_argument("solution")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "solve":
            self.run_solve(options)
        else:
            self.run_check(options)

    def run_solve(self, options: dict[str, Any]) -> None:
        if options["time_limit"] <= 0:
            raise CommandError(_("The time limit must be more than zero seconds."))
        instance = read_json(options["instance"])
        try:
            solution = solve_instance(instance, time_limit=options["time_limit"], seed=options["seed"])
        except InstanceError as error:
            raise CommandError(
                _("%(file)s: %(path)s: %(message)s")
                % {"file": options["instance"], "path": error.path, "message": error.message}
            ) from None
        text = json.dumps(solution, ensure_ascii=False, indent=1)
        if options["out"]:
            Path(options["out"]).write_text(text + "\n", encoding="utf-8")
        else:
            self.stdout.write(text)
        out = self.stderr if not options["out"] else self.stdout
        if solution["status"] == "infeasible":
            for diagnostic in solution["diagnostics"]:
                out.write(diagnostic["explanation"])
            raise CommandError(_("The instance is infeasible."), returncode=2)
        out.write(
            _(
                "%(status)s: overload %(overload)s (proven lower bound %(overload_bound)s), "
                "objective %(objective)s (lower bound %(objective_bound)s), %(seconds)s s"
            )
            % {
                "status": solution["status"],
                "overload": solution["overload"],
                "overload_bound": solution["overload_lower_bound"],
                "objective": solution["objective"],
                "objective_bound": solution["objective_lower_bound"],
                "seconds": solution["elapsed_seconds"],
            }
        )

    def run_check(self, options: dict[str, Any]) -> None:
        report = check_solution(read_json(options["instance"]), read_json(options["solution"]))
        for problem in report.violations + report.mismatches:
            self.stdout.write(f"{problem.kind}: {problem.message}")
        figures = ", ".join(f"{name} {value}" for name, value in report.figures.items())
        self.stdout.write(_("Recomputed: %(figures)s") % {"figures": figures})
        if not report.ok:
            raise CommandError(
                _("The solution breaks %(rules)s rule(s) and misstates %(figures)s figure(s).")
                % {"rules": len(report.violations), "figures": len(report.mismatches)}
            )
        self.stdout.write(_("The solution keeps every rule and states its figures correctly."))


def read_json(name: str) -> Any:
    """Read a JSON file (UTF-8, with or without a byte-order mark), or fail naming the problem."""
    path = Path(name)
    if name == "-":
        return json.load(sys.stdin)
    if not path.is_file():
        raise CommandError(_("No file %(file)s.") % {"file": name})
    if path.stat().st_size > MAX_FILE_MB * 1024 * 1024:
        raise CommandError(_("%(file)s is larger than %(size)s MB.") % {"file": name, "size": MAX_FILE_MB})
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise CommandError(_("%(file)s is not UTF-8 text.") % {"file": name}) from None
    except json.JSONDecodeError as error:
        raise CommandError(
            _("%(file)s is not valid JSON: line %(line)s, column %(column)s: %(reason)s")
            % {"file": name, "line": error.lineno, "column": error.colno, "reason": error.msg}
        ) from None
