// typescript-eslint's recommended rules. `any` is allowed where kysely tables are untyped (each
// package owns its tables and migrations); unused names must start with "_".
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'connectors/evm/build/**',
      '.datanet/**',
      '**/.datanet/**',
      'bench/results/**',
      'test-output/**',
      '**/*.ipynb',
      '.nx/**',
      'coverage/**',
      'console/dist/**',
      'console/dist.*/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
    },
  },
  {
    files: ['**/*.cjs', '**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
