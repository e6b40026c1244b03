export { qualityFilter, activeRules, scoreColumn } from './filter/filter-operator.js';
export { RULES, RULES_BY_NAME, fails, type QualityRule, type RuleFamily } from './filter/rules.js';
export { resolveRules, loadRuleSetFile, RuleSetSpec, FAMILIES, type ActiveRule } from './filter/rule-set.js';
export { evaluateQuality, describeFailure } from './filter/evaluate.js';
export { TextStats } from './filter/text-stats.js';
export { qualityChecks, describeCheckFailure } from './checks/checks-operator.js';
export { runChecks } from './checks/run-checks.js';
export { CheckSpec, CheckSuite, type CheckResult } from './checks/check-spec.js';
export { loadYamlFile } from './yaml-file.js';
