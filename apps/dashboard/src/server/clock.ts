// The clock a server-rendered page's times are written with (src/client/server-clock.tsx).
import type { ServerClock } from '@/client/server-clock';

export function serverClockNow(): ServerClock {
  return { at: Date.now(), timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone };
}
