// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'examples/**/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // A forgotten await on an undo leaves a fault in place (STYLE.md §9).
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  ...safetyFloor(),
  {
    // node:test's describe/test return promises the runner itself awaits.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    // engine/ never imports server/ (DESIGN.md layout); only cli/main.ts may exit the process.
    files: ['src/**/*.ts'],
    // Separate processes' entry points own their exit too.
    ignores: [
      'src/cli/**',
      'src/safety/watchdog/main.ts',
      'src/faults/stress/worker.ts',
      'src/probes/sql/query-child.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='exit']",
          message: 'only src/cli may call process.exit',
        },
      ],
    },
  }
)

/**
 * safety/ is the ground floor (DESIGN.md "Layout"): the ledger, undo and watchdog must work
 * whatever else is broken, so they import only node:*, packages, src/shared/ and safety/
 * itself, never engine/, platforms/, faults/, server/. One block per folder depth, because a
 * relative specifier leaves safety/ after as many `../` as the file is deep.
 */
function safetyFloor() {
  const message =
    'src/safety/ imports only node:*, packages, src/shared/ and src/safety/ (DESIGN.md "Layout"); move the piece it needs down'
  return [
    ['src/safety/*.ts', '^\\.\\./(?!shared/)'],
    ['src/safety/*/*.ts', '^\\.\\./\\.\\./(?!shared/)'],
    ['src/safety/*/*/*.ts', '^\\.\\./\\.\\./\\.\\./(?!shared/)'],
  ].map(([files, regex]) => ({
    files: [files],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex, message },
            { regex: '(^|/)src/', message },
          ],
        },
      ],
    },
  }))
}
