import type { paths } from '@datanet/client';

type Rules = paths['/v1/datanets/{id}']['get']['responses'][200]['content']['application/json'];

function bytes(n: unknown): string {
  const v = Number(n);
  if (!Number.isFinite(v)) return String(n);
  return v >= 1024 * 1024
    ? `${(v / 1024 / 1024).toFixed(v % (1024 * 1024) ? 1 : 0)} MiB`
    : v >= 1024
      ? `${Math.round(v / 1024)} KiB`
      : `${v} B`;
}

/** A Datanet's rules as contributors and stewards read them. */
export function DatanetRules({ rules }: { rules: Rules }) {
  const l = rules.limits as Record<string, unknown>;
  return (
    <dl className="facts">
      <dt>Domain</dt>
      <dd>{rules.domain}</dd>
      <dt>Formats</dt>
      <dd>{rules.formats.join(', ')}</dd>
      <dt>Licences</dt>
      <dd>{rules.licences.join(', ')}</dd>
      <dt>Consent</dt>
      <dd>{rules.consent.required.join(', ') || 'none'}</dd>
      <dt>Daily limit</dt>
      <dd>
        {bytes(l.dailyBytesPerContributor)} per contributor
        {l.dailyFilesPerContributor ? `, ${String(l.dailyFilesPerContributor)} files` : ''} (resets {String(l.resetTimezone ?? 'UTC')})
      </dd>
      <dt>Per submission</dt>
      <dd>{String(l.filesPerSubmission)} files</dd>
      <dt>Quality</dt>
      <dd>{rules.quality.ruleSets.join(', ') || 'none'}</dd>
    </dl>
  );
}
