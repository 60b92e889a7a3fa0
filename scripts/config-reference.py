"""Write docs/configuration.md from opcoord.config.Settings.

.venv/bin/python scripts/config-reference.py          # rewrite the file
.venv/bin/python scripts/config-reference.py --check  # exit 1 when it is stale
"""

import sys
from pathlib import Path

from opcoord.config import configuration_reference

TARGET = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def main(argv: list[str]) -> int:
    text = configuration_reference()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.name} is stale: run python scripts/config-reference.py")
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
