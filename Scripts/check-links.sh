#!/usr/bin/env bash
# Checks that every relative Markdown link in README.md, CONTRIBUTING.md, docs/*.md and the DocC
# articles points to a file that exists and, for `file.md#anchor` or `#anchor`, to a heading of
# that file (GitHub's anchor rule: lower case, punctuation dropped, spaces to hyphens).
#
#   Scripts/check-links.sh            (from anywhere in the repository)
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."
python3 - README.md CONTRIBUTING.md docs/*.md Sources/*/*.docc/*.md <<'PY'
import os, re, sys

def anchors(path):
    seen, out, fence = {}, set(), False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            fence = not fence
        if fence or not re.match(r"#{1,6} ", line):
            continue
        text = re.sub(r"^#+ ", "", line.strip())
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out

bad = 0
for source in sys.argv[1:]:
    text = open(source, encoding="utf-8").read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = os.path.normpath(os.path.join(os.path.dirname(source), path)) if path else source
        if not os.path.exists(file):
            print(f"{source}: link to a missing file: {target}"); bad += 1
        elif anchor and file.endswith(".md") and anchor not in anchors(file):
            print(f"{source}: link to a missing heading: {target}"); bad += 1
print(f"links: {bad} broken" if bad else "links: all relative links resolve")
sys.exit(1 if bad else 0)
PY
