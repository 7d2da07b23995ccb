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
  python3-uno             # LibreOffice's uno for the system Python: the warm LibreOffice
  libgl1 libglib2.0-0     # OpenCV's libraries, for the OCR of scans (RapidOCR)
  dovecot-imapd           # a real IMAP server the tests of `gendan mail` start in a temp folder
  postgresql-15           # the shared backend's tests start a server of their own in a temp folder
)
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi

optional=(
  chromium                # the browser the tests of the office page drive (Playwright)
)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
missing_optional=()
for pkg in "${optional[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing_optional+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 && ${#missing_optional[@]} -eq 0 ]]; then
  exit 0
fi

echo "gendan setup: installing system packages: ${missing[*]} ${missing_optional[*]}"
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
elif [[ ${#missing[@]} -eq 0 ]]; then
  echo "gendan setup: ${missing_optional[*]} not installed (needs root): the browser tests will be skipped" >&2
  exit 0
else
  echo "gendan setup: error: need root to install ${missing[*]}." >&2
  echo "  what to do: run 'make' as root, or ask an administrator to run: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
install() { "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
if ! "${sudo[@]}" apt-get update -qq || { [[ ${#missing[@]} -gt 0 ]] && ! install "${missing[@]}"; }; then
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "gendan setup: error: apt-get could not install: ${missing[*]}" >&2
    echo "  what to do: check the network and the apt sources, then run the command again." >&2
    exit 1
  fi
fi
for pkg in "${missing_optional[@]}"; do
  install "$pkg" || echo "gendan setup: $pkg could not be installed: the tests that need it will be skipped" >&2
done
echo "gendan setup: system packages installed"
