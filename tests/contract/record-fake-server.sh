#!/usr/bin/env bash
# Record tests/contract/cassettes/fake-server again (after the SDK's requests changed):
# serves both fakes on the default ports and runs the live suite against them, recording.
set -euo pipefail
cd "$(dirname "$0")/../.."
autotask-fn fake-server >/dev/null & fakes=$!
trap 'kill $fakes 2>/dev/null' EXIT
python -c "import socket,time;[time.sleep(.2) for _ in range(50) if socket.socket().connect_ex(('127.0.0.1',8402))]"
rm -rf tests/contract/cassettes/fake-server
AUTOTASK_FN_LIVE_CASSETTES=tests/contract/cassettes/fake-server \
  AUTOTASK_FN_LIVE_CONFIG=tests/live/fake-server.toml AUTOTASK_FN_LIVE_AT_SECRET=secret \
  AUTOTASK_FN_LIVE_FN_CLIENT_SECRET=client-secret AUTOTASK_FN_LIVE_FN_PASSWORD=password \
  AUTOTASK_FN_LIVE_PROVIDER_ID=2001 python -m pytest -m live -q -p no:cacheprovider tests/live
