import { useMemo } from 'react';
import type { QrMatrix } from '../api/mfa';

/** Light modules around the code, as the QR standard asks for. */
const QUIET_ZONE = 4;

/**
 * The SVG path of the dark modules: one rectangle per horizontal run of dark
 * modules in a row (`M x y h run v 1 h -run z`), shifted by the quiet zone.
 */
export function qrPath(rows: readonly string[]): string {
  const parts: string[] = [];
  rows.forEach((row, y) => {
    let x = 0;
    while (x < row.length) {
      if (row[x] !== '1') {
        x += 1;
        continue;
      }
      let run = 1;
      while (row[x + run] === '1') run += 1;
      parts.push(`M${x + QUIET_ZONE} ${y + QUIET_ZONE}h${run}v1h-${run}z`);
      x += run;
    }
  });
  return parts.join('');
}

/**
 * A QR code drawn as inline SVG from the server's module matrix: no image
 * URL, no data URI, no inline style (strict CSP); colours come from the
 * stylesheet and stay dark-on-light in dark mode too, so apps can scan it.
 */
export function QrCode({ qr, label, testId }: { qr: QrMatrix; label: string; testId?: string }) {
  const path = useMemo(() => qrPath(qr.rows), [qr.rows]);
  const extent = qr.size + 2 * QUIET_ZONE;
  return (
    <svg
      className="qr"
      viewBox={`0 0 ${extent} ${extent}`}
      role="img"
      aria-label={label}
      shapeRendering="crispEdges"
      data-testid={testId}
      data-size={qr.size}
    >
      <rect className="qr__light" x="0" y="0" width={extent} height={extent} />
      <path className="qr__dark" d={path} />
    </svg>
  );
}
