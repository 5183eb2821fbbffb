// The V8 settings the gateway runs with, wherever it is started: bin/medgate.js's first line, the
// npm start script and the systemd unit carry them (test/unit/cli/node-flags.test.ts holds them to
// this list). V8 reads them only at start, so they cannot be set from inside.
//
// --max-semi-space-size: V8 lets the young generation grow to 2 x 16 MB under start-up's allocation
// and keeps it; capped at 2 x 2 MB the idle gateway is about 30 MB smaller, and a reading's few
// short-lived objects still die young.
// --v8-pool-size: V8's helper threads (concurrent marking, background compiling) each keep a malloc
// arena; one is enough for a gateway's heap, and the idle gateway is about 6 MB smaller.
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--v8-pool-size=1'];
