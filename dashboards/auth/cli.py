"""``auxwatch users ...``: manage the dashboard users file.

    auxwatch users add USERNAME --role ROLE --bureau CODE --password-stdin
    auxwatch users list
    auxwatch users remove USERNAME
    auxwatch users passwd USERNAME --password-stdin
    auxwatch users modify USERNAME [--role ROLE] [--bureau CODE]
    auxwatch users disable USERNAME | enable USERNAME
    auxwatch users bureaus --warehouse FILE

Changing a password, role or bureau, disabling or removing a user ends that user's open
dashboard sessions at once.

The file is ``--users FILE``, else ``$AUXWATCH_USERS``, else
``<dir of --warehouse>/.auxwatch/users.toml``. With ``--warehouse`` naming an existing
published file, ``add`` checks that the bureau exists in it.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from dashboards.auth.roles import Role, parse_role
from dashboards.auth.sessions import SessionStore, sessions_file
from dashboards.auth.users import UserError, UserStore
from dashboards.config import resolve_users_file


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse exits on its own; the CLI contract is "return an exit code".
        raise UserError(message)


def _build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--users", help="users file (default: <warehouse dir>/.auxwatch/users.toml)"
    )
    common.add_argument("--warehouse", help="published warehouse file")

    p = _Parser(prog="auxwatch users", description="Manage dashboard users.", parents=[common])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    add = sub.add_parser("add", parents=[common], help="add a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, help=", ".join(r.value for r in Role))
    add.add_argument("--bureau", required=True, help="bureau code; the user sees its subtree")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")

    sub.add_parser("list", parents=[common], help="list users")

    rm = sub.add_parser("remove", parents=[common], help="remove a user")
    rm.add_argument("username")

    pw = sub.add_parser("passwd", parents=[common], help="change a user's password")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true", help="read the password from stdin")

    mod = sub.add_parser("modify", parents=[common], help="change a user's role or bureau")
    mod.add_argument("username")
    mod.add_argument("--role", help=", ".join(r.value for r in Role))
    mod.add_argument("--bureau", help="bureau code; the user sees its subtree")

    sub.add_parser(
        "bureaus", parents=[common], help="list the bureau codes of the --warehouse file"
    )

    for name, text in (("disable", "stop a user logging in"), ("enable", "let a user log in")):
        sub.add_parser(name, parents=[common], help=text).add_argument("username")
    return p


def _help_for(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.ArgumentParser:
    """The help of the command named in ``argv`` (``users add --help``), else the list."""
    commands = next(
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)  # noqa: SLF001
    )
    for word in argv:
        if word in commands.choices:
            return commands.choices[word]
    return parser


def _read_password(from_stdin: bool, stdin: TextIO) -> str:
    if from_stdin:
        line = stdin.readline()
        return line.rstrip("\r\n")
    if not stdin.isatty():
        raise UserError("no terminal to prompt for a password: use --password-stdin")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise UserError("passwords do not match")
    return first


def published_bureaus(warehouse: Path) -> list[tuple[str, str, str | None]]:
    """(code, name, parent code) of every bureau in the published file, in tree order.

    Read with duckdb directly: this command must not import the dashboards' Streamlit
    layer (it warns about a missing runtime outside ``streamlit run``)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select bureau_code, bureau_name, parent_code from reporting.bureau_tree"
            " order by path"
        ).fetchall()
    except duckdb.Error as e:
        raise UserError(f"cannot read the bureaus of {warehouse}: {e}") from e
    finally:
        con.close()
    return [(str(c), str(n), p) for c, n, p in rows]


def _check_bureau(warehouse: str | None, bureau: str) -> None:
    if not warehouse or not Path(warehouse).exists():
        return
    if bureau not in {code for code, _, _ in published_bureaus(Path(warehouse))}:
        raise UserError(
            f"bureau {bureau!r} is not in the warehouse {warehouse}"
            " (`auxwatch users bureaus --warehouse FILE` lists them)"
        )


DEMO_PREFIX = "demo_"


