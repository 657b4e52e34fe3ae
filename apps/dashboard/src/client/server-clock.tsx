'use client';
// Times in a page the server renders: the server writes them with its own clock and time zone,
// and React must hydrate that HTML with the same text. So while hydrating, components format
// with the server's clock (sent with the page), and right after with the browser's own; where
// the two agree (the usual local dashboard) nothing changes on screen.
import { createContext, useContext, useSyncExternalStore } from 'react';

/** When and in which IANA time zone the server rendered the page. */
export interface ServerClock {
  at: number;
  timeZone: string;
}

const Clock = createContext<ServerClock | null>(null);
export const ServerClockProvider = Clock.Provider;

const never = () => () => {};

/** False on the server and while React hydrates the server's HTML; true from then on. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    never,
    () => true,
    () => false,
  );
}

/** The clock to format times with: the server's while hydrating its HTML, the browser's after. */
export function useClock(): { now: () => number; timeZone: string | undefined } {
  const hydrated = useHydrated();
  const server = useContext(Clock);
  return hydrated || server === null
    ? { now: Date.now, timeZone: undefined }
    : { now: () => server.at, timeZone: server.timeZone };
}
