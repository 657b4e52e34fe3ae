'use client';
// Navigation with the current section highlighted, and the store the dashboard reads.
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { trpc } from '@/client/trpc-client';
import { useQuery } from '@/client/use-query';

const SECTIONS = [
  { href: '/runs', label: 'Runs' },
  { href: '/compare', label: 'Compare' },
  { href: '/experiments', label: 'Experiments' },
  { href: '/datasets', label: 'Datasets' },
  { href: '/inspector', label: 'Request inspector' },
  { href: '/queue', label: 'Queue' },
] as const;

export function TopBar() {
  const pathname = usePathname();
  const meta = useQuery('meta', () => trpc.meta.info.query());
  return (
    <header className="top">
      <Link href="/runs" className="brand">
        glorank
      </Link>
      <nav>
        {SECTIONS.map((s) => (
          <Link key={s.href} href={s.href} className={pathname.startsWith(s.href) ? 'active' : undefined}>
            {s.label}
          </Link>
        ))}
      </nav>
      <span className="meta" data-testid="store-location">
        {meta.data
          ? `${meta.data.store.backend}: ${meta.data.store.location}${meta.data.readOnly ? ' · read-only' : ' · writes on'}`
          : ''}
      </span>
    </header>
  );
}
