// Public API of @glorank/api: filled in by its issue; empty until then.
export {};
