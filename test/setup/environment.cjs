// The node test environment, plus: every directory a test recorded with test/helpers/temp.ts
// is removed at teardown, which runs after the file's afterAll hooks, on failure too.
const { rmSync } = require('node:fs');
const NodeEnvironment = require('jest-environment-node').TestEnvironment;

class TempCleaningEnvironment extends NodeEnvironment {
  async teardown() {
    const dirs = this.global.__shiplineTempDirs;
    if (dirs) for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    await super.teardown();
  }
}

module.exports = TempCleaningEnvironment;
