// The shell of every page: navigation and where the data comes from.
import './globals.css';
import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { TopBar } from '@/components/top-bar';

export const metadata: Metadata = {
  title: 'glorank dashboard',
  description: 'Runs, curves, experiments, datasets and requests of glorank',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <TopBar />
        <main>{children}</main>
      </body>
    </html>
  );
}
