/**
 * @vigil/schema: the one wire format of Vigil. Every app (agent, hub, web, CLI) imports these schemas and
 * their types; nobody declares a wire type by hand.
 */
export * from './alerts.ts';
export * from './api.ts';
export * from './archive.ts';
export * from './catalogue.ts';
export * from './config.ts';
export * from './cpu.ts';
export * from './frame.ts';
export * from './frame-delta.ts';
export * from './frame-headline.ts';
export * from './gpu.ts';
export * from './host.ts';
export * from './kernel.ts';
export * from './live.ts';
export * from './memory.ts';
export * from './network.ts';
export * from './process.ts';
export * from './process-match.ts';
export * from './protocol.ts';
export * from './report.ts';
export * from './seed000.ts';
export * from './seed003.ts';
export * from './sensors.ts';
export * from './storage.ts';
export * from './system.ts';
export * from './version.ts';
