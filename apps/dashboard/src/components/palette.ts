// Series colours: distinct on white, in a fixed order so a run keeps its colour across charts.
export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];

export const colorAt = (i: number): string => PALETTE[i % PALETTE.length]!;

/** `#rrggbb` with an alpha channel, for the faint raw curve behind a smoothed one. */
export function withAlpha(hex: string, alpha: number): string {
  return `${hex}${Math.round(alpha * 255)
    .toString(16)
    .padStart(2, '0')}`;
}
