// Values that commands show in their help (defaults, choices), so they are needed when the
// command is registered, before any action runs. Importing them from @glorank/model or
// @glorank/experiment would load TensorFlow.js on every CLI start (`--help` included);
// help-constants.test.ts keeps each copy equal to the package's own value.

/** @glorank/experiment's DEFAULT_LEASE_SECONDS (`glorank worker --lease`). */
export const DEFAULT_LEASE_SECONDS = 60;

/** @glorank/model's TOKENIZER_SOURCES (`glorank tokenize --sources`). */
export const TOKENIZER_SOURCES = ['collaborative', 'content'] as const;
