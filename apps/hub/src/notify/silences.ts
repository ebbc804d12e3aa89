import type { Alert, Silence, WindowSchedule } from '@vigil/schema';

/** Whether a repeating window is open at a moment (hub local time; a window may span midnight). */
export function inWindow(schedule: WindowSchedule, at: number): boolean {
  const d = new Date(at);
  const minutes = d.getHours() * 60 + d.getMinutes();
  const [sh, sm] = schedule.start.split(':').map(Number) as [number, number];
  const [eh, em] = schedule.end.split(':').map(Number) as [number, number];
  const start = sh * 60 + sm;
  const end = eh * 60 + em;
  if (start <= end) return schedule.days.includes(d.getDay()) && minutes >= start && minutes < end;
  // Spanning midnight: the part before midnight belongs to the listed day, the part after to the day before.
  if (minutes >= start) return schedule.days.includes(d.getDay());
  return minutes < end && schedule.days.includes((d.getDay() + 6) % 7);
}

/** Whether a silence holds an alert's notifications back now. */
export function silences(silence: Silence, alert: Alert, hostTags: readonly string[], at: number): boolean {
  if (silence.ruleId !== null && silence.ruleId !== alert.ruleId) return false;
  if (silence.scope.host && silence.scope.host !== alert.hostId) return false;
  if (silence.scope.tag && !hostTags.includes(silence.scope.tag)) return false;
  if (silence.schedule) return inWindow(silence.schedule, at) && (silence.until === null || at < silence.until);
  return silence.until !== null && at < silence.until;
}
