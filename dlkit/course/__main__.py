"""Command line: ``python -m dlkit.course build-exercises [--check] [--solutions DIR] [--exercises DIR]``."""
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
    args = parser.parse_args(argv)
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
