/**
 * Layer rules for src/ (run with `npm run depcheck`).
 *
 * Dependencies point one way:
 *
 *   core <- model <- {data, strategy, execution, portfolio, risk} <- kernel <- backtest <- report <- {optimize, live} <- cli
 *
 * - core imports nothing else of src/.
 * - model imports only core.
 * - data, strategy, execution, portfolio and risk import only core and model
 *   (and their own folder): the middle row meets through types in model/ and
 *   events in core/, never through each other's insides.
 * - kernel (the trading kernel shared by backtest, paper and live) may
 *   import the middle row, but of data/ only the bar aggregation (a kernel
 *   knows no file or feed), and never backtest, report or cli.
 * - backtest (the composition root of a replay) may import everything below
 *   it, but not report or cli.
 * - report may import backtest and below, but not optimize or cli.
 * - optimize (parameter sweeps, walk-forward, overfitting statistics) may
 *   import report and below, but not cli.
 * - live (live market data, the I/O thread, paper trading, recording, the
 *   local exchange) may import report and below, but not optimize or cli;
 *   optimize does not import live.
 * - cli may import anything.
 * - src/index.ts is the public entry: it re-exports from every layer and is
 *   exempt from the rules. It is in no layer's allowed list, so only cli/ may
 *   import it (anything else would be a back door around the rules).
 * - No cycles, anywhere.
 * - Every folder under src/ must be one of the layers above: a new folder
 *   fails the check until it is given a place in this file.
 *
 * Type-only imports count like any other import.
 *
 * Test files (*.test.ts) are not cruised.
 *
 * Parser: dependency-cruiser 17 reads TypeScript through the `typescript`
 * package only for versions below 7, and this project uses TypeScript 7, so
 * TypeScript sources are parsed with @swc/core (a devDependency) instead.
 * Without a TypeScript-capable parser dependency-cruiser would silently cruise
 * 0 modules and report success, hence the guard below.
 */
'use strict';

try {
  require.resolve('@swc/core');
} catch {
  throw new Error(
    '.dependency-cruiser.cjs: @swc/core is not installed. dependency-cruiser needs it to parse ' +
      'TypeScript sources here (it does not support TypeScript 7); run `npm ci` or `npm install`.',
  );
}

const LAYERS = ['core', 'model', 'data', 'strategy', 'execution', 'portfolio', 'risk', 'kernel', 'backtest', 'report', 'optimize', 'live', 'cli'];

/** Modules that belong to a known place in src/. */
const KNOWN = [`^src/(?:${LAYERS.join('|')})/`, '^src/index\\.ts$'];

/** A regex for modules inside src/ other than the given layers' folders. */
const outside = (...allowed) => `^src/(?!(?:${allowed.join('|')})/)`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules must not depend on each other in a cycle (type-only imports included).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'Every import must resolve to a file or an installed package; otherwise the layer rules below ' +
        'cannot see where it points.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-unknown-layer',
      severity: 'error',
      comment:
        'Every module under src/ belongs to one of the known layers (or is src/index.ts). ' +
        'When adding a folder, give it a place in .dependency-cruiser.cjs and in the architecture docs.',
      from: {},
      to: { path: '^src/', pathNot: KNOWN },
    },
    {
      name: 'no-unknown-layer-imports',
      severity: 'error',
      comment: 'As no-unknown-layer, for the importing side: a module outside the known layers is unchecked.',
      from: { path: '^src/', pathNot: KNOWN },
      to: {},
    },
    {
      name: 'core-imports-nothing-of-src',
      severity: 'error',
      comment: 'core/ is the bottom layer: it imports nothing else of src/.',
      from: { path: '^src/core/' },
      to: { path: outside('core') },
    },
    {
      name: 'model-imports-only-core',
      severity: 'error',
      comment: 'model/ may import core/ only.',
      from: { path: '^src/model/' },
      to: { path: outside('core', 'model') },
    },
    {
      name: 'middle-row-imports-only-core-and-model',
      severity: 'error',
      comment:
        'data/, strategy/, execution/, portfolio/ and risk/ may import core/ and model/ (and their own ' +
        'folder) only: they meet through model/ types and core/ events, not through each other.',
      from: { path: '^src/(data|strategy|execution|portfolio|risk)/' },
      to: { path: outside('core', 'model', '$1') },
    },
    {
      name: 'kernel-imports-the-middle-row-only',
      severity: 'error',
      comment:
        'kernel/ may import core/, model/, strategy/, execution/, portfolio/, risk/ and data/aggregate/ (bar ' +
        'aggregation for subscribed timeframes), not the rest of data/ (files, feeds, the catalog), backtest/, report/ or cli/.',
      from: { path: '^src/kernel/' },
      to: { path: '^src/(?!(?:core|model|strategy|execution|portfolio|risk|kernel|data/aggregate)/)' },
    },
    {
      name: 'backtest-not-to-report-or-cli',
      severity: 'error',
      comment: 'backtest/ is the composition root: it may import every layer below it, but not report/ or cli/.',
      from: { path: '^src/backtest/' },
      to: { path: outside('core', 'model', 'data', 'strategy', 'execution', 'portfolio', 'risk', 'kernel', 'backtest') },
    },
    {
      name: 'report-not-to-optimize-or-cli',
      severity: 'error',
      comment: 'report/ may import backtest/ and below, but not optimize/ or cli/.',
      from: { path: '^src/report/' },
      to: {
        path: outside('core', 'model', 'data', 'strategy', 'execution', 'portfolio', 'risk', 'kernel', 'backtest', 'report'),
      },
    },
    {
      name: 'optimize-not-to-cli',
      severity: 'error',
      comment: 'optimize/ may import report/ and below, but not cli/.',
      from: { path: '^src/optimize/' },
      to: {
        path: outside('core', 'model', 'data', 'strategy', 'execution', 'portfolio', 'risk', 'kernel', 'backtest', 'report', 'optimize'),
      },
    },
    {
      name: 'live-not-to-optimize-or-cli',
      severity: 'error',
      comment: 'live/ may import report/ and below, but not optimize/ or cli/.',
      from: { path: '^src/live/' },
      to: {
        path: outside('core', 'model', 'data', 'strategy', 'execution', 'portfolio', 'risk', 'kernel', 'backtest', 'report', 'live'),
      },
    },
    {
      name: 'shipped-code-not-to-dev-dep',
      severity: 'error',
      comment:
        'src/ is published: it must not import packages that are only devDependencies (users would not have them).',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment: 'Imported packages must be listed in package.json.',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    // Test files are not part of the layering (they may reach across to set things up).
    exclude: { path: '\\.test\\.ts$' },
    doNotFollow: { path: 'node_modules' },
    // See the header: TypeScript 7 is not usable by dependency-cruiser 17.
    parser: 'swc',
    // Used for `paths` (e.g. 'quantflow' -> src/index.ts) when resolving.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      // Imports are written with .js extensions (NodeNext); dependency-cruiser
      // maps an unresolvable './x.js' to './x.ts' itself, and `extensions`
      // covers extensionless specifiers.
      extensions: ['.ts', '.d.ts', '.js', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'types', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
