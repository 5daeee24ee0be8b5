#!/usr/bin/env bash
# Install what `make demo` and `make test` need; idempotent, quiet when there is nothing to do.
#   Debian packages: tgt (tgtd, tgtadm) and libiscsi-bin (libiscsi's tools, the reference).
#   .venv with pyiscsi installed editable with the test and fast extras.
# Installing Debian packages needs root (CI runs as root on a fresh Debian 12).
#   --python-only: only the .venv (no apt, no root): what `make unit` and `make docs` need.
#   --docs: also the docs extra (Sphinx).
set -euo pipefail
cd "$(dirname "$0")/.."

python_only=no
docs=no
for arg in "$@"; do
    case "$arg" in
        --python-only) python_only=yes ;;
        --docs) docs=yes ;;
        *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
    esac
done

say() { printf 'install-deps: %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=no
apt_install() {
    if [ "$apt_updated" = no ]; then
        say "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=yes
    fi
    say "apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
        >/dev/null
}

installed() {  # true when the Debian package $1 is installed
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
if [ "$python_only" = no ]; then
    for pkg in tgt libiscsi-bin; do
        installed "$pkg" || missing+=("$pkg")
    done
fi
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
fi

venv=.venv
stamp=$venv/.pyiscsi-deps-stamp
if [ ! -x "$venv/bin/python" ] || [ ! -x "$venv/bin/pip" ]; then
    say "creating $venv"
    rm -rf "$venv"
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
        # Debian splits ensurepip out of python3 into python3-venv.
        rm -rf "$venv"
        if [ "$python_only" = yes ]; then
            echo "install-deps: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2
            exit 1
        fi
        apt_install python3-venv
        python3 -m venv "$venv"
    fi
fi

if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] \
    || ! "$venv/bin/python" -c 'import importlib.metadata as m; m.version("pyiscsi")' 2>/dev/null
then
    say "pip install -e '.[test,fast,pyscsi]' into $venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -e '.[test,fast,pyscsi]'
    touch "$stamp"
fi

if [ "$docs" = yes ] && ! "$venv/bin/python" -c 'import sphinx' 2>/dev/null; then
    say "pip install -e '.[docs]' into $venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -e '.[docs]'
fi
