"""The dashboard in a real browser: headless Chromium (Debian's `chromium`) loads
http://127.0.0.1:<port>/ from FTL's apiserver, runs its JavaScript, and the process
list must be in the DOM. A screenshot is saved to build/test-artifacts/dashboard.png."""
import subprocess

from ftlboot import BUILD
from test_net import boot_net

CHROMIUM = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--virtual-time-budget=5000"]


def chromium(tmp_path, *args):
    cmd = CHROMIUM + [f"--user-data-dir={tmp_path / 'profile'}"] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_dashboard_renders_the_process_list_in_a_browser(boot, tmp_path):
    os, port = boot_net(boot)
    url = f"http://127.0.0.1:{port}/"
    dom = chromium(tmp_path, "--dump-dom", url).stdout
    assert '<table id="ps">' in dom
    for app in ("virtio_net", "tcpip", "apiserver"):
        assert f"<td>{app}</td>" in dom, f"{app} is not in the rendered process table"
    shot = BUILD / "test-artifacts" / "dashboard.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,900", url)
    assert shot.exists() and shot.stat().st_size > 10_000


def test_dashboard_shows_the_linux_vm(boot, tmp_path):
    """The linux app's VM in /api/ps and in the dashboard's process table."""
    import json
    import urllib.request
    from test_net import NET_APPS, free_port
    port = free_port()
    extra = ["-netdev", f"user,id=testnet,hostfwd=tcp:127.0.0.1:{port}-:80",
             "-device", "virtio-net-device,netdev=testnet",
             "-global", "virtio-mmio.force-legacy=false"]
    os = boot(apps=list(NET_APPS) + ["linux", "uname"], extra=extra)
    os.wait_for(r"\[uname\s*\] INFO   uname: exit status 0", timeout_s=120)
    os.wait_for(r"apiserver: serving HTTP on port 80", timeout_s=30)
    os.wait_for(r"\[tcpip\s*\] INFO   DHCP: got 10\.0\.2\.15", timeout_s=60)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ps", timeout=30) as r:
        procs = {p["name"]: p for p in json.load(r)["processes"]}
    assert procs["linux"]["vm"] == "running" and procs["linux"]["vm_exits"] > 100, procs["linux"]
    assert "vm" not in procs["tcpip"]
    dom = chromium(tmp_path, "--dump-dom", f"http://127.0.0.1:{port}/").stdout
    assert "VM running" in dom, dom[-2000:]
