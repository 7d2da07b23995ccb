#!/usr/bin/env bash
# `make serve`: the office's page on the demo workspace, with one user per role.
set -euo pipefail
cd "$(dirname "$0")/.."
GENDAN=.venv/bin/gendan
DEMO=build/demo
add() {  # login, name, role; the demo password is "gendan-demo"
  "$GENDAN" -w "$DEMO" users list 2>/dev/null | grep -q "^$1 " ||
    echo "gendan-demo" | "$GENDAN" -w "$DEMO" users add "$1" --name "$2" --role "$3" --password-stdin
}
add wang.li 王丽 salesperson
add li.qiang 李强 manager
add zhang.wei 张伟 general_manager
echo "demo users wang.li, li.qiang, zhang.wei; password: gendan-demo"
exec "$GENDAN" -w "$DEMO" serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8750}"
