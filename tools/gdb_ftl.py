"""gdb support for FTL: the kernel's symbols, and each app's symbols at the address the
kernel loaded it at. `make debug` (tools/debug.py) loads it; by hand:

    gdb-multiarch -x tools/gdb_ftl.py -ex 'ftl-connect 127.0.0.1:1234'

Commands:
  ftl-connect HOST:PORT [APP]  load build/kernel.elf, attach to QEMU's gdbstub, follow app
                               loads; with APP, break at that app's app_main
  ftl-apps                     the apps the kernel has loaded, where, and whether gdb has
                               their symbols (adds any it lacks, except user-mode ones)
  ftl-app NAME                 adds user-mode app NAME's symbols (see below)
  ftl-log                      the console lines printed since the last stop

inkernel apps are loaded wherever the kernel found memory: the kernel records each load
in `debugger_apps` and calls debugger_hook() (kernel/debugger.c), where a breakpoint of
this script adds build/apps/<name>.elf with add-symbol-file at the load base and lets
the machine run on. Breakpoints on app code can be set before the app is loaded:
`break -source apps/echo/main.c -function handle_message` stays pending until then.

user-mode apps all run at USER_BASE, each in its own address space, so their symbols
would overlap: only the app named to ftl-connect (or ftl-app) gets its symbols, and a
breakpoint at its app_main only stops in that app's thread.
"""
import os
import re
from pathlib import Path

import gdb  # noqa: F401  (provided by gdb)

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"


def user_base():
    """USER_BASE from kernel/process.h: where every user-mode app is loaded."""
    m = re.search(r"#define USER_BASE (0x[0-9a-fA-F]+)", (ROOT / "kernel" / "process.h").read_text())
    return int(m.group(1), 16)


class Ftl:
    """What gdb knows about the running FTL: the app symbol files it added."""

    def __init__(self):
        self.added = {}           # app name -> base its symbols were added at
        self.seen = {}            # app name -> (base, user) as the kernel reported
        self.stop_app = None      # break at this app's app_main
        self.console = os.environ.get("FTL_CONSOLE_LOG")
        self.console_pos = 0

    def app_elf(self, name):
        return BUILD / "apps" / f"{name}.elf"

    def add_symbols(self, name, base):
        """Adds app `name`'s symbols at `base` (replacing them if loaded elsewhere)."""
        elf = self.app_elf(name)
        if not elf.exists():
            return False
        if self.added.get(name) == base:
            return True
        if name in self.added:
            gdb.execute(f"remove-symbol-file {elf}", to_string=True)
        gdb.execute(f"add-symbol-file {elf} -o {base:#x}", to_string=True)
        self.added[name] = base
        return True

    def on_load(self, name, base, user):
        """The kernel loaded an app (called at debugger_hook). Returns nothing."""
        self.seen[name] = (base, user)
        if user and name != self.stop_app:
            return
        self.add_symbols(name, base)

    def break_at_app_main(self, name):
        """Breaks at app `name`'s app_main once it is loaded (a pending breakpoint
        that resolves when add-symbol-file brings apps/<name>/'s sources)."""
        self.stop_app = name
        src = self.app_main_source(name)
        if src is None:
            raise gdb.GdbError(f"ftl: no app_main in apps/{name}/*.c")
        known = self.seen.get(name)
        user = known[1] if known else self.spec_isolation(name) == "user"
        if user:
            # A user-mode app's address is known before it loads: symbols now, and a
            # breakpoint on app_main's first instruction that stops only in this app
            # (every user-mode app runs at USER_BASE). There x0 is the environ, whose
            # first field is the app's name; kernel memory cannot be read from EL0.
            self.add_symbols(name, user_base())
            sym = gdb.lookup_objfile(str(self.app_elf(name))).lookup_global_symbol("app_main")
            addr = int(sym.value().address)
            gdb.execute(f'break *{addr:#x} if $_streq((char *)$x0, "{name}")', to_string=True)
        else:
            # Pending ("No source file named ...") until the kernel loads the app.
            gdb.execute(f"break -source {src} -function app_main", to_string=True)
        bp = gdb.breakpoints()[-1]
        when = "" if user else ", set once the kernel loads it"
        print(f"ftl: breakpoint {bp.number} at {name}'s app_main ({src}){when}")

    def app_main_source(self, name):
        """The source file defining app_main in app `name` (apps/<name>/main.c usually)."""
        for path in sorted((ROOT / "apps" / name).glob("*.c")):
            text = path.read_text(errors="replace")
            if "app_main(" in text and "void app_main" in text:
                return str(path.relative_to(ROOT))
        return None

    def spec_isolation(self, name):
        spec = ROOT / "apps" / name / "spec.yaml"
        for line in spec.read_text().splitlines() if spec.exists() else []:
            if line.startswith("isolation:"):
                return line.split(":", 1)[1].split("#")[0].strip()
        return None

    def read_table(self):
        """The kernel's table of loaded apps: [(name, base, user)]."""
        count = int(gdb.parse_and_eval("debugger_apps_count"))
        apps = []
        for i in range(count):
            e = gdb.parse_and_eval(f"debugger_apps[{i}]")
            apps.append((e["name"].string(), int(e["base"]), bool(int(e["user"]))))
        return apps

    def print_console(self):
        """Prints the console lines written since the last call."""
        if not self.console or not os.path.exists(self.console):
            return
        with open(self.console, "rb") as f:
            f.seek(self.console_pos)
            data = f.read()
        self.console_pos += len(data)
        text = data.decode(errors="replace")
        if text:
            print(text, end="" if text.endswith("\n") else "\n")


