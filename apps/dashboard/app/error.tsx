'use client';
// Last line of defence: a render error shows a message and a retry, never a blank page.
export default function PageError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div className="error-box" role="alert" data-testid="error-message">
      <strong>This page failed to render</strong>
      <p>{error.message || 'Unexpected error'}</p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
