// The import boundaries of the monorepo (`npm run boundaries`, run by .ci/run). Dependencies point
// one way: configs -> operators -> pipelines (the operator API) and connectors. The engine knows
// nothing about operators or Datanets; connectors know nothing about either; packages reach each
// other only through their published entry points. bench/ and test/ sit above everything.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'engine-knows-no-operators',
      comment: 'pipelines/ (the engine) must not import operators (Datanets included) or configs',
      severity: 'error',
      from: { path: '^pipelines/' },
      to: { path: '^(operators|configs)/' },
    },
    {
      name: 'connectors-are-leaves',
      comment: 'connectors reach the outside world; they must not import the engine, operators or configs',
      severity: 'error',
      from: { path: '^connectors/' },
      to: { path: '^(pipelines|operators|configs)/' },
    },
    {
      name: 'nothing-imports-configs',
      comment: 'configs are what users write; operators, connectors and the engine must not import them',
      severity: 'error',
      from: { path: '^(pipelines|operators|connectors)/' },
      to: { path: '^configs/' },
    },
    {
      name: 'engine-api-only',
      comment: 'outside the engine, import @datanet/pipelines (its ./testing and ./server entries too), never its internals',
      severity: 'error',
      from: { path: '^(operators|connectors|configs)/' },
      to: { path: '^pipelines/src/', pathNot: '^pipelines/src/(index|testing/index|server/index)\\.ts$' },
    },
    {
      name: 'operator-package-entry-only',
      comment: 'an operator package imports another only through its entry point (@datanet/<name>), never its files',
      severity: 'error',
      from: { path: '^operators/([^/]+)/' },
      to: { path: '^operators/', pathNot: ['^operators/$1/', '^operators/[^/]+/src/index\\.ts$'] },
    },
    {
      name: 'connector-package-entry-only',
      comment: 'a connector imports another only through its entry point (@datanet/connector-<name>)',
      severity: 'error',
      from: { path: '^connectors/([^/]+)/' },
      to: { path: '^connectors/', pathNot: ['^connectors/$1/', '^connectors/[^/]+/src/index\\.ts$'] },
    },
    {
      name: 'no-circular-packages',
      comment: 'packages must not depend on each other in a cycle',
      severity: 'error',
      from: { path: '^(operators|connectors|pipelines)/' },
      to: { circular: true, viaOnly: { path: '^(operators|connectors|pipelines)/[^/]+/src/index\\.ts$' } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|\\.datanet|build|coverage|\\.nx)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.cjs', '.json'],
    },
  },
};
