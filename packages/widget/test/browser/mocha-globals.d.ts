// The few mocha globals the browser tests use (@web/test-runner provides mocha at run time), so
// that `npx tsc -p packages/widget/tsconfig.test.json` type-checks the tests without @types/mocha.
declare function describe(name: string, body: () => void): void;
declare function it(name: string, body: () => Promise<void> | void): void;
declare function afterEach(body: () => Promise<void> | void): void;
