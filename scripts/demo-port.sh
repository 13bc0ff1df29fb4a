#!/usr/bin/env bash
# Checks, before `make demo` builds and synthesises anything, that the
# address it will serve on is free. Usage: scripts/demo-port.sh HOST:PORT.
# Exit 0 when nothing answers there; 1 (saying how to pick another) when
# something does; 2 for an address that is not HOST:PORT.
set -euo pipefail
listen=${1:?usage: demo-port.sh HOST:PORT}
host=${listen%:*}
port=${listen##*:}
host=${host#[}
host=${host%]}
if [ -z "$host" ] || ! [[ $port =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  echo "make demo: DEMO_LISTEN must be HOST:PORT (such as 127.0.0.1:8080), not '$listen'" >&2
  exit 2
fi
# a connection that succeeds means another program listens there
if (exec 3<> "/dev/tcp/$host/$port") 2> /dev/null; then
  next=$((port + 1))
  [ "$next" -le 65535 ] || next=8081
  echo "make demo: $listen is in use by another program." >&2
  echo "Stop it, or serve the demo on another address: make demo DEMO_LISTEN=$host:$next" >&2
  exit 1
fi
exit 0
