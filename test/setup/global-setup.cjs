// Runs the suite with a private TMPDIR, so a test that leaves something behind is seen (in
// global-teardown.cjs) even while other test runs share the machine's /tmp.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');

module.exports = async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'shipline-jest-'));
  process.env.SHIPLINE_TEST_TMPDIR = root;
  process.env.TMPDIR = root;
};
