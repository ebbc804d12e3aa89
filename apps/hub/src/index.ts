/** @vigil/hub: ingest of agents, live state, process control, auth, and the REST/WebSocket API. */

export { hashPassword, verifyPassword } from './auth/secrets.ts';
export { AuthService, type Principal } from './auth/service.ts';
export { ConfigError, configFile, HubConfig, INSTALLED_CONFIG, loadConfig, parseConfig } from './config.ts';
export { ERRORS, type ErrorCode, toProblem, VigilError } from './errors.ts';
export { type FirstStart, Hub, type HubOptions } from './hub.ts';
export { openStores, type Stores } from './store/index.ts';
