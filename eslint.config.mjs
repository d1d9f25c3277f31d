// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const onlyVscodeMayImportVscode = {
  'no-restricted-imports': [
    'error',
    {
      paths: [
        {
          name: 'vscode',
          message: 'Only src/vscode/** and src/extension.ts may use the VS Code API (ARCHITECTURE.md rule 1).',
        },
      ],
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'out/**',
      'e2e-host/**',
      'test-results/**',
      'demo/**',
      '.demo-workspace/**',
      'bench/.data/**',
      '**/*.js',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        performance: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'No default exports (ARCHITECTURE.md rule 11).' },
      ],
    },
  },
  {
    files: ['src/**', 'webview/**', 'bench/**', 'test/unit/**'],
    ignores: ['src/vscode/**', 'src/extension.ts'],
    rules: onlyVscodeMayImportVscode,
  },
);
