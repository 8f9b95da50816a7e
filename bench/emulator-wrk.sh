#!/usr/bin/env bash
# Emulator throughput from outside the process: one-item friend_add over loopback with rate
# limits and request logging off, measured with wrk (Debian: `apt-get install wrk`).
# The UserSig comes from Tencent's official library (tls-sig-api-v2, installed under target/).
# Each request adds a new friend (wrk's Lua varies the ids), so the emulator does real work.
#
#   bench/emulator-wrk.sh [DURATION] [CONNECTIONS]      e.g. bench/emulator-wrk.sh 15s 64
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
connections=${2:-64}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }

cargo build --quiet --release -p imspec-cli
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

sed 's/^rate_limits = .*/rate_limits = "off"/' crates/imspec-emulator/default.toml > "$work/config.toml"
./target/release/imspec emulator --config "$work/config.toml" --listen 127.0.0.1:0 > "$work/out" &
for _ in $(seq 50); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/out")

py="target/tmp/py-tls-sig-api-v2"
python3 -c "import TLSSigAPIv2" 2>/dev/null || PYTHONPATH="$py" python3 -c "import TLSSigAPIv2" 2>/dev/null \
  || python3 -m pip install --quiet --disable-pip-version-check --target "$py" tls-sig-api-v2
key=$(sed -n 's/^secret_key = "\(.*\)"/\1/p' crates/imspec-emulator/default.toml)
sdkappid=$(sed -n 's/^sdkappid = //p' crates/imspec-emulator/default.toml)
admin=$(sed -n 's/^admin = "\(.*\)"/\1/p' crates/imspec-emulator/default.toml)
sig=$(PYTHONPATH="$py" python3 -c "import TLSSigAPIv2; print(TLSSigAPIv2.TLSSigAPIv2($sdkappid, '$key').gen_sig('$admin', 86400))")

cat > "$work/friend_add.lua" <<LUA
local n = 0
local id = 0
setup = function(thread) thread:set("id", id); id = id + 1 end
request = function()
  n = n + 1
  local body = string.format(
    '{"From_Account":"w%d_%d","AddFriendItem":[{"To_Account":"t%d","AddSource":"AddSource_Type_Bench"}]}',
    id, math.floor(n / 1000), n)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
LUA
path="/v4/sns/friend_add?sdkappid=$sdkappid&identifier=$admin&usersig=$sig&random=1&contenttype=json"
wrk -t2 -c"$connections" -d"$duration" --latency -s "$work/friend_add.lua" "$url$path"
echo
curl -s "$url/_emulator/stats" | python3 -c 'import json,sys; print("emulator stats:", json.load(sys.stdin)["tencent_im/friend_add"])'
