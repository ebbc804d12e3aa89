/** Where the archive reports: the agent's and the hub's loggers both fit. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
