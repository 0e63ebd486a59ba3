// The package's main entry through its exports map: `import ... from 'midstream-otel'` (ESM door,
// dist/index.mjs) and `require('midstream-otel')` give the same objects (one copy of midstream).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as esm from 'midstream-otel';
import { trackStream, StreamSpanProcessor, midstreamInstrumentations, startMidstream } from 'midstream-otel';

const cjs = createRequire(import.meta.url)('midstream-otel');

it('exposes the same objects to import and require', () => {
  assert.equal(trackStream, cjs.trackStream);
  assert.equal(StreamSpanProcessor, cjs.StreamSpanProcessor);
  assert.equal(midstreamInstrumentations, cjs.midstreamInstrumentations);
  assert.equal(startMidstream, cjs.startMidstream);
});

it('re-exports every public name of the CommonJS entry in the ESM door', () => {
  // Node >= 23 adds a 'module.exports' name to the namespace of a CommonJS module imported from ESM.
  const names = (o) => Object.keys(o).filter((k) => k !== 'default' && k !== '__esModule' && k !== 'module.exports').sort();
  assert.deepEqual(names(esm), names(cjs));
  for (const name of names(cjs)) assert.equal(esm[name], cjs[name], name);
});
