// Fails the run when tests left files or directories in the private TMPDIR (every test must
// remove what it creates, on failure too), then removes the TMPDIR itself.
const { readdirSync, rmSync } = require('node:fs');

module.exports = async () => {
  const root = process.env.SHIPLINE_TEST_TMPDIR;
  if (!root) return;
  const left = readdirSync(root);
  rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  if (left.length > 0) {
    const names = left.slice(0, 20).join(', ') + (left.length > 20 ? `, and ${left.length - 20} more` : '');
    throw new Error(`tests left ${left.length} temp entr${left.length === 1 ? 'y' : 'ies'} behind (now removed): ${names}`);
  }
};
