#!/usr/bin/env bash
# Installs the Debian packages gendan needs, and only those that are missing.
# Idempotent: a second run installs nothing. Stops with a clear message on failure.
set -euo pipefail

PYTHON="${PYTHON:-python3}"
packages=(
  fonts-noto-cjk          # Chinese text in every PDF
  libharfbuzz-subset0     # fast font subsetting for WeasyPrint (50x faster with CJK fonts)
  libpango-1.0-0 libpangoft2-1.0-0  # WeasyPrint's text layout
  fonts-wqy-microhei      # TrueType CJK font for stamp text (small embedded subsets)
  poppler-utils           # pdftoppm/pdftotext, used by tests to look at rendered pages
  libreoffice-writer-nogui  # Word -> PDF for Word-only documents (contract review form)
  chromium                # the browser the tests of the office page drive (Playwright)
)
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "gendan setup: installing system packages: ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "gendan setup: error: need root to install ${missing[*]}." >&2
  echo "  what to do: run 'make' as root, or ask an administrator to run: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
  echo "gendan setup: error: apt-get could not install: ${missing[*]}" >&2
  echo "  what to do: check the network and the apt sources, then run the command again." >&2
  exit 1
fi
echo "gendan setup: system packages installed"
