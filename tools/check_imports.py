#!/usr/bin/env python3
"""Fails when a target imports a module its Package.swift entry does not declare. SwiftPM
builds such code only while some other dependency happens to pull the module in, so the
declaration is the only promise that holds. Run by `make check` and `make test`."""

import glob
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The toolchain's and the system's modules, which no package declares.
SYSTEM = {"Foundation", "FoundationEssentials", "Testing", "XCTest", "Glibc", "Dispatch", "Synchronization", "_Concurrency", "os"}
IMPORT = re.compile(r"^(?:    )?(?:@testable )?import (\w+)$")


def main():
    package = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    problems = []
    for target in package["targets"]:
        if target["type"] in ("system", "binary"):
            continue
        declared = set()
        for dependency in target.get("dependencies", []):
            for kind in ("byName", "target", "product"):
                if kind in dependency:
                    declared.add(dependency[kind][0])
        folder = target.get("path") or ("Tests/" if target["type"] == "test" else "Sources/") + target["name"]
        imported = {}
        for source in glob.glob(str(ROOT / folder / "**" / "*.swift"), recursive=True):
            for line in open(source, encoding="utf-8"):
                match = IMPORT.match(line.rstrip("\n"))
                if match:
                    imported.setdefault(match.group(1), source)
        for module, source in sorted(imported.items()):
            if module not in declared and module not in SYSTEM and module != target["name"]:
                problems.append(f"{target['name']}: imports {module} ({Path(source).relative_to(ROOT)}) but does not declare it in Package.swift")
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print(f"every target declares what it imports ({len(package['targets'])} targets)")


if __name__ == "__main__":
    main()
