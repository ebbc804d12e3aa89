import { AlertStore } from './alerts.ts';
import { AuditStore } from './audit.ts';
import { type Db, openDatabase } from './db.ts';
import { HostStore } from './hosts.ts';
import { SettingsStore } from './settings.ts';
import { TokenStore } from './tokens.ts';
import { UserStore } from './users.ts';

export { AlertStore } from './alerts.ts';
export { AuditStore } from './audit.ts';
export { type Db, openDatabase } from './db.ts';
export { type HostRecord, HostStore, hostIdOf } from './hosts.ts';
export { SettingsStore } from './settings.ts';
export { type TokenRow, TokenStore } from './tokens.ts';
export { type UserRow, UserStore, userInfo } from './users.ts';

/** The hub's relational tables. */
export interface Stores {
  db: Db;
  hosts: HostStore;
  users: UserStore;
  tokens: TokenStore;
  audit: AuditStore;
  settings: SettingsStore;
  alerts: AlertStore;
}

export function openStores(path: string): Stores {
  const db = openDatabase(path);
  return {
    db,
    hosts: new HostStore(db),
    users: new UserStore(db),
    tokens: new TokenStore(db),
    audit: new AuditStore(db),
    alerts: new AlertStore(db),
    settings: new SettingsStore(db),
  };
}
