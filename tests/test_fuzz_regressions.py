"""Inputs a fuzzer found that once brought the kernel down, given to the real kernel:
each is refused with its reason, and the other apps keep running."""
from ftlboot import ROOT

CRASHES = ROOT / "tests" / "fuzz"


def test_module_with_functions_but_no_code_section_is_refused(boot):
    # Loaded and started, this module made the interpreter follow a NULL code pointer:
    # "PANIC ... system halted".
    module = CRASHES / "wasm" / "crashes" / "no_code_section.wasm"
    spec = "name: no_code\nisolation: wasm\n"
    os = boot(apps=["hello"], specs={"no_code": spec}, binaries={"no_code": module})
    os.wait_for(r"^\[no_code\s*\] ERROR  cannot load module: .*"
                r"function and code section have inconsistent lengths")
    os.wait_for(r"Hello from FTL!")
    assert "PANIC" not in os.log()