FTL = Ftl()


class LoadHook(gdb.Breakpoint):
    """At debugger_hook(app): add the app's symbols, never stop."""

    def __init__(self):
        super().__init__("*debugger_hook", internal=True)
        self.silent = True

    def stop(self):
        app = gdb.parse_and_eval("(struct debugger_app *)$x0").dereference()
        FTL.on_load(app["name"].string(), int(app["base"]), bool(int(app["user"])))
        return False


def on_stop(event):
    FTL.print_console()


class Connect(gdb.Command):
    """ftl-connect HOST:PORT [APP]: attach to FTL under QEMU's gdbstub."""

    def __init__(self):
        super().__init__("ftl-connect", gdb.COMMAND_RUNNING)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if not args:
            raise gdb.GdbError("usage: ftl-connect HOST:PORT [APP]")
        gdb.execute("set confirm off")
        gdb.execute("set breakpoint pending on")
        gdb.execute(f"file {BUILD / 'kernel.elf'}")
        gdb.execute(f"target remote {args[0]}")
        LoadHook()
        gdb.events.stop.connect(on_stop)
        try:  # attached after boot: catch up (before the MMU is on, nothing to read)
            for name, base, user in FTL.read_table():
                FTL.on_load(name, base, user)
        except gdb.MemoryError:
            pass
        if len(args) > 1:
            FTL.break_at_app_main(args[1])


class Apps(gdb.Command):
    """ftl-apps: the loaded apps, their load bases, whether gdb has their symbols."""

    def __init__(self):
        super().__init__("ftl-apps", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        for name, base, user in FTL.read_table():
            FTL.on_load(name, base, user)
            where = "user mode, own address space" if user else "inkernel"
            state = "symbols added" if FTL.added.get(name) == base else (
                "no symbols (ftl-app " + name + ")" if FTL.app_elf(name).exists()
                else "no ELF (a wasm app?)")
            print(f"{name:<16} {base:#018x}  {where:<30} {state}")


class App(gdb.Command):
    """ftl-app NAME: add a user-mode app's symbols at USER_BASE."""

    def __init__(self):
        super().__init__("ftl-app", gdb.COMMAND_FILES)

    def invoke(self, arg, from_tty):
        name = arg.strip()
        known = dict((n, (b, u)) for n, b, u in FTL.read_table())
        if name not in known:
            raise gdb.GdbError(f"ftl: the kernel has not loaded an app named {name!r}")
        for other, base in list(FTL.added.items()):
            if other != name and known.get(other, (0, False))[1]:
                gdb.execute(f"remove-symbol-file {FTL.app_elf(other)}", to_string=True)
                del FTL.added[other]
        if not FTL.add_symbols(name, known[name][0]):
            raise gdb.GdbError(f"ftl: no {FTL.app_elf(name)}")
        print(f"ftl: {name}'s symbols at {known[name][0]:#x}")


class Log(gdb.Command):
    """ftl-log: the console lines printed since the last stop."""

    def __init__(self):
        super().__init__("ftl-log", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        FTL.print_console()


Connect()
Apps()
App()
Log()
