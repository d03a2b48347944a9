"""The docs show real code: every block marked `<!-- file: PATH -->` must be the
file's exact content."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKED = re.compile(r"<!-- file: (\S+) -->\n```\w*\n(.*?)```", re.S)


def test_code_blocks_in_docs_match_the_tree():
    checked = 0
    for doc in sorted((ROOT / "docs").glob("*.md")):
        for path, body in MARKED.findall(doc.read_text()):
            assert (ROOT / path).read_text() == body, f"{doc.name}: block for {path} is stale"
            checked += 1
    assert checked >= 4
