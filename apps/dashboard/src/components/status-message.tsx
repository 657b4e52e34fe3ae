// Loading and error states every page uses, so a bad id or query reads the same everywhere.
import { errorCode, errorMessage } from '@/client/trpc-client';

export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  const code = errorCode(error);
  const heading =
    title ??
    (code === 'NOT_FOUND'
      ? 'Not found'
      : code === 'BAD_REQUEST'
        ? 'Invalid request'
        : code === 'FORBIDDEN'
          ? 'Not allowed'
          : 'Something went wrong');
  return (
    <div className="error-box" role="alert" data-testid="error-message">
      <strong>{heading}</strong>
      <p>{errorMessage(error)}</p>
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}
