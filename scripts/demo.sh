#!/usr/bin/env bash
# Install taskmint and run the main job on a throwaway sample project.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python3 -m pip install --quiet --disable-pip-version-check -e "$repo"

sample="$(mktemp -d "${TMPDIR:-/tmp}/taskmint-sample.XXXXXX")"
cd "$sample"
git init -q .
echo "sample project: $sample"
run() { printf '\n$'; printf ' %q' "$@"; printf '\n'; "$@"; }

run taskmint init --jira PROJ --linear ENG --github --azure-devops
printf '\n$ taskmint create "Fix login bug" --priority high --tag auth --tag api --json\n'
first=$(taskmint create "Fix login bug" --priority high --tag auth --tag api --json)
echo "$first"
parent=$(printf '%s' "$first" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
run taskmint create "Add OAuth provider" --prefix FIX --epic EPIC-001
# A hostile title: quotes, a command substitution, backticks, a colon, a hash and unicode.
run taskmint create 'Don'"'"'t run "$(touch pwned)" or `id`: #42 ünïcødé —' --json
run taskmint create "Write the migration" --parent "$parent"
run taskmint complete PROJ-1
run taskmint show '#3'
run taskmint list

printf '\n$ find tasks -type f | sort\n'; find tasks -type f | sort
for f in $(find tasks -type f -name '*.md' | sort | head -n 2); do printf '\n$ cat %s\n' "$f"; cat "$f"; done
printf '\n$ cat .claude/state/external_id_counters.json\n'; cat .claude/state/external_id_counters.json
printf '\n$ cat .claude/state/external_id_mapping.json\n'; cat .claude/state/external_id_mapping.json
test ! -e pwned && printf '\nno file named "pwned" was created: the title was stored, never run.\n'
