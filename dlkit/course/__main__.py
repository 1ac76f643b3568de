"""Command line for the course tools.

``python -m dlkit.course build-exercises [--check] [--solutions DIR] [--exercises DIR]``
    regenerate ``exercises/`` from ``solutions/``.
``python -m dlkit.course nbgrader-source [--solutions DIR] [--course DIR] [--points N]``
    write an nbgrader course's ``source/`` (one assignment per chapter) from ``solutions/``.
``python -m dlkit.course progress [FOLDER] [--json]``
    run the exercise notebooks headless and show, per chapter, which checks pass.
"""
import argparse
import sys

from .build import build_exercises


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m dlkit.course",
                                     description="dlkit course tools")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build-exercises",
                                help="regenerate exercises/ from solutions/ (the single source)")
    build.add_argument("--solutions", default="solutions", help="folder of solution notebooks")
    build.add_argument("--exercises", default="exercises", help="folder to write exercise notebooks to")
    build.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 if any exercise notebook is out of date")
    graded = commands.add_parser("nbgrader-source",
                                 help="write an nbgrader course's source/ folder from solutions/")
    graded.add_argument("--solutions", default="solutions", help="folder of solution notebooks")
    graded.add_argument("--course", default="course", help="the nbgrader course folder to write into")
    graded.add_argument("--points", type=int, default=1, help="points per check cell that has no nbgrader metadata yet (default 1)")
    report = commands.add_parser("progress", help="run the exercise notebooks headless and show "
                                                  "which checks pass, per chapter")
    report.add_argument("folder", nargs="?", default="exercises", help="folder of exercise notebooks")
    report.add_argument("--json", action="store_true", help="print the result as JSON (for tools)")
    args = parser.parse_args(argv)
    if args.command == "progress":
        from .progress_report import collect_progress
        try:
            result = collect_progress(args.folder)
        except FileNotFoundError as error:
            print(error, file=sys.stderr)
            return 2
        print(result.to_json() if args.json else result)
        return 0
    if args.command == "nbgrader-source":
        from .grading import write_nbgrader_course
        for path in write_nbgrader_course(args.solutions, args.course, args.points):
            print(f"wrote: {path}")
        return 0
    changed = build_exercises(args.solutions, args.exercises, check_only=args.check)
    for path in changed:
        print(f"{'out of date' if args.check else 'wrote'}: {path}")
    if args.check and changed:
        print("run `python -m dlkit.course build-exercises` to regenerate them", file=sys.stderr)
        return 1
    if not changed:
        print("exercises/ is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
