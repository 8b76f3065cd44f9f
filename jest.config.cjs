// Unit tests import src/ directly; @actions/* are ESM-only, so only the bundles (run by the
// integration harness) ever load them. ts-jest compiles to CommonJS for the test process.
const tsJest = ['ts-jest', { tsconfig: { module: 'commonjs', moduleResolution: 'node10', isolatedModules: true } }];
const common = { testEnvironment: 'node', transform: { '^.+\\.ts$': tsJest }, moduleFileExtensions: ['ts', 'js', 'json'] };
module.exports = {
  // Integration tests drive real registries, builds and Prometheus; jest 29 sets this globally only.
  testTimeout: 180000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
  ],
};
