import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Layering (DESIGN.md §2): the engine is plain Node and never reaches into the app.
    files: ['engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['electron', '**/renderer/**', '**/electron/**'],
              message: 'engine/ must not import the app layers',
            },
          ],
        },
      ],
    },
  },
  {
    // The renderer runs in a sandboxed page: no Node, no Electron, nothing from the engine. Its only
    // door to the rest of the project is the bridge contract (renderer/src/bridge/contract.ts).
    files: ['renderer/src/**/*.{ts,tsx}'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        location: 'readonly',
        history: 'readonly',
        sessionStorage: 'readonly',
        localStorage: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        requestAnimationFrame: 'readonly',
        cancelAnimationFrame: 'readonly',
        performance: 'readonly',
        WebSocket: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        Blob: 'readonly',
        File: 'readonly',
        FileReader: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        ResizeObserver: 'readonly',
        KeyboardEvent: 'readonly',
        HTMLElement: 'readonly',
      },
    },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', 'dockerode', 'ws'].map((name) => ({
            name,
            message: 'the renderer cannot use Node or Electron',
          })),
          patterns: [
            { group: ['node:*'], message: 'the renderer cannot use Node' },
            { regex: '(^|/)engine/', message: 'the renderer reaches the engine only through the bridge' },
            {
              regex: '(^|/)electron/(?!contract/index\\.js$)',
              message: 'the renderer may import only the bridge contract (electron/contract/index.js)',
            },
          ],
        },
      ],
    },
  },
  {
    // Electron main and the web bridge reach engines through the Docker API; they may start the
    // engine (engine/index.js, engine/paths.js) but not reach into its internals, nor into the renderer.
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)renderer/', message: 'electron/ must not import the renderer' },
            {
              regex: '(^|/)engine/(?!(index|paths)\\.js$)',
              message:
                'the app talks to engines through the Docker API; only engine/index.js and engine/paths.js may be imported',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', 'dockerode', 'ws'].map((name) => ({
            name,
            message: 'the contract is shared with the renderer: types and zod only',
          })),
          patterns: [
            {
              group: ['node:*', '../*'],
              message: 'the contract is shared with the renderer: types and zod only',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['engine/reference/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*', 'electron'], message: 'engine/reference imports nothing from the project' },
          ],
        },
      ],
    },
  },
);
