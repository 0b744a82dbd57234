#!/usr/bin/env bash
# Install what a fresh Debian 12 machine lacks to build tlbstorm, its guests and its tests.
# Safe to re-run: apt-get skips what is already installed.
set -euo pipefail

packages=(
    build-essential pkg-config meson ninja-build python3
    liburcu-dev libcriterion-dev libfdt-dev
    gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
    qemu-system-misc opensbi u-boot-qemu gnuplot-nox parallel spin
    clang libclang-rt-14-dev
    gdb-multiarch
)
# The commit-message hook is offered, not installed: it changes how git behaves here.
if git -C "$(dirname "$0")/.." rev-parse --git-dir >/dev/null 2>&1 &&
   ! [ -x "$(git -C "$(dirname "$0")/.." rev-parse --git-path hooks)/commit-msg" ]; then
    echo "install-deps: to check commit subjects as CONTRIBUTING.md asks, run scripts/install-hooks.sh" >&2
fi
"$(dirname "$0")/apt-install.sh" "${packages[@]}"
