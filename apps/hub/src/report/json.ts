import type { Report } from '@vigil/schema';

/** The report as JSON, a host at a time (the same document as JSON.stringify(report), in pieces). */
export function* jsonReport(report: Report): Generator<string> {
  const { hosts, summary, warnings, ...head } = report;
  yield `${JSON.stringify(head).slice(0, -1)},"hosts":[`;
  for (let i = 0; i < hosts.length; i++) yield `${i > 0 ? ',' : ''}${JSON.stringify(hosts[i])}`;
  yield `],"summary":${JSON.stringify(summary)},"warnings":${JSON.stringify(warnings)}}\n`;
}
