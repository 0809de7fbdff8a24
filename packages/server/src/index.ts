export { buildApp } from "./app.js";
export type { AppContext, BuiltApp } from "./app.js";
export { startServer, closeOnSignals } from "./server.js";
export type { RunningServer } from "./server.js";
export { loadConfig, DEFAULT_CONFIG } from "./config.js";
export type { ServerConfig, ConfigSources } from "./config.js";
export { openStore } from "./db/connect.js";
export type { Store, StoreOptions, Dialect } from "./db/connect.js";
export { ApiError, ServerError } from "./errors.js";
export type { ApiErrorCode } from "./errors.js";
export { ingestProfile, ingestorOf } from "./store/ingest.js";
export type { IngestRequest, IngestResult, UploadInfo } from "./store/ingest.js";
export { bootstrap, createApiKey, createOrganization, createUser, addMember } from "./store/accounts.js";
export { seedDemo, DEMO_PROJECT_ID } from "./demo.js";
export type { DemoFacts, DemoOptions } from "./demo.js";
export { bucketStart, nextBucketStart } from "./time.js";
export { openApiDocument } from "./openapi.js";
export {
  MONITOR_JSON_SCHEMA,
  defaultMonitorSettings,
  defaultMonitors,
  parseDuration,
  parseMonitorConfig,
  parseMonitorSettings,
} from "./monitors/config.js";
export { BucketEvaluator } from "./monitors/engine.js";
export type { Evaluation, EvaluatedProject, MonitorDefinition } from "./monitors/engine.js";
export { MonitorScheduler, monitorSettings, projectMonitors } from "./monitors/scheduler.js";
export type { SchedulerOptions, TickResult as SchedulerTickResult } from "./monitors/scheduler.js";
export { createMonitor, installDefaultMonitors } from "./monitors/store.js";
export type {
  AnalyzerConfig,
  BaselineSpec,
  ConfigIssue,
  MonitorConfig,
  MonitorSettings,
  MonitorSeverity,
  NotifySpec,
  TargetSpec,
} from "./monitors/types.js";
export { AlertDispatcher, backoffDelay } from "./alerts/dispatcher.js";
export type {
  DispatcherOptions,
  TestSendResult,
  TickResult as DispatcherTickResult,
} from "./alerts/dispatcher.js";
export { enqueueAlert } from "./alerts/outbox.js";
export {
  maskSecret,
  parseChannelConfig,
  redactChannelConfig,
  signWebhookBody,
  verifyWebhookSignature,
} from "./alerts/channels.js";
export type { ChannelConfig } from "./alerts/channels.js";
export type { Alert, AlertAnomaly } from "./alerts/payload.js";
