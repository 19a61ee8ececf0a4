#!/usr/bin/env bash
# Install taskmint (into the project's own .venv/) and run the main job on a throwaway sample
# project: init, create, complete, then print every task file and both state files.
# The sample project is removed afterwards unless --keep is given.
set -euo pipefail
keep=false
for arg in "$@"; do
    case "$arg" in
        --keep) keep=true ;;
        -h|--help) echo "usage: bash scripts/demo.sh [--keep]   (--keep: leave the sample project on disk)"; exit 0 ;;
        *) echo "error: unknown option $arg; usage: bash scripts/demo.sh [--keep]" >&2; exit 2 ;;
    esac
done
repo="$(cd "$(dirname "$0")/.." && pwd)"
. "$repo/scripts/venv.sh"
taskmint_venv "$repo"

sample="$(mktemp -d "${TMPDIR:-/tmp}/taskmint-sample.XXXXXX")"
if $keep; then
    trap 'printf "\nthe sample project is kept: %s\n" "$sample"' EXIT
else
    trap 'rm -rf "$sample"' EXIT
fi
cd "$sample"
git init -q .
echo "sample project: $sample"
run() { printf '\n$'; printf ' %q' "$@"; printf '\n'; "$@"; }
field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

run taskmint init --jira PROJ --linear ENG --github --azure-devops
printf '\n$ first=$(taskmint create "Fix login bug" --priority high --tag auth --tag api --json)\n'
first=$(taskmint create "Fix login bug" --priority high --tag auth --tag api --json)
echo "$first"
parent=$(printf '%s' "$first" | field id)
run taskmint create "Add OAuth provider" --prefix FIX --epic EPIC-001 --description "Google and GitHub first."
# A hostile title: quotes, a command substitution, backticks, a colon, a hash and unicode.
run taskmint create 'Don'"'"'t run "$(touch pwned)" or `id`: #42 ünïcødé —' --json
run taskmint create "Write the migration" --parent "$parent"
run taskmint complete PROJ-1
run taskmint show '#3'
run taskmint list

printf '\n$ find tasks -type f | sort\n'; find tasks -type f | sort
find tasks -type f -name '*.md' | sort | while IFS= read -r f; do printf '\n$ cat %q\n' "$f"; cat "$f"; done
printf '\n$ cat .claude/state/external_id_counters.json\n'; cat .claude/state/external_id_counters.json
printf '\n$ cat .claude/state/external_id_mapping.json\n'; cat .claude/state/external_id_mapping.json
test ! -e pwned && printf '\nno file named "pwned" was created: the title was stored, never run.\n'
