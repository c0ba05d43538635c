/**
 * Structured JSON logs, one line per entry on stdout, which Lambda sends to the function's log group as is.
 * Never log an event, a body or an Authorization header: they carry secrets and passwords. Log ids, routes,
 * statuses, error codes and timings.
 *
 * Written here rather than taken from Powertools: its logger and metrics add about 32 KB to every bundle,
 * a tenth of the AWS SDK the verify function cannot do without (see README, Performance). This covers what
 * the functions use: levels, keys that stay for the invocation, and entries that never throw.
 */
export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT";
const RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, SILENT: 100 };

export type LogAttributes = Record<string, unknown>;

export class Logger {
  private keys: LogAttributes = {};
  private readonly threshold: number;

  constructor(
    private readonly options: {
      service: string;
      level: LogLevel;
      /** Where a finished line goes (stdout in a function; tests capture it). */
      write: (line: string) => void;
    },
  ) {
    this.threshold = RANK[options.level];
  }

  isEnabled(level: Exclude<LogLevel, "SILENT">): boolean {
    return RANK[level] >= this.threshold;
  }

  debug(message: string, attributes?: LogAttributes): void {
    this.log("DEBUG", message, attributes);
  }
  info(message: string, attributes?: LogAttributes): void {
    this.log("INFO", message, attributes);
  }
  warn(message: string, attributes?: LogAttributes): void {
    this.log("WARN", message, attributes);
  }
  error(message: string, attributes?: LogAttributes): void {
    this.log("ERROR", message, attributes);
  }

  /** Keys every following entry carries, until `resetKeys` (the start of the next invocation or record). */
  appendKeys(keys: LogAttributes): void {
    Object.assign(this.keys, keys);
  }
  resetKeys(): void {
    this.keys = {};
  }

  private log(level: Exclude<LogLevel, "SILENT">, message: string, attributes: LogAttributes | undefined): void {
    if (RANK[level] < this.threshold) return;
    const entry = {
      level,
      message,
      timestamp: new Date().toISOString(),
      service: this.options.service,
      ...traceId(),
      ...this.keys,
      ...attributes,
    };
    let line: string;
    try {
      line = JSON.stringify(entry);
    } catch {
      // A value JSON cannot hold (a cycle, a BigInt): the entry still says what happened, without its attributes.
      line = JSON.stringify({ level, message, timestamp: entry.timestamp, service: this.options.service, attributesDropped: true });
    }
    try {
      this.options.write(line);
    } catch {
      // A log line is never worth failing a request for.
    }
  }
}

/** The X-Ray trace of this invocation (Lambda sets it per request), so a log line leads to its trace. */
function traceId(): { xray_trace_id?: string } {
  const header = process.env._X_AMZN_TRACE_ID;
  const root = header?.split(";")[0]?.replace("Root=", "");
  return root ? { xray_trace_id: root } : {};
}

/**
 * The level: `LOG_LEVEL` (the stack sets it, and Lambda's own `AWS_LAMBDA_LOG_LEVEL` to the same value), else
 * `AWS_LAMBDA_LOG_LEVEL`, else INFO. An unknown value is INFO rather than a function that cannot start.
 */
export function logLevelFrom(env: NodeJS.ProcessEnv): LogLevel {
  const value = (env.LOG_LEVEL || env.AWS_LAMBDA_LOG_LEVEL || "INFO").toUpperCase();
  if (value === "TRACE") return "DEBUG";
  if (value === "FATAL" || value === "CRITICAL") return "ERROR";
  return value in RANK ? (value as LogLevel) : "INFO";
}

export const SERVICE_NAME = "api-token-service";

export const logger = new Logger({
  service: SERVICE_NAME,
  level: logLevelFrom(process.env),
  write: (line) => process.stdout.write(`${line}\n`),
});
