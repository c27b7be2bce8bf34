# lib-qemu.sh: shell helpers shared by scripts/fetch-kernel, scripts/boot,
# scripts/make-initramfs, scripts/audit, scripts/bench-boot,
# scripts/build-standins and scripts/test.
# Source it: it sets REPO_ROOT and defines functions, nothing else.
# shellcheck shell=bash disable=SC2034  # REPO_ROOT and use_arch's variables are for the sourcing scripts

# The repository root (this file lives in scripts/).
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# need_cmd CMD PACKAGE: install the Debian PACKAGE when CMD is missing.
need_cmd() {
    export DEBIAN_FRONTEND=noninteractive
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "installing $2 (for $1)" >&2
    apt-get install -y "$2" >/dev/null || { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }
}

# need_file FILE PACKAGE: install the Debian PACKAGE when FILE is missing
# (a library, not a command).
need_file() {
    export DEBIAN_FRONTEND=noninteractive
    [ -e "$1" ] && return 0
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

# kios_host ARGS...: the kios-host tool (host/src/main.rs: the
# architecture table, the QEMU launcher, the console's story), built on
# first use; cargo's check that it is fresh takes a few tens of ms.
kios_host() {
    cargo run --quiet --release --manifest-path "$REPO_ROOT/Cargo.toml" -p kios-host -- "$@"
}

# use_arch NAME: the facts of one architecture, NAME in Debian's spelling
# (amd64, arm64) or Rust's (x86_64, aarch64), from kios-host's table
# (host/src/arch.rs). Sets:
#   DEB_ARCH      Debian's name: the kernel package, .cache/kernel/DEB_ARCH/
#   RUST_ARCH     Rust's name: linker/RUST_ARCH.ld, build-standins --arch
#   TRIPLE        the Rust target (the stand-ins are built with --target TRIPLE)
#   INIT          the release init, relative to REPO_ROOT
#   QEMU QEMU_PKG the system emulator and its Debian package (for need_cmd;
#                 `kios_host qemu` runs it)
#   CONSOLE       the serial console, for console=
use_arch() {
    local facts
    facts="$(kios_host arch-env "$1")" || return 2
    eval "$facts"
}

# elf_arch FILE: the architecture FILE is built for, in Debian's spelling
# (amd64, arm64; `other` for any other ELF machine), from its ELF header's
# e_machine (little-endian, as on both); nothing when FILE is not ELF (a
# script, a text file) or cannot be read.
elf_arch() {
    local head
    head="$(od -An -tx1 -N20 -- "$1" 2>/dev/null | tr -d ' \n')" || return 0
    case "$head" in 7f454c46*) ;; *) return 0 ;; esac
    case "${head:36:4}" in
        3e00) echo amd64 ;;
        b700) echo arm64 ;;
        *) echo other ;;
    esac
}

# need_rust_target TRIPLE: `rustup target add TRIPLE` unless its standard
# library is installed (the host's always is).
need_rust_target() {
    [ -d "$(rustc --print sysroot)/lib/rustlib/$1/lib" ] && return 0
    command -v rustup >/dev/null || { echo "the Rust target $1 is missing and there is no rustup to add it" >&2; return 1; }
    echo "rustup target add $1" >&2
    rustup target add "$1" >&2
}
