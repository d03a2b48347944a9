"""The default image: what `make run` shows."""
import re


def test_default_image_runs_hello_and_echo_client(boot):
    os = boot()
    os.wait_for(r"^\[kernel      \] INFO   startup: 21 of 21 apps started, 1 more on demand$")
    os.wait_for(r"^\[hello       \] INFO   Hello from FTL!$")
    os.wait_for(r"^\[hello       \] INFO   the answer is 42$")
    os.wait_for(r'^\[echo_client \] INFO   received "Hi!"$')
    for i in (1, 2, 3):
        os.wait_for(rf'^\[echo_client \] INFO   received "message {i}"$')
    os.wait_for(r"^\[echo_client \] INFO   done: 4 replies, channel closed$")
    os.wait_for(r"^\[echo        \] INFO   a client disconnected$")
    os.wait_for(r'^\[upper_client\] INFO   upper replied "HELLO, FTL"$')
    os.wait_for(r"^\[js_echo_client\] INFO   done: 4 replies, channel closed$")
    # Debian's Linux boots in its VM beside the apps, and uname asks it (docs/linux.md).
    os.wait_for(r"^\[uname       \] INFO   uname: Linux \S+ 6\.1\.\S+ .* aarch64 GNU/Linux$", timeout_s=120)
    os.wait_for(r"^\[uname       \] INFO   uname: exit status 0$")
    assert "ERROR" not in os.log()
    # No colors when the console is not a terminal (the shell's prompt moves the cursor).
    assert not re.search(r"\x1b\[[0-9;]*m", os.log())


def test_boot_reports_time_to_first_app_line(boot):
    os = boot()
    m = os.wait_for(r"boot: first app log line at (\d+) us")
    assert int(m.group(1)) > 0


def test_echo_client_rounds_come_from_its_spec(boot):
    spec = """name: echo_client
isolation: inkernel
env:
  echo:     { service: echo }
  greeting: { string: "many" }
  rounds:   { number: 200 }
"""
    os = boot(apps=["echo", "echo_client"], specs={"echo_client": spec})
    os.wait_for(r'received "many"$')
    os.wait_for(r'received "message 200"$')
    os.wait_for(r"done: 201 replies, channel closed$")
    assert 'received "message 201"' not in os.log()
