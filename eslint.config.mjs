// Lint: typescript-eslint (type-aware) on src/, plus the layering rules of STYLE.md; plain ESLint on the
// JavaScript around it (test/, bench/, demo/, scripts/: Node ESM .mjs and CommonJS .cjs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Node's globals, listed rather than taken from a package: what the scripts and tests may use unimported.
const NODE_GLOBALS = Object.fromEntries(
  [
    'AbortController', 'AbortSignal', 'Blob', 'Buffer', 'BroadcastChannel', 'DOMException', 'Event', 'EventTarget',
    'FormData', 'Headers', 'MessageChannel', 'Request', 'Response', 'ReadableStream', 'TextDecoder',
    'TextDecoderStream', 'TextEncoder', 'TextEncoderStream', 'TransformStream', 'URL', 'URLSearchParams',
    'WritableStream', 'clearImmediate', 'clearInterval', 'clearTimeout', 'console', 'crypto', 'fetch', 'global',
    'performance', 'process', 'queueMicrotask', 'setImmediate', 'setInterval', 'setTimeout', 'structuredClone',
  ].map((name) => [name, 'readonly']),
);
const COMMONJS_GLOBALS = { require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly', __filename: 'readonly' };

export default tseslint.config(
  // test/package/types-consumer is a consumer's project, type-checked by scripts/check-package.mjs.
  { ignores: ['dist/**', 'node_modules/**', 'test/package/**', 'grafana/**', 'collector-config/**', '.team/**', '.cache/**', '.bench-out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['src/**/*.ts', 'src/**/*.mts'] })),
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: NODE_GLOBALS },
    rules: {
      // `for await (const _ of stream)` drains a stream on purpose.
      'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_$', caughtErrors: 'none', ignoreRestSiblings: true }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { ...NODE_GLOBALS, ...COMMONJS_GLOBALS } } },
  // The demo test asserts the report has no ANSI escape (ESC is the control character it looks for).
  { files: ['test/demo/demo.test.mjs'], rules: { 'no-control-regex': 'off' } },
  {
    files: ['src/**/*.ts', 'src/**/*.mts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  // Layering floors (DESIGN.md "Architecture"; `**` so nested folders are covered too).
  {
    // Framing only: what a frame means belongs to providers/.
    files: ['src/protocols/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['@opentelemetry/*', '**/core/**', '**/instrumentations/**', '**/providers/**'] }] },
  },
  {
    // Pure provider knowledge: fills facts, returns signals; core turns them into tracker calls.
    files: ['src/providers/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['@opentelemetry/*', '**/core/**', '**/instrumentations/**'] }] },
  },
  {
    // Core turns providers' signals into tracker calls: it sees their types, never their knowledge.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/instrumentations/**', '**/register/**', '**/processor/**', '**/providers/*', '!**/providers/types'] },
            { regex: '(^|/)providers(/index)?$' },
          ],
        },
      ],
    },
  },
  {
    // Adapters import the kit, never each other.
    files: ['src/instrumentations/sdk/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['./*', '**/transport/**', '**/genai/**', '**/mistral/**', '**/ai-sdk/**'] }] },
  },
  {
    files: ['src/instrumentations/transport/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['../fetch/**', '../http-client/**', '../http-server/**', '**/sdk/**', '**/genai/**', '**/mistral/**', '**/ai-sdk/**'] }],
    },
  },
  {
    files: ['src/instrumentations/{genai,mistral,ai-sdk}/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/sdk/**', '**/transport/**', '../genai/**', '../mistral/**', '../ai-sdk/**'] }] },
  },
  {
    files: ['src/instrumentations/kit/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/sdk/**', '**/transport/**', '**/genai/**', '**/mistral/**', '**/ai-sdk/**'] }] },
  },
);
