// No tables: the bare app measures Ponder's sync and event pipeline alone.
export {};
