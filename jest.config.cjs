// Unit tests import src/ directly; @actions/* are ESM-only, so only the bundles (run by the
// integration harness) ever load them. ts-jest compiles to CommonJS for the test process.
const tsJest = ['ts-jest', { tsconfig: { module: 'commonjs', moduleResolution: 'node10', isolatedModules: true } }];
// The environment removes each file's temp dirs (test/helpers/temp.ts) after its afterAll hooks.
const common = { testEnvironment: '<rootDir>/test/setup/environment.cjs', transform: { '^.+\\.ts$': tsJest }, moduleFileExtensions: ['ts', 'js', 'json'] };
module.exports = {
  // Integration tests drive real registries, builds and Prometheus; jest 29 sets this globally only.
  testTimeout: 180000,
  // A private TMPDIR per run; the teardown fails the run when a test left anything in it.
  globalSetup: '<rootDir>/test/setup/global-setup.cjs',
  globalTeardown: '<rootDir>/test/setup/global-teardown.cjs',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
  ],
};
