import { level } from '../../format.ts';
import { usePreferences } from '../../stores/preferences.ts';

/**
 * A labelled bar coloured by the seed 000 thresholds. The fill is scaled, not resized: a change of width glides with a
 * transform, which the compositor animates alone. Animating `width` made the browser lay out and paint every card on
 * screen at 60 frames a second, since a fleet's cards change every second (bench:web, issue 5).
 */
export function Meter({
  label,
  value,
  detail,
  compact = false,
}: {
  label: string;
  value: number | null | undefined;
  detail?: string;
  compact?: boolean;
}) {
  const { thresholds } = usePreferences();
  const width = Math.max(0, Math.min(100, value ?? 0));
  return (
    <div className={compact ? 'meter compact' : 'meter'}>
      <div className="meter-label">
        <span>{label}</span>
        <span className="num">{detail ?? (value === null || value === undefined ? '–' : `${value.toFixed(1)} %`)}</span>
      </div>
      {/* biome-ignore lint/a11y/useSemanticElements: a native <meter> cannot be coloured by level across browsers */}
      <div className="meter-track" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value ?? undefined}>
        <div className={`meter-fill ${level(value, thresholds)}`} style={{ transform: `scaleX(${width / 100})` }} />
      </div>
    </div>
  );
}

export function StatusDot({ status }: { status: 'online' | 'offline' }) {
  return <span className={`dot ${status}`} role="img" aria-label={status} title={status} />;
}
