#!/usr/bin/env bash
# checksrc: two checks on the C sources (../shared/STYLE.md), run by `make test`.
#  1. Banned functions: strcpy, strcat, sprintf, vsprintf, gets, strtok, atoi,
#     atol, atoll.
#  2. Layers (src/README.md): every project include names its folder
#     ("store/store.h"), and a folder includes only itself and folders below it
#     in LAYERS. A folder missing from LAYERS fails too: place a new folder in the
#     order before using it.
# Usage: scripts/checksrc.sh [ROOT]
set -u
root=${1:-$(dirname "$0")/..}
status=0

hits=$(grep -nE '(^|[^_a-zA-Z0-9])(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atoll)[[:space:]]*\(' \
        -r "$root/src" "$root/tests" "$root/fuzz" "$root/bench" --include='*.c' --include='*.h' 2>/dev/null)
if [ -n "$hits" ]; then
  echo "checksrc: banned functions used:"
  echo "$hits"
  status=1
fi

# Lowest first. Folders on one line are peers: neither includes the other.
LAYERS=(
  "base"
  "store"
  "ingest"
  "synth access"
  "link"
  "engine"
  "cases"
  "stats outreach"
  "server training"
  "cli"
)
declare -A rank
for i in "${!LAYERS[@]}"; do
  for d in ${LAYERS[$i]}; do rank[$d]=$i; done
done

for f in $(cd "$root/src" && find . -name '*.[ch]' | sed 's|^\./||' | sort); do
  dir=${f%%/*}
  if [ "$dir" = "$f" ]; then
    echo "checksrc: src/$f: a source file belongs in a subsystem's folder (src/README.md)"
    status=1; continue
  fi
  if [ -z "${rank[$dir]+x}" ]; then
    echo "checksrc: src/$f: folder '$dir' has no place in the layers (scripts/checksrc.sh LAYERS, src/README.md)"
    status=1; continue
  fi
  while IFS=: read -r line inc; do
    [ -n "$line" ] || continue
    idir=${inc%%/*}
    if [ "$idir" = "$inc" ]; then
      echo "checksrc: src/$f:$line: #include \"$inc\" does not name its folder"
      status=1
    elif [ -z "${rank[$idir]+x}" ]; then
      echo "checksrc: src/$f:$line: #include \"$inc\": no such layer '$idir'"
      status=1
    elif [ "$idir" != "$dir" ] && [ "${rank[$idir]}" -ge "${rank[$dir]}" ]; then
      echo "checksrc: src/$f:$line: $dir/ includes \"$inc\", a folder at or above it (src/README.md)"
      status=1
    fi
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$root/src/$f" |
           sed -E 's/^([0-9]+):.*"([^"]+)".*/\1:\2/')
done

[ $status -eq 0 ] && echo "checksrc: ok"
exit $status
