export { qualityFilter, activeRules, scoreColumn } from './filter/filter-operator.js';
export { RULES, RULES_BY_NAME, fails, type QualityRule, type RuleFamily } from './filter/rules.js';
export { resolveRules, loadRuleSetFile, RuleSetSpec, FAMILIES, type ActiveRule } from './filter/rule-set.js';
export { evaluateQuality, describeFailure } from './filter/evaluate.js';
export { TextStats } from './filter/text-stats.js';
