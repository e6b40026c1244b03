// Light to import: DuckDB loads inside the functions that need it.
export { largestRemainder, exactIntegerWeights } from './core/largest-remainder.js';
export { splitFees, checkFeeSplit, FEE_PARTS, type FeeSplit, type FeeSplitBps } from './core/fee-split.js';
export { standingWeight, standingWeightSchema, type StandingWeight } from './core/standing-weight.js';
export { computeRewards, type ContributorAttribution, type Reward } from './core/rewards.js';
export { canonicalZone, epochAt, epochOfDate, parseEpoch, type Epoch } from './core/epoch.js';
export { planSettlement, ledgerPostings, LEDGER_ACCOUNTS } from './core/plan-settlement.js';
export type { SettlementInput, SettlementPlan, Payout, LedgerPosting } from './core/plan-settlement.js';
export { buildRewardTree, rewardLeaf, verifyRewardProof, REWARD_LEAF_ENCODING } from './merkle/reward-tree.js';
export type { RewardClaim, RewardTree, RewardTreeDump } from './merkle/reward-tree.js';
export { migrateSettlement, SETTLEMENT_MIGRATION_TABLE } from './store/migrations.js';
export { recordSettlement, loadSettlement, listSettlements, loadPayouts, checkLedger } from './store/settlement-store.js';
export type { StoredSettlement, RecordResult, LedgerCheck } from './store/settlement-store.js';
export { readEpochInputs, toAccounts, type EpochInputFiles, type EpochInputs } from './settle/epoch-inputs.js';
export { settleEpoch, rewardsFile, treeOf, type SettleOptions, type SettleResult } from './settle/settle-epoch.js';
export { settlementSettle, settleConfig, resolveEpoch, stepEpoch, payoutsTable, type SettleConfig } from './operators/settle-operator.js';
export { formatUnits } from './operators/statement.js';
export { rewardStatements, statementsCsv, type RewardStatement } from './cli/reward-statements.js';
export { advanceSettlement, planFromStore, type AdvanceOptions, type EpochState } from './proposal/advance-settlement.js';
export {
  recordEpochInputs,
  loadEpochInputs,
  loadAttributionRows,
  type EpochInputRows,
  type AttributionRow,
  type InferenceRow,
} from './proposal/epoch-input-rows.js';
export { captureEpochFiles } from './proposal/capture-epoch-files.js';
export {
  listProposals,
  currentProposal,
  loadProposalPayouts,
  type Proposal,
  type ProposalStatus,
  type SettlementTerms,
} from './proposal/proposal-store.js';
export { paidContributions } from './proposal/paid-contributions.js';
export { scoreUnits, SCORE_UNITS } from './proposal/epoch-contributors.js';
export { computeReceipt, receiptAccounts, type Receipt, type ReceiptLine } from './receipts/compute-receipt.js';
export { inferenceView, type InferenceView } from './receipts/inference-view.js';
export { renderReceiptHtml, renderInferenceHtml } from './receipts/receipt-html.js';
export { ReceiptSchema, InferenceViewSchema, ProposalSchema, SettlementDetailSchema } from './routes/settlement-schemas.js';
