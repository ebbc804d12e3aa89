import { createHmac } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import type { ChannelConfig } from '@vigil/schema';
import nodemailer from 'nodemailer';
import { type AlertEvent, payload, subject, text } from './format.ts';

/** Delivers one group of events through one channel; throws with a message that says what went wrong. */
export type Send = (events: readonly AlertEvent[]) => Promise<void>;

/** The sender of a channel configuration. `dataDir` holds the default alerts.log. */
export function senderOf(config: ChannelConfig, hubUrl: () => string, dataDir: string): Send {
  switch (config.type) {
    case 'log': {
      const path = config.path ?? `${dataDir}/alerts.log`;
      // One JSON object per line and per event, as seed 001's alerts.log.
      return async (events) => {
        const at = new Date().toISOString();
        await appendFile(path, events.map((e) => `${JSON.stringify({ time: at, ...payload([e], hubUrl()).alerts[0] })}\n`).join(''));
      };
    }
    case 'webhook':
      return async (events) => {
        const body = JSON.stringify(config.slack ? { text: text(events, hubUrl()) } : payload(events, hubUrl()));
        const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'vigil-hub', ...config.headers };
        // HMAC-SHA256 of the exact body, hex, as GitHub's webhooks sign theirs: receivers check it with the secret.
        if (config.secret) headers['x-vigil-signature'] = `sha256=${createHmac('sha256', config.secret).update(body).digest('hex')}`;
        const response = await fetch(config.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
        if (!response.ok) throw new Error(`${config.url} answered HTTP ${response.status}`);
      };
    case 'email': {
      const transport = nodemailer.createTransport({
        host: config.host,
        port: config.port,
        secure: config.secure,
        requireTLS: config.requireTls,
        auth: config.username ? { user: config.username, pass: config.password ?? '' } : undefined,
        tls: config.allowSelfSigned ? { rejectUnauthorized: false } : undefined,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 20_000,
      });
      return async (events) => {
        await transport.sendMail({ from: config.from, to: config.to, subject: subject(events), text: text(events, hubUrl()) });
      };
    }
  }
}
