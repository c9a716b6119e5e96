import { useEffect, useRef, useState } from 'react';
import type { Signature } from '../api/attendance';
import { problemMessage } from '../problems';
import { useI18n } from '../i18n';

/** The field strokes are given on (server units): x 0–1000, y 0–400. */
export const FIELD_WIDTH = 1000;
export const FIELD_HEIGHT = 400;
/** The server's limits: strokes, points per stroke, points in all. */
const MAX_STROKES = 100;
const MAX_STROKE_POINTS = 2000;
const MAX_POINTS = 5000;

const clamp = (v: number, max: number) => Math.round(Math.min(max, Math.max(0, v)) * 10) / 10;

/**
 * A signature field: pointer events (mouse, finger, pen) on a canvas, drawn in the
 * browser with no library. Strokes are kept in field units, so the server gets the
 * same drawing whatever the screen size. `onSubmit` sends them; its error is shown.
 */
export function SignaturePad({
  title,
  hint,
  submitLabel,
  onSubmit,
  onCancel,
  testId = 'signature-pad',
}: {
  title: string;
  hint?: string;
  submitLabel: string;
  onSubmit: (signature: Signature) => Promise<void>;
  onCancel?: () => void;
  testId?: string;
}) {
  const { t } = useI18n();
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const strokes = useRef<number[][]>([]);
  const drawing = useRef<number | null>(null);
  const [count, setCount] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const redraw = () => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.lineWidth = 3;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = '#111';
    const sx = c.width / FIELD_WIDTH;
    const sy = c.height / FIELD_HEIGHT;
    for (const s of strokes.current) {
      ctx.beginPath();
      for (let i = 0; i + 1 < s.length; i += 2) {
        const x = (s[i] ?? 0) * sx;
        const y = (s[i + 1] ?? 0) * sy;
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      if (s.length === 2) ctx.lineTo((s[0] ?? 0) * sx + 0.5, (s[1] ?? 0) * sy + 0.5);
      ctx.stroke();
    }
  };

  useEffect(redraw, []);

  const point = (e: React.PointerEvent<HTMLCanvasElement>): [number, number] => {
    const rect = e.currentTarget.getBoundingClientRect();
    return [
      clamp(((e.clientX - rect.left) / rect.width) * FIELD_WIDTH, FIELD_WIDTH),
      clamp(((e.clientY - rect.top) / rect.height) * FIELD_HEIGHT, FIELD_HEIGHT),
    ];
  };
  const total = () => strokes.current.reduce((n, s) => n + s.length / 2, 0);

  const down = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (strokes.current.length >= MAX_STROKES || total() >= MAX_POINTS) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture?.(e.pointerId);
    drawing.current = e.pointerId;
    strokes.current.push([...point(e)]);
    setCount(strokes.current.length);
    redraw();
  };
  const move = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (drawing.current !== e.pointerId) return;
    const s = strokes.current[strokes.current.length - 1];
    if (!s || s.length / 2 >= MAX_STROKE_POINTS || total() >= MAX_POINTS) return;
    s.push(...point(e));
    redraw();
  };
  const up = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (drawing.current === e.pointerId) drawing.current = null;
  };

  const clear = () => {
    strokes.current = [];
    setCount(0);
    setError(null);
    redraw();
  };

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await onSubmit({ strokes: strokes.current.map((s) => [...s]) });
    } catch (e) {
      setError(problemMessage(t, e, t('signature.failed')));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="signature-pad" aria-label={title} data-testid={testId}>
      <p className="signature-pad__title">{title}</p>
      {hint ? <p className="small muted">{hint}</p> : null}
      <canvas
        ref={canvas}
        className="signature-pad__canvas"
        width={FIELD_WIDTH}
        height={FIELD_HEIGHT}
        role="img"
        aria-label={t('signature.field')}
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        onPointerCancel={up}
        data-testid={`${testId}-canvas`}
        data-strokes={count}
      />
      {error ? (
        <p className="alert alert--error" role="alert" data-testid={`${testId}-error`}>
          {error}
        </p>
      ) : null}
      <div className="form__actions">
        <button type="button" className="button" onClick={clear} disabled={busy || count === 0} data-testid={`${testId}-clear`}>
          {t('signature.clear')}
        </button>
        {onCancel ? (
          <button type="button" className="button" onClick={onCancel} disabled={busy} data-testid={`${testId}-cancel`}>
            {t('signature.later')}
          </button>
        ) : null}
        <button
          type="button"
          className="button button--primary"
          onClick={() => void submit()}
          disabled={busy || count === 0}
          data-testid={`${testId}-submit`}
        >
          {submitLabel}
        </button>
      </div>
    </section>
  );
}
