/**
 * Imported first by bench/main.ts, before any function module is loaded: the function modules read their log
 * level and whether to write metrics when they are imported. `startEnv` is the environment the bench was
 * started with, which the local server gets (as `npm start` would), without this quieting.
 */
export const startEnv: NodeJS.ProcessEnv = { ...process.env };

Object.assign(process.env, { LOG_LEVEL: "SILENT", METRICS_DISABLED: "true" });
