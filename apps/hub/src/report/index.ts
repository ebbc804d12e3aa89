export { csvReport } from './csv.ts';
export { htmlReport } from './html.ts';
export { jsonReport } from './json.ts';
export { buildReport, chooseBasis, type ReportHostInfo, type ReportInput } from './model.ts';
export { pdfReport } from './pdf.ts';
export { type ReportSource, storageSource } from './source.ts';
