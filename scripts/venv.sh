# Sourced by scripts/demo.sh and .ci/run: make sure the project's own virtual environment
# exists and holds taskmint (with the given extras), then put its bin/ first on PATH.
# A venv, not `pip install` into the system: Debian's and Ubuntu's python3 refuse that
# (externally-managed-environment), and a venv works the same with any Python >= 3.11.
#
#   . scripts/venv.sh REPO [EXTRAS]      e.g. . scripts/venv.sh "$repo" test
#
# TASKMINT_VENV picks another place for it (default REPO/.venv); TASKMINT_PYTHON another
# interpreter (default python3 on PATH).
taskmint_venv() {
    local repo="$1" extras="${2:-}"
    local venv="${TASKMINT_VENV:-$repo/.venv}"
    local python="${TASKMINT_PYTHON:-python3}"
    local spec="$repo" stamp
    [ -n "$extras" ] && spec="$repo[$extras]"
    if ! command -v "$python" >/dev/null 2>&1; then
        echo "error: $python not found; install Python 3.11 or newer (Debian/Ubuntu: apt install python3 python3-venv)" >&2
        return 1
    fi
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "error: $("$python" -V 2>&1) is too old; taskmint needs Python 3.11 or newer (or set TASKMINT_PYTHON)" >&2
        return 1
    fi
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c '' 2>/dev/null; then
        rm -rf "$venv"
        if ! "$python" -m venv "$venv" >/dev/null 2>&1; then
            rm -rf "$venv"
            echo "error: $python cannot create a virtual environment; install its venv module (Debian/Ubuntu: apt install python3-venv) and retry" >&2
            return 1
        fi
    fi
    # Reinstall only when what is asked for changed: a second run starts in a second.
    stamp="$(cksum < "$repo/pyproject.toml")"
    if [ "$(cat "$venv/.taskmint-installed-$extras" 2>/dev/null)" != "$stamp" ]; then
        echo "installing taskmint into $venv ..." >&2
        if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec" >&2; then
            echo "error: pip could not install taskmint into $venv; check access to the package index (pip.conf, PIP_INDEX_URL, proxies) and retry" >&2
            return 1
        fi
        printf '%s\n' "$stamp" > "$venv/.taskmint-installed-$extras"
    fi
    PATH="$venv/bin:$PATH"
    export PATH
    hash -r
}