def ensure_demo_accounts(
    users_file: Path, warehouse: Path
) -> list[tuple[str, Role, str, str, str]]:
    """For ``auxwatch demo`` only: one account per role at the root bureau and a supervisor
    of its first district, each with a fresh random password (set again on every demo
    start, so the printed one always works). Returns (username, role, bureau code, bureau
    name, password) rows."""
    bureaus = published_bureaus(warehouse)
    names = {code: name for code, name, _ in bureaus}
    root = next(code for code, _, parent in bureaus if parent is None)
    district = next((code for code, _, parent in bureaus if parent == root), root)
    plan = [(f"{DEMO_PREFIX}{r.value}", r, root) for r in Role]
    plan.append((f"{DEMO_PREFIX}district_supervisor", Role.SUPERVISOR, district))
    store = UserStore(users_file)
    sessions = SessionStore(sessions_file(users_file))
    out = []
    for username, role, bureau in plan:
        password = secrets.token_urlsafe(9)
        if store.get(username) is None:
            store.add(username, role, bureau, password)
        else:
            store.set_password(username, password)
            store.modify(username, role=role, bureau=bureau, disabled=False)
            sessions.end_user(username)
        out.append((username, role, bureau, names.get(bureau, ""), password))
    return out


def users_main(
    argv: list[str],
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run ``auxwatch users`` with ``argv`` (the words after ``users``); return the exit code."""
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    parser = _build_parser()
    if any(a in ("-h", "--help") for a in argv):
        _help_for(parser, argv).print_help(stdout)
        return 0
    try:
        args = parser.parse_args(argv)
        store = UserStore(resolve_users_file(args.users, args.warehouse))
        if args.command == "add":
            role = parse_role(args.role)
            _check_bureau(args.warehouse, args.bureau)
            password = _read_password(args.password_stdin, stdin)
            store.add(args.username, role, args.bureau, password)
            print(f"added {args.username} ({role.value}, bureau {args.bureau})", file=stdout)
        elif args.command == "list":
            _print_users(store, stdout)
        elif args.command == "bureaus":
            if not args.warehouse or not Path(args.warehouse).is_file():
                raise UserError("give --warehouse FILE (the published warehouse)")
            for code, name, parent in published_bureaus(Path(args.warehouse)):
                print(f"{code}\t{name}\t{parent or ''}", file=stdout)
        elif args.command == "remove":
            store.remove(args.username)
            print(f"removed {args.username}{_end_sessions(store, args.username)}", file=stdout)
        elif args.command == "passwd":
            if store.get(args.username) is None:
                raise UserError(f"no such user {args.username!r}")
            store.set_password(args.username, _read_password(args.password_stdin, stdin))
            ended = _end_sessions(store, args.username)
            print(f"password changed for {args.username}{ended}", file=stdout)
        elif args.command == "modify":
            if args.role is None and args.bureau is None:
                raise UserError("nothing to change: give --role and/or --bureau")
            if args.bureau is not None:
                _check_bureau(args.warehouse, args.bureau)
            role = None if args.role is None else parse_role(args.role)
            user = store.modify(args.username, role=role, bureau=args.bureau)
            ended = _end_sessions(store, args.username)
            print(
                f"modified {user.username} ({user.role.value}, bureau {user.bureau}){ended}",
                file=stdout,
            )
        elif args.command in ("disable", "enable"):
            store.modify(args.username, disabled=args.command == "disable")
            ended = _end_sessions(store, args.username)
            print(f"{args.command}d {args.username}{ended}", file=stdout)
    except (UserError, ValueError) as e:
        print(f"auxwatch users: {e}", file=stderr)
        return 2
    except OSError as e:
        print(f"auxwatch users: {e}", file=stderr)
        return 1
    return 0


def _end_sessions(store: UserStore, username: str) -> str:
    n = SessionStore(sessions_file(store.path)).end_user(username)
    return f"; {n} open session(s) ended" if n else ""


def _print_users(store: UserStore, out: TextIO) -> None:
    users = store.load()
    rows = [("username", "role", "bureau", "state", "created_at", "password_changed_at")]
    rows += [
        (
            u.username,
            u.role.value,
            u.bureau,
            "disabled" if u.disabled else "enabled",
            u.created_at,
            u.password_changed_at,
        )
        for u in sorted(users.values(), key=lambda u: u.username)
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip(), file=out)


def main(argv: Sequence[str] | None = None) -> int:
    return users_main(list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    raise SystemExit(main())
