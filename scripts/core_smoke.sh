#!/usr/bin/env bash
# The README's own-unit path with an installed sbbatch (no extras): used by
# `make test-lower` to prove the core runs from `pip install .` alone.
# Usage: scripts/core_smoke.sh /path/to/bin/sbbatch WORKDIR
# Exit code 1 means "done, with problems listed" (the roster has two planted ones);
# 2 or a traceback fails.
set -euo pipefail
sbbatch=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
data=$repo/sample_data/my_unit
rm -rf "$2" && mkdir -p "$2" && cd "$2"
"$sbbatch" init ws.duckdb --unit 0017365116 --name 济南金泉机械制造有限公司 --today 2026-11-20
"$sbbatch" --db ws.duckdb load unit "$data/单位信息.xlsx"
"$sbbatch" --db ws.duckdb load persons "$data/单位人员信息.xls"
"$sbbatch" --db ws.duckdb load wages "$data/缴费工资.csv"
"$sbbatch" --db ws.duckdb roster "$data/花名册_2026-11.xlsx" --map "$data/花名册映射.yaml" \
    --month 2026-11 --out 本月报盘 --today 2026-11-20 || [ $? -eq 1 ]
"$sbbatch" check 本月报盘/增员报盘.xlsx
"$sbbatch" --db ws.duckdb declare 本月报盘/增员报盘.xlsx --today 2026-11-20
"$sbbatch" --db ws.duckdb submit ZY20261100001 --today 2026-11-20
"$sbbatch" --db ws.duckdb review ZY20261100001 --today 2026-11-20 || [ $? -eq 1 ]
"$sbbatch" --db ws.duckdb print ZY20261100001 -o 增员表.pdf
"$sbbatch" --db ws.duckdb contributions --month 2026-11 -o 本月缴费明细.xlsx --today 2026-11-20
test -s 增员表.pdf && test -s 本月缴费明细.xlsx
echo "core smoke: ok"
