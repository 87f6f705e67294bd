#!/bin/bash
# Shell completion as users meet it: the scripts `ig completion bash|zsh|fish` prints, loaded
# into real bash (with and without the bash-completion package), zsh and fish, completing
# subcommands, flags, option values, images of the local store and a gadget's own flags.
# Usage: IG=path/to/ig test_completion.sh GADGET_DIR (a gadget with a mode-mask param)
set -euo pipefail
IG=$(realpath "${IG:?IG must point at the ig binary}")
gadget=$(realpath "${1:?usage: test_completion.sh GADGET_DIR}")
T=$(mktemp -d /tmp/ig-completion-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
for shell in bash zsh fish; do
  command -v "$shell" > /dev/null || { echo "FAIL: $shell not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
[ -f /usr/share/bash-completion/bash_completion ] || { echo "FAIL: bash-completion is not installed" >&2; exit 1; }

export IG_OCI_STORE=$T/store HOME=$T/home
mkdir -p "$T/bin" "$HOME"
ln -s "$IG" "$T/bin/ig"  # the scripts run "ig", as after installation
export PATH=$T/bin:$PATH
ig image build -t completion/fchmodat:v1 "$gadget" > "$T/build.log" 2>&1 || { cat "$T/build.log"; exit 1; }

# bash LOADER LINE: what bash would offer for LINE, one per line (COMPREPLY, sorted).
bash_offers() {
  bash -c '
    [ "$1" = bash-completion ] && source /usr/share/bash-completion/bash_completion
    source <(ig completion bash)
    COMP_LINE=$2 COMP_POINT=${#2}
    read -ra COMP_WORDS <<< "$2"; COMP_CWORD=${#COMP_WORDS[@]}
    _ig_complete
    printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$1" "$2"
}

zsh_offers() {  # zsh LINE: compadd is replaced by a printer; _files prints <files>
  zsh -c '
    compdef() { :; }
    compadd() { shift $(( ${@[(i)--]} )); print -l -- "$@"; }
    _files() { print -- "<files>"; }
    source <(ig completion zsh)
    words=(${(z)1}); [[ $1 == *" " ]] && words+=("")
    CURRENT=${#words}
    _ig' _ "$1" | sort
}

fish_offers() { fish -c 'ig completion fish | source; complete -C "$argv[1]"' "$1" | cut -f1 | sort; }

expect() {  # expect SHELL LINE WANT...: the shell offers exactly WANT for LINE
  local shell=$1 line=$2 got want
  shift 2
  case $shell in
    bash) got=$(bash_offers plain "$line") ;;
    bash-completion) got=$(bash_offers bash-completion "$line") ;;
    zsh) got=$(zsh_offers "$line") ;;
    fish) got=$(fish_offers "$line") ;;
  esac
  want=$(printf '%s\n' "$@" | sort)
  [ "$got" = "$want" ] || fail "$shell: '$line' offers [$(echo $got)], want [$(echo $want)]"
}

for shell in bash bash-completion zsh fish; do
  expect "$shell" "ig image p" pull push
  expect "$shell" "ig list-con" list-containers
  expect "$shell" "ig run --pull " always missing never
  expect "$shell" "ig run completion/fch" completion/fchmodat:v1
  expect "$shell" "ig run completion/fchmodat:v1 --mode" --mode-mask
  expect "$shell" "ig run --host completion/fchmodat:v1 --verif" --verify-image
  expect "$shell" "ig image pull --insec" --insecure-registries
  expect "$shell" "ig completion " bash fish zsh
done
# What follows a ':' or '=' is the part bash replaces.
expect bash "ig run completion/fchmodat:" v1
expect bash "ig run --pull=n" never
expect bash-completion "ig run completion/fchmodat:" v1
expect zsh "ig run --pull=n" --pull=never
expect fish "ig run --pull=n" --pull=never
# A file argument: nothing from ig, the shell's own file completion takes over.
expect zsh "ig image build " "<files>"
[ "$(ig __complete image build "")" = "" ] || fail "ig offers candidates for a path"
[ "$failures" = 0 ] && pass "bash, bash with bash-completion, zsh and fish complete subcommands, flags, values, images and gadget flags"

# An image not in the store only misses its gadget flags; ig's own still complete.
expect bash "ig run absent:v1 --hos" --host
[ "$failures" = 0 ] || exit 1
echo PASS
