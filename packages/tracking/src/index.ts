// Public API of @glorank/tracking: filled in by its issue; empty until then.
export {};
