#!/usr/bin/env bash
# System packages the tests need beyond `npm ci`: Chromium (report rendering test), Jupyter's
# nbconvert and ipykernel (notebook execution), and the tslab TypeScript kernel registered with
# Debian's Jupyter. Idempotent: installs only what is missing, re-registers the kernel only when
# its spec does not point at this checkout's tslab.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/jupyter-nbconvert ] || missing+=(jupyter-nbconvert)
/usr/bin/python3 -c 'import ipykernel' 2>/dev/null || missing+=(python3-ipykernel)
/usr/bin/python3 -c 'import jupyter_client' 2>/dev/null || missing+=(python3-jupyter-client)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup-system: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup-system: chromium, jupyter-nbconvert, python3-ipykernel already installed"
fi

TSLAB="$ROOT/node_modules/.bin/tslab"
if [ ! -x "$TSLAB" ]; then
  echo "setup-system: $TSLAB is missing; run 'npm ci' at the repository root first (tslab is a root dependency)" >&2
  exit 1
fi

# Debian's python3, not a pyenv/venv one: nbconvert and ipykernel are installed for it. Asked through
# jupyter_client itself: Debian's python3-jupyter-client has no `jupyter kernelspec` command.
spec="$(/usr/bin/python3 -c 'from jupyter_client.kernelspec import KernelSpecManager as M
try: print(M().get_kernel_spec("tslab").argv[0])
except Exception: print("")' 2>/dev/null || true)"
if [ "$spec" != "$TSLAB" ]; then
  echo "setup-system: registering the tslab kernel ($TSLAB)"
  (cd "$ROOT" && "$TSLAB" install --python /usr/bin/python3 --binary "$TSLAB")
else
  echo "setup-system: tslab kernel already registered"
fi
