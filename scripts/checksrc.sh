#!/usr/bin/env bash
# Fails when the C sources use a banned function (see ../shared/STYLE.md):
# strcpy, strcat, sprintf, vsprintf, gets, strtok, atoi, atol, atoll.
# Usage: scripts/checksrc.sh [ROOT]
set -u
root=${1:-$(dirname "$0")/..}
hits=$(grep -nE '(^|[^_a-zA-Z0-9])(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atoll)[[:space:]]*\(' \
        -r "$root/src" "$root/tests" "$root/fuzz" "$root/bench" --include='*.c' --include='*.h' 2>/dev/null)
if [ -n "$hits" ]; then
  echo "checksrc: banned functions used:"
  echo "$hits"
  exit 1
fi
echo "checksrc: ok"
