#!/bin/sh
# Start a taskmint hook: hooks/hook.py EVENT, on the plugin's own interpreter.
#
# The venv under $CLAUDE_PLUGIN_DATA is created by the SessionStart hook. Until it exists,
# SessionStart runs on $TASKMINT_PYTHON or python3 to create it, and every other hook says
# in one line that taskmint is off, then lets the session go on (a slash command is blocked,
# since it cannot do what was asked). -E -S: no PYTHON* variables, no site-packages on the
# fast path (hook.py sets them up only when a call concerns taskmint).
case "$0" in */*) hook="${0%/*}/hook.py" ;; *) hook=hook.py ;; esac
venv_python="${CLAUDE_PLUGIN_DATA:-/nonexistent}/venv/bin/python"
if [ -x "$venv_python" ]; then
    case "$1" in
    pre-tool-use|post-tool-use)
        # Most tool calls write a file that lies neither under tasks/ nor under .claude/state/:
        # their payload holds neither word (hook.py's first check, made here too), and they end
        # without starting Python, in a fifth of its start-up time. The others get the payload
        # through a here-document, which ends it with one newline where $(cat) dropped its
        # trailing ones (JSON ignores them); what $payload expands to is not read for escapes.
        payload=$(cat)
        case "$payload" in
        *tasks*|*state*)
            exec "$venv_python" -E -S "$hook" "$@" <<EOF
$payload
EOF
            ;;
        esac
        exit 0 ;;
    esac
    exec "$venv_python" -E -S "$hook" "$@"
fi
off="taskmint's dependencies are not installed (see the message at session start; a new session retries)"
case "$1" in
session-start)
    for python in "${TASKMINT_PYTHON:-}" python3; do
        if [ -n "$python" ] && command -v "$python" >/dev/null 2>&1; then
            exec "$python" -E -S "$hook" "$@"
        fi
    done
    echo '{"systemMessage": "taskmint: no python3 on PATH, so taskmint cannot install its dependencies; install Python 3.11+ or set TASKMINT_PYTHON, then start a new session"}'
    exit 0 ;;
prompt)
    echo "taskmint: error: $off; nothing was done" >&2
    exit 2 ;;
*)
    echo "taskmint: warning: $off; this hook did nothing" >&2
    exit 0 ;;
esac
