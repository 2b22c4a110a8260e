"""`python -m keepers.toolchain`: register the offline compiler and node (used by `make install`)."""

import sys

from keepers.toolchain import default_toolchain, install


def main() -> int:
    toolchain = default_toolchain()
    for path in install(toolchain):
        print(f"toolchain: wrote {path}")
    if problems := toolchain.missing():
        for problem in problems:
            print(f"toolchain: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
