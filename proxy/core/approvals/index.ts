/** Just-in-time approvals: store, workflow, webhook. The admin HTTP API is in `../admin/`. */
export { bindingHash, newApprovalId, normalizeStatement, ID_PATTERN, type BindingInput, type BindingParam } from "./binding.js";
export { applyVote, effectiveStatus, expireIfDue, type VoteRefusal } from "./rules.js";
export { openApprovalStore, type StoreSpec } from "./open.js";
export { createSqliteStore, type SqliteStoreOptions } from "./store-sqlite.js";
export { createPostgresStore, NOTIFY_CHANNEL, type PostgresStoreOptions } from "./store-postgres.js";
export { createWebhook, webhookText, type Webhook, type WebhookEvent, type WebhookOptions, type WebhookPayload } from "./webhook.js";
export {
  createApprovals,
  type Approvals,
  type ApprovalsOptions,
  type GateResult,
  type HoldResult,
  type HoldStatus,
  type RequestResult,
  type StatementToApprove,
  type VoteResult,
} from "./workflow.js";
export {
  STATUSES,
  StoreUnavailableError,
  summarizeIdentity,
  type ApprovalMode,
  type ApprovalRecord,
  type ApprovalStatus,
  type ApprovalStore,
  type IdentitySummary,
  type Vote,
} from "./types.js";
