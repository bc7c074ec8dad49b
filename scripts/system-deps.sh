#!/usr/bin/env bash
# scripts/system-deps.sh — OS packages that only the operating system can provide.
#
# Usage: scripts/system-deps.sh [--with-browser] [--check]
#
#   --with-browser  also require Chromium (browser tests)
#   --check         only check; never install (exit 1 and list what is missing)
#
# Checked (Debian package names):
#   libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0   Pango/HarfBuzz for WeasyPrint
#   fontconfig fonts-noto-cjk                               a CJK font for PDFs (fc-list :lang=zh)
#   gettext                                                 msgfmt (compilemessages)
#   nodejs npm                                              front-end assets (only when npm is missing)
#   poppler-utils                                           pdffonts / pdftoppm used by tests
#   chromium                                                only with --with-browser
#
# When something is missing and we are root with apt-get, it runs one
# `apt-get update` and one `apt-get install -y --no-install-recommends` of
# everything missing. Otherwise it prints one message listing the exact
# packages to install and exits 1. When everything is present it prints
# nothing and returns quickly (make run calls it every time).
set -euo pipefail

with_browser=0
check_only=0
for arg in "$@"; do
    case "$arg" in
        --with-browser) with_browser=1 ;;
        --check) check_only=1 ;;
        -h|--help)
            sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "system-deps.sh: unknown argument: $arg (use --with-browser, --check)" >&2
            exit 2
            ;;
    esac
done

# Print the Debian packages that are missing, one per line.
find_missing() {
    local ldcache=""
    if command -v ldconfig >/dev/null 2>&1; then
        ldcache="$(ldconfig -p 2>/dev/null || true)"
    elif [ -x /sbin/ldconfig ]; then
        ldcache="$(/sbin/ldconfig -p 2>/dev/null || true)"
    fi
    has_lib() {
        case "$ldcache" in
            *"$1 "*) return 0 ;;
        esac
        # Fallback when the ld cache is unavailable: look in the usual dirs.
        compgen -G "/usr/lib/*/$1" >/dev/null 2>&1 || compgen -G "/lib/*/$1" >/dev/null 2>&1 \
            || [ -e "/usr/lib/$1" ] || [ -e "/lib/$1" ]
    }

    has_lib libpango-1.0.so.0 || echo libpango-1.0-0
    has_lib libpangoft2-1.0.so.0 || echo libpangoft2-1.0-0
    has_lib libharfbuzz-subset.so.0 || echo libharfbuzz-subset0

    if command -v fc-list >/dev/null 2>&1; then
        if [ -z "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ]; then
            echo fonts-noto-cjk
        fi
    else
        echo fontconfig
        echo fonts-noto-cjk
    fi

    command -v msgfmt >/dev/null 2>&1 || echo gettext

    # Debian ships the venv module separately from python3.
    if [ -x /usr/bin/python3 ] && [ "$(command -v "${PYTHON:-python3}")" = /usr/bin/python3 ] \
            && ! /usr/bin/python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
        echo python3-venv
    fi

    if ! command -v npm >/dev/null 2>&1; then
        command -v node >/dev/null 2>&1 || echo nodejs
        echo npm
    fi

    if ! command -v pdffonts >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
        echo poppler-utils
    fi

    if [ "$with_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
        echo chromium
    fi
}

mapfile -t missing < <(find_missing)
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

pkgs="${missing[*]}"

if [ "$check_only" = 0 ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: 正在安装缺少的系统软件包 / installing missing system packages: $pkgs"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $pkgs
    mapfile -t still < <(find_missing)
    if [ "${#still[@]}" -eq 0 ]; then
        echo "system-deps: 完成 / done."
        exit 0
    fi
    missing=("${still[@]}")
    pkgs="${missing[*]}"
    echo "system-deps: 安装后仍缺少 / still missing after install: $pkgs" >&2
fi

cat >&2 <<EOF
缺少系统软件包，请安装后重试：
Missing system packages; please install them and retry:

    sudo apt-get install -y --no-install-recommends $pkgs

(非 Debian/Ubuntu 系统请安装对应的软件包。 / On other systems install the equivalent packages.)
EOF
exit 1
