#!/usr/bin/env bash
# Extract translatable messages from code and templates and merge them into the
# French, Spanish and Russian catalogues (then translate the new empty msgstr).
set -euo pipefail
cd "$(dirname "$0")/.."
pot=src/opcoord/locale/messages.pot
.venv/bin/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location \
  --sort-output --project opcoord -o "$pot" . >/dev/null 2>&1
for lang in en fr es ru; do
  po=src/opcoord/locale/$lang/LC_MESSAGES/messages.po
  if [ -f "$po" ]; then
    .venv/bin/pybabel update -i "$pot" -d src/opcoord/locale -l "$lang" --no-fuzzy-matching >/dev/null
  else
    .venv/bin/pybabel init -i "$pot" -d src/opcoord/locale -l "$lang" >/dev/null
  fi
done
.venv/bin/python - <<'PY'
from babel.messages.pofile import read_po
for lang in ("fr", "es", "ru"):
    with open(f"src/opcoord/locale/{lang}/LC_MESSAGES/messages.po", "rb") as f:
        cat = read_po(f)
    todo = [m.id for m in cat if m.id and not m.string]
    print(f"{lang}: {len(todo)} untranslated")
PY
