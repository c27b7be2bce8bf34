# lib-qemu.sh: shell helpers shared by scripts/fetch-kernel, scripts/boot and
# scripts/make-test-initramfs. Source it: it sets REPO_ROOT and defines
# functions, nothing else.
# shellcheck shell=bash disable=SC2034  # REPO_ROOT is for the sourcing scripts

# The repository root (this file lives in scripts/).
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# need_cmd CMD PACKAGE: install the Debian PACKAGE when CMD is missing.
need_cmd() {
    export DEBIAN_FRONTEND=noninteractive
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "installing $2 (for $1)" >&2
    apt-get install -y "$2" >/dev/null || { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }
}

# apt_download PKG...: `apt-get download` into the current directory,
# running `apt-get update` once only if the first attempt fails.
apt_download() {
    apt-get download "$@" >/dev/null 2>&1 && return 0
    echo "apt-get download $* failed; running apt-get update and retrying" >&2
    apt-get update >/dev/null
    apt-get download "$@" >/dev/null
}
