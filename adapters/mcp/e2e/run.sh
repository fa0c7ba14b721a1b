#!/bin/sh
# End-to-end tests of pcapai-mcp with clients nobody here wrote: the
# official MCP TypeScript SDK client (stdio and Streamable HTTP) and the
# official conformance suite against --http. Needs node >= 20 and npm.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mcpdir=$(dirname "$here")
cd "$here"
npm ci --no-audit --no-fund --loglevel=error
bin="$here/.bin/pcapai-mcp"
(cd "$mcpdir" && go build -o "$bin" ./cmd/pcapai-mcp)

port=${PORT:-18765}
# carve_pcap writes here, not into testdata.
PCAPAI_OUT=$(mktemp -d)
export PCAPAI_OUT
token=e2e-token
"$bin" --root "$mcpdir/testdata" --http "127.0.0.1:$port" --token "$token" &
srv=$!
trap 'kill $srv 2>/dev/null || true; rm -rf "$PCAPAI_OUT"' EXIT INT TERM
sleep 1

echo "== SDK client over stdio and HTTP"
PCAPAI_TOKEN=$token node client.mjs "$bin" "$mcpdir/testdata" "http://127.0.0.1:$port/mcp"

echo "== conformance suite (server scenarios) against --http"
# A second server without a token: the suite does not send one.
cport=$((port + 1))
"$bin" --root "$mcpdir/testdata" --http "127.0.0.1:$cport" &
csrv=$!
trap 'kill $srv $csrv 2>/dev/null || true; rm -rf "$PCAPAI_OUT"' EXIT INT TERM
sleep 1
out="$here/.results"
rm -rf "$out"
status=0
npx conformance server --url "http://localhost:$cport/mcp" --suite "${SUITE:-active}" \
  --expected-failures "$here/expected-failures.yaml" -o "$out" || status=$?
exit $status
