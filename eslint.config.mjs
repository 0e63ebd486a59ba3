// Lint: typescript-eslint (type-aware) on src/, plus the layering rules of STYLE.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/**', 'demo/**', 'bench/**', 'scripts/**', 'grafana/**', 'collector-config/**', '.team/**', '.cache/**', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
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
