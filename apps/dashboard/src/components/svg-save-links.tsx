'use client';
// "SVG PNG" links under an SVG chart: the figure as a vector file or a 2x bitmap.
import type { RefObject } from 'react';
import { downloadBlob, downloadSvg, svgToPngBlob } from '@/lib/chart-export';

export function SvgSaveLinks({ svg, name }: { svg: RefObject<SVGSVGElement | null>; name: string }) {
  return (
    <>
      <button
        type="button"
        className="link"
        onClick={() => svg.current && downloadSvg(svg.current, `${name}.svg`)}
      >
        SVG
      </button>{' '}
      <button
        type="button"
        className="link"
        onClick={() => {
          if (svg.current) void svgToPngBlob(svg.current).then((b) => downloadBlob(b, `${name}.png`));
        }}
      >
        PNG
      </button>
    </>
  );
}
