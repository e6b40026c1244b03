import type { LoraSpec } from '../spec/lora-spec.js';

/** adapter_config.json of a PEFT LoRA adapter, with the fields PEFT itself writes. */
export interface PeftLoraConfig {
  alpha_pattern: Record<string, number>;
  auto_mapping: null;
  base_model_name_or_path: string | null;
  bias: 'none' | 'all' | 'lora_only';
  corda_config: null;
  eva_config: null;
  exclude_modules: null | string[];
  fan_in_fan_out: boolean;
  inference_mode: boolean;
  init_lora_weights: boolean | string;
  layer_replication: null;
  layers_pattern: null | string;
  layers_to_transform: null | number[];
  loftq_config: Record<string, unknown>;
  lora_alpha: number;
  lora_bias: boolean;
  lora_dropout: number;
  megatron_config: null;
  megatron_core: string;
  modules_to_save: null | string[];
  peft_type: 'LORA';
  r: number;
  rank_pattern: Record<string, number>;
  revision: string | null;
  target_modules: string[] | string | null;
  task_type: 'CAUSAL_LM' | string | null;
  use_dora: boolean;
  use_rslora: boolean;
}

export function buildAdapterConfig(spec: LoraSpec, baseModel: string, targetModules: string[]): PeftLoraConfig {
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    bias: 'none',
    corda_config: null,
    eva_config: null,
    exclude_modules: null,
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: null,
    loftq_config: {},
    lora_alpha: spec.alpha,
    lora_bias: false,
    lora_dropout: spec.dropout,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: null,
    peft_type: 'LORA',
    r: spec.r,
    rank_pattern: {},
    revision: null,
    target_modules: [...targetModules].sort(),
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: spec.rsLora,
  };
}

/** What datanet needs from any LoRA adapter_config.json, ours or one written by PEFT. */
export interface ParsedLoraConfig {
  baseModel: string | null;
  r: number;
  alpha: number;
  dropout: number;
  /** null: PEFT picks the model's default targets (q_proj, v_proj for Llama). */
  targetModules: string[] | 'all-linear' | null;
  rsLora: boolean;
  useDora: boolean;
  rankPattern: Record<string, number>;
  alphaPattern: Record<string, number>;
  raw: Record<string, unknown>;
}

const METHOD_NAMES: Record<string, string> = {
  IA3: 'IA³',
  ADALORA: 'AdaLoRA',
  LOHA: 'LoHa',
  LOKR: 'LoKr',
  PROMPT_TUNING: 'prompt tuning',
  PREFIX_TUNING: 'prefix tuning',
  P_TUNING: 'P-tuning',
  OFT: 'OFT',
  BOFT: 'BOFT',
  VERA: 'VeRA',
};

/**
 * Parses a PEFT adapter_config.json. Only peft_type LORA is accepted (DoRA and rsLoRA are LoRA
 * variants and parse; `useDora` tells a loader to refuse what it cannot apply).
 */
export function parseAdapterConfig(value: unknown, source = 'adapter_config.json'): ParsedLoraConfig {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${source}: expected a JSON object`);
  const raw = value as Record<string, unknown>;
  const type = raw.peft_type;
  if (type !== 'LORA') {
    const name = typeof type === 'string' ? (METHOD_NAMES[type] ?? type) : 'missing';
    throw new Error(
      `${source}: peft_type ${JSON.stringify(type ?? null)} (${name}) is not supported: datanet trains, loads and attributes LoRA adapters only (peft_type "LORA"); retrain with LoRA or QLoRA`,
    );
  }
  const num = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`${source}: ${key}: expected a number, got ${JSON.stringify(raw[key])}`);
    return v;
  };
  const t = raw.target_modules;
  let targetModules: ParsedLoraConfig['targetModules'];
  if (t === null || t === undefined) targetModules = null;
  else if (t === 'all-linear') targetModules = 'all-linear';
  else if (Array.isArray(t) && t.every((x) => typeof x === 'string')) targetModules = t as string[];
  else if (typeof t === 'string') targetModules = [t];
  else throw new Error(`${source}: target_modules: expected a list of module names, "all-linear" or null`);
  const r = num('r', 8);
  if (r <= 0 || !Number.isInteger(r)) throw new Error(`${source}: r: must be a positive integer, got ${r}`);
  return {
    baseModel: typeof raw.base_model_name_or_path === 'string' ? raw.base_model_name_or_path : null,
    r,
    alpha: num('lora_alpha', 8),
    dropout: num('lora_dropout', 0),
    targetModules,
    rsLora: raw.use_rslora === true,
    useDora: raw.use_dora === true,
    rankPattern: (raw.rank_pattern as Record<string, number>) ?? {},
    alphaPattern: (raw.alpha_pattern as Record<string, number>) ?? {},
    raw,
  };
}
