import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="error-box" role="alert" data-testid="error-message">
      <strong>Page not found</strong>
      <p>
        There is no page at this address. Go to the <Link href="/runs">runs table</Link>.
      </p>
    </div>
  );
}
